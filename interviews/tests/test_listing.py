"""The lists' copies on the interview (score, recommendation, flag count, waiting since): set by
the workflow at each move, and backfilled for rows that existed before them."""

from __future__ import annotations

import importlib
from datetime import timedelta

import pytest
from django.apps import apps
from django.utils import timezone

from approvals import plan_editing, services
from interviews import workflow
from interviews.models import Interview, State, StateChange

pytestmark = pytest.mark.django_db

LISTED = ("score", "recommendation", "flag_count", "waiting_since")


def listed(interview) -> dict:
    return Interview.objects.filter(pk=interview.pk).values(*LISTED).get()


def test_a_plan_waits_from_the_moment_it_is_ready(pending, recruiter, capture):
    values = listed(pending)
    entered = StateChange.objects.get(interview=pending, to_state=State.PENDING).created_at
    assert values == {"score": None, "recommendation": None, "flag_count": None, "waiting_since": entered}
    with capture(execute=True):
        services.plan_approve(recruiter, pending)
    assert listed(pending)["waiting_since"] is None


def test_a_regenerated_plan_waits_from_its_new_version(pending, recruiter, capture):
    first = listed(pending)["waiting_since"]
    with capture(execute=True):
        services.plan_regenerate(recruiter, pending, feedback="More PostgreSQL")
    interview = Interview.objects.get(pk=pending.pk)
    assert interview.state == State.PENDING  # planning runs inline in tests
    assert interview.waiting_since > first
    # Editing the plan is no move: the waiting time stays.
    before = interview.waiting_since
    plan = interview.current_plan
    plan_editing.move_question(recruiter, interview, plan.id, plan.questions.order_by("position")[0].id, 1)
    assert listed(interview)["waiting_since"] == before


def test_an_assessment_copies_its_values_and_waits(assessed):
    assessment = assessed.assessments.get()
    values = listed(assessed)
    assert values["score"] == assessment.overall
    assert values["recommendation"] == assessment.recommendation
    assert values["flag_count"] == len(assessment.result["flags"]) > 0
    assert (
        values["waiting_since"]
        == StateChange.objects.get(interview=assessed, to_state=State.ASSESSMENT_PENDING).created_at
    )


def test_the_recruiters_override_is_what_the_lists_show(assessed, recruiter, capture):
    with capture(execute=True):
        services.assessment_override(
            recruiter, assessed, overrides={"score": 12, "recommendation": "NO_HIRE"}, reason="thin answers"
        )
    values = listed(assessed)
    assert (values["score"], values["recommendation"], values["waiting_since"]) == (12, "NO_HIRE", None)


def test_leaving_the_queue_any_other_way_clears_the_waiting_time(pending, capture):
    with capture(execute=True):
        workflow.transition(pending, State.CANCELLED, actor=workflow.SYSTEM, reason="position filled")
    assert listed(pending)["waiting_since"] is None


def test_a_failure_after_the_assessment_keeps_its_score(assessed, capture):
    score = listed(assessed)["score"]
    with capture(execute=True):
        workflow.transition(assessed, State.FAILED, actor=workflow.SYSTEM, reason="lost")
    values = listed(assessed)
    assert (values["score"], values["waiting_since"]) == (score, None)


def test_the_migration_fills_the_copies_of_existing_rows(pending, assessed, make_pending, recruiter, capture):
    decided = make_pending(candidateName="Decided", candidateEmail="decided@example.com")
    with capture(execute=True):
        services.plan_approve(recruiter, decided)
    # What the rows looked like before the copies existed; one entered its state a day ago.
    day_ago = timezone.now() - timedelta(days=1)
    StateChange.objects.filter(interview=pending, to_state=State.PENDING).update(created_at=day_ago)
    expected = {i.pk: listed(i) for i in (pending, assessed, decided)}
    expected[pending.pk]["waiting_since"] = day_ago
    Interview.objects.update(score=None, recommendation=None, flag_count=None, waiting_since=None)

    migration = importlib.import_module("interviews.migrations.0010_interview_listing")
    migration.backfill(apps, None)

    assert {i.pk: listed(i) for i in (pending, assessed, decided)} == expected
    assert expected[decided.pk] == {
        "score": None,
        "recommendation": None,
        "flag_count": None,
        "waiting_since": None,
    }

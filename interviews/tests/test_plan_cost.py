"""What writing a plan costs, and that it stays one transaction with its step records.

Measured before the change with the same request: 22 statements in four
transactions (the interview read, an existence check and a transaction for each
of the two engine steps, the latest version read, then the plan and the move to
PENDING with a separate event-sequence update).
"""

from __future__ import annotations

from types import SimpleNamespace
from unittest import mock

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from interview_platform.api import WrongState
from interview_platform.celery import _read_question_bank_before_forking
from interviews import planning, services, workflow
from interviews.agents import bank as bank_module
from interviews.agents.heuristic import HeuristicEngine
from interviews.models import AgentStep, Interview, Plan, State
from tests.factories import CREATE, SEED_BODY
from webhooks.models import Event

pytestmark = pytest.mark.django_db


def requested(ats, capture, **body) -> Interview:
    """An interview in VALIDATING_SKILLS whose planning job has not run."""
    with capture(execute=False):
        response = ats.post(CREATE, {**SEED_BODY, **body}, format="json")
    assert response.status_code == 201, response.content
    interview = Interview.objects.get(run_id=response.json()["runId"])
    assert interview.state == State.VALIDATING_SKILLS
    return interview


def test_a_plan_is_written_in_one_transaction_of_thirteen_statements(ats, capture):
    interview = requested(ats, capture)
    with CaptureQueriesContext(connection) as captured, capture(execute=False):
        planning.validate_and_plan(interview.id)
    sql = [q["sql"] for q in captured.captured_queries]
    assert len(sql) <= 13, sql
    # One read, then one transaction (a savepoint inside the test's own) around every write.
    assert sql[0].startswith('SELECT "interviews_interview"'), sql
    opened, closed = sql[1], sql[-1]
    assert opened.startswith("SAVEPOINT") and closed == "RELEASE " + opened, sql
    assert not any(s.startswith('SELECT 1 AS "a"') for s in sql), sql  # no existence checks
    assert not any('SET "event_sequence"' in s and "state" not in s for s in sql), sql

    interview.refresh_from_db()
    assert interview.state == State.PENDING
    plan = Plan.objects.get(interview=interview)
    assert interview.current_plan_id == plan.id and plan.version == 1
    assert plan.questions.count() > 0
    steps = AgentStep.objects.filter(interview=interview).order_by("id")
    assert [(s.step, s.outcome) for s in steps] == [("validate_skills", "ok"), ("plan", "ok")]
    # The sequence counted in the state update is the one the event carries.
    event = Event.objects.get(interview=interview, type="interview.plan_generated")
    assert event.sequence == interview.event_sequence == event.payload["data"]["sequence"]
    assert event.payload["data"]["planId"] == str(plan.id)


def test_a_second_version_follows_the_latest(ats, capture):
    interview = requested(ats, capture)
    with capture(execute=False):
        planning.validate_and_plan(interview.id)
    Interview.objects.filter(pk=interview.pk).update(state=State.VALIDATING_SKILLS, plan_feedback="Shorter.")
    with capture(execute=False):
        planning.validate_and_plan(interview.id)
    interview.refresh_from_db()
    assert list(
        Plan.objects.filter(interview=interview).order_by("version").values_list("version", flat=True)
    ) == [
        1,
        2,
    ]
    assert interview.current_plan.version == 2 and interview.current_plan.feedback == "Shorter."


def test_a_failed_engine_call_is_on_record_and_nothing_else_is_written(ats, capture):
    interview = requested(ats, capture)
    failing = mock.patch.object(HeuristicEngine, "plan", side_effect=RuntimeError("engine down"))
    with failing, pytest.raises(RuntimeError, match="engine down"):
        planning.validate_and_plan(interview.id)
    interview.refresh_from_db()
    assert interview.state == State.VALIDATING_SKILLS
    assert not Plan.objects.filter(interview=interview).exists()
    steps = AgentStep.objects.filter(interview=interview).order_by("id")
    assert [(s.step, s.outcome) for s in steps] == [("validate_skills", "ok"), ("plan", "failed")]
    assert "engine down" in steps[1].error


@pytest.mark.django_db(transaction=True)
def test_an_engine_failure_is_what_the_job_sees_even_when_its_record_cannot_be_kept(
    ats, capture, monkeypatch
):
    # Real commits here: the planning job must not be queued by them.
    monkeypatch.setattr(services, "_plan_after_commit", lambda interview: None)
    interview = requested(ats, capture)

    def erased_then_failed(engine, *args, **kwargs):
        Interview.objects.filter(pk=interview.pk).delete()
        raise RuntimeError("engine down")

    failing = mock.patch.object(HeuristicEngine, "plan", erased_then_failed)
    with failing, pytest.raises(RuntimeError, match="engine down"):
        planning.validate_and_plan(interview.id)
    assert not AgentStep.objects.filter(interview_id=interview.pk).exists()


def test_a_cancel_while_the_engine_thinks_wins_and_no_plan_is_written(ats, capture):
    interview = requested(ats, capture)
    real_plan = HeuristicEngine.plan

    def plan_while_cancelled(engine, *args, **kwargs):
        workflow.transition(Interview.objects.get(pk=interview.pk), State.CANCELLED, actor=workflow.SYSTEM)
        return real_plan(engine, *args, **kwargs)

    cancelling = mock.patch.object(HeuristicEngine, "plan", plan_while_cancelled)
    with cancelling, capture(execute=False), pytest.raises(WrongState):
        planning.validate_and_plan(interview.id)
    interview.refresh_from_db()
    assert interview.state == State.CANCELLED
    assert interview.current_plan_id is None
    assert not Plan.objects.filter(interview=interview).exists()


def test_unknown_skills_leave_the_interview_waiting_for_information(ats, capture):
    interview = requested(ats, capture, skills=["Underwater basket weaving"])
    with capture(execute=False):
        planning.validate_and_plan(interview.id)
    interview.refresh_from_db()
    assert interview.state == State.INFO_NEEDED and interview.missing_fields == ["skills"]
    assert not Plan.objects.filter(interview=interview).exists()
    assert list(AgentStep.objects.filter(interview=interview).values_list("step", flat=True)) == [
        "validate_skills"
    ]


def _worker(*queues: str):
    return SimpleNamespace(
        app=SimpleNamespace(amqp=SimpleNamespace(queues=SimpleNamespace(consume_from=set(queues))))
    )


def test_an_agents_worker_reads_the_question_bank_before_it_forks():
    bank_module._read_once.cache_clear()
    _read_question_bank_before_forking(sender=_worker("webhooks"))
    _read_question_bank_before_forking(sender=_worker("mail"))
    assert bank_module._read_once.cache_info().currsize == 0  # other workers never need it
    _read_question_bank_before_forking(sender=_worker("agents", "webhooks"))
    assert bank_module._read_once.cache_info().currsize == 1
    assert bank_module.bank().question_count > 0

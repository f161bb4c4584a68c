"""Interviews in each state the dashboard shows, built through the real API and services."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from django.test import Client
from django.utils import timezone

from interviews.tests.factories import SEED_BODY

CREATE = "/api/v1/a2a/interview"
BODY = SEED_BODY
ANSWERS = json.loads((Path(__file__).resolve().parents[2] / "interviews/tests/data/answers.json").read_text())


@pytest.fixture
def make_pending(ats, django_capture_on_commit_callbacks):
    """An interview requested by the ATS and planned by the engine: PENDING with plan v1."""

    def make(**overrides):
        with django_capture_on_commit_callbacks(execute=True):
            response = ats.post(CREATE, {**BODY, **overrides}, format="json")
        assert response.status_code == 201, response.content
        from interviews.models import Interview

        interview = Interview.objects.get(run_id=response.json()["runId"])
        assert interview.state == "PENDING", interview.state
        return interview

    return make


@pytest.fixture
def pending(make_pending):
    return make_pending()


@pytest.fixture
def info_needed(ats):
    response = ats.post(
        CREATE, {"candidateName": "Sam Lee", "candidateEmail": "sam@example.com"}, format="json"
    )
    assert response.json()["state"] == "INFO_NEEDED"
    from interviews.models import Interview

    return Interview.objects.get(run_id=response.json()["runId"])


def answer_all(interview, *, weak_index: int = 1) -> None:
    """Play the candidate: answer every question (one follow-up), raise two integrity flags."""
    from interviews import workflow
    from interviews.models import IntegrityEvent, State, Turn

    workflow.transition(
        interview, State.IN_PROGRESS, actor=workflow.Actor(label="candidate"), reason="joined"
    )
    sequence = 0
    now = timezone.now()
    for index, question in enumerate(interview.current_plan.questions.order_by("position")):
        answers = ANSWERS.get(question.key, {})
        strong = answers.get("strong_answer") or f"I would explain {question.skill} in depth with examples."
        weak = answers.get("weak_answer") or "I am not sure."
        Turn.objects.create(
            interview=interview,
            sequence=sequence,
            question=question,
            question_index=index,
            kind=Turn.Kind.MAIN,
            question_text=question.text,
            answer_text=weak if index == weak_index else strong,
            asked_at=now,
            answered_at=now,
        )
        sequence += 1
        if index == 0:
            Turn.objects.create(
                interview=interview,
                sequence=sequence,
                question=question,
                question_index=index,
                kind=Turn.Kind.FOLLOWUP,
                question_text="Can you give a concrete example from a project?",
                answer_text="In our checkout service we measured first, then fixed the slow query.",
                asked_at=now,
                answered_at=now,
            )
            sequence += 1
    IntegrityEvent.objects.create(interview=interview, event="tab_hidden", question_sequence=2)
    IntegrityEvent.objects.create(interview=interview, event="paste", question_sequence=3)


@pytest.fixture
def make_assessed(make_pending, recruiter, django_capture_on_commit_callbacks):
    """An interview the candidate has finished and the engine has scored: ASSESSMENT_PENDING."""

    def make(**overrides):
        from approvals.services import decide_plan
        from interviews import assessing
        from interviews.models import Interview

        interview = make_pending(**overrides)
        with django_capture_on_commit_callbacks(execute=True):
            decide_plan(recruiter, interview, approved=True)
        interview.refresh_from_db()
        answer_all(interview)
        with django_capture_on_commit_callbacks(execute=True):
            assessing.assess(interview.id)
        interview = Interview.objects.get(pk=interview.pk)
        assert interview.state == "ASSESSMENT_PENDING", interview.state
        return interview

    return make


@pytest.fixture
def assessed(make_assessed):
    return make_assessed(candidateName="Ada Lovelace", candidateEmail="ada@example.com")


@pytest.fixture
def web(client, recruiter):
    """The Django test client, signed in as the organization's recruiter."""
    client.force_login(recruiter)
    return client


@pytest.fixture
def outsider_web(outsider):
    client = Client()
    client.force_login(outsider)
    return client


@pytest.fixture
def org_admin(org, make_user):
    from accounts.models import Role

    return make_user(org, "dana@acme.test", role=Role.ADMIN)


@pytest.fixture
def admin_web(org_admin):
    """A client signed in as an ADMIN of the organization (webhooks are theirs to manage)."""
    client = Client()
    client.force_login(org_admin)
    return client

"""A socket opened with a join token: admitted and taken live in one transaction, or refused unchanged."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from interviews import adapters, joining, live
from interviews.agents.heuristic import HeuristicEngine
from interviews.models import CandidateSession, Interview, State
from tests.answer_support import CHANNEL, sql_of
from tests.factories import approved_interview

pytestmark = pytest.mark.django_db


def _browser(interview: Interview, *, consent: bool = True) -> dict:
    """What the join page leaves in a browser session that verified its code (and consented)."""
    session = {joining.SESSION_KEY: str(interview.id)}
    if consent:
        session[joining.CONSENT_KEY] = str(interview.id)
    return session


@pytest.fixture
def ready(api_key, recruiter, capture):
    """(interview, token) of an approved interview whose candidate did the device check."""
    run_id, token = approved_interview(api_key, recruiter, capture)
    interview = Interview.objects.get(run_id=run_id)
    CandidateSession.objects.create(interview=interview, device_checked_at=timezone.now())
    return interview, token


def test_a_ready_candidate_is_admitted_and_taken_live_reading_the_interview_once(ready, capture, watch_jobs):
    interview, token = ready
    adapters.forget_plans()
    enqueued = watch_jobs()
    with capture(execute=True), CaptureQueriesContext(connection) as captured:
        status = live.join(token, _browser(interview), CHANNEL)
    assert status["problem"] is None and status["interviewId"] == str(interview.id)
    assert [f["type"] for f in status["frames"]] == ["intro", "history", "question"]
    assert status["step"] is False and status["takeover"] == ""
    statements = sql_of(captured)
    assert statements[0].startswith("SAVEPOINT") and statements[-1].startswith("RELEASE SAVEPOINT")
    # The interview, its organization, plan and candidate session in one locked read; not read before.
    assert sum('FROM "interviews_interview"' in s and s.startswith("SELECT") for s in statements) == 1
    assert not any(s.startswith("SELECT") and 'FROM "interviews_candidatesession"' in s for s in statements)
    interview.refresh_from_db()
    assert interview.state == State.IN_PROGRESS
    assert CandidateSession.objects.get(interview=interview).live_channel == CHANNEL
    assert "interviews.tasks.interview_step" not in enqueued


@pytest.mark.parametrize(
    ("browser", "device_checked", "code"),
    [
        ("nobody", True, "not_verified"),
        ("no consent", True, "no_consent"),
        ("ready", False, "device_check_required"),
    ],
)
def test_a_browser_not_ready_is_refused_and_nothing_changes(ready, browser, device_checked, code):
    interview, token = ready
    events_before = interview.event_sequence
    if not device_checked:
        CandidateSession.objects.filter(interview=interview).update(device_checked_at=None)
    session = {
        "nobody": {},
        "no consent": _browser(interview, consent=False),
        "ready": _browser(interview),
    }[browser]
    status = live.join(token, session, CHANNEL)
    assert status["problem"][0] == code
    interview.refresh_from_db()
    assert interview.state == State.APPROVED and interview.event_sequence == events_before
    assert CandidateSession.objects.get(interview=interview).live_channel == ""


@pytest.mark.parametrize(
    ("token", "state", "code"),
    [
        ("x" * 43, None, "unknown"),
        ("y" * 201, None, "unknown"),
        ("", None, "unknown"),
        (None, State.CANCELLED, "cancelled"),
        (None, State.ASSESSMENT_PENDING, "used"),
    ],
)
def test_a_link_that_cannot_be_used_is_refused_with_its_reason(ready, token, state, code):
    interview, real_token = ready
    if state:
        Interview.objects.filter(pk=interview.pk).update(state=state)
    status = live.join(real_token if token is None else token, _browser(interview), CHANNEL)
    assert status["problem"][0] == code
    assert CandidateSession.objects.get(interview=interview).live_channel == ""


def test_a_completed_interview_in_progress_is_refused_as_used(ready):
    interview, token = ready
    Interview.objects.filter(pk=interview.pk).update(state=State.IN_PROGRESS)
    CandidateSession.objects.filter(interview=interview).update(completed_at=timezone.now())
    assert live.join(token, _browser(interview), CHANNEL)["problem"][0] == "used"


def test_with_a_model_engine_the_step_job_waits_for_the_socket(ready, capture, monkeypatch):
    """The socket joins its group first, then asks for the job, so the question the job pushes reaches it."""
    monkeypatch.setattr(HeuristicEngine, "quick", False)
    interview, token = ready
    enqueued = []
    monkeypatch.setattr(live.effects, "enqueue", lambda name, *args: enqueued.append((name, args)))
    with capture(execute=True):
        status = live.join(token, _browser(interview), CHANNEL)
    assert status["problem"] is None and status["step"] is True
    assert [f["type"] for f in status["frames"]] == ["intro", "history"]
    assert not enqueued
    live.ask_next(status["interviewId"])
    assert enqueued == [("interviews.tasks.interview_step", (str(interview.id),))]


def test_the_step_job_not_enqueued_is_logged_not_raised(ready, monkeypatch, caplog):
    interview, _ = ready

    def broker_down(task, *args):
        raise ConnectionRefusedError("Error 111 connecting to 127.0.0.1:6379")

    monkeypatch.setattr(live.effects, "enqueue", broker_down)
    live.ask_next(interview.id)
    assert f"could not enqueue the next step of interview {interview.id}" in caplog.text

"""The periodic jobs: unused links expire, stalled planning resumes."""

import pytest
import time_machine
from django.utils import timezone

from interviews import live, sweeps, tasks
from interviews.agents.heuristic import HeuristicEngine
from interviews.models import Interview, State, Turn
from tests.factories import SEED_BODY, approved_interview

pytestmark = pytest.mark.django_db


def test_unused_links_expire_after_their_ttl(api_key, recruiter, capture, settings):
    run_id, _ = approved_interview(api_key, recruiter, capture)
    assert sweeps.expire_links() == 0
    later = timezone.now() + settings.JOIN_LINK_TTL + timezone.timedelta(minutes=1)
    with time_machine.travel(later), capture(execute=False):
        assert sweeps.expire_links() == 1
    interview = Interview.objects.get(run_id=run_id)
    assert interview.state == State.EXPIRED
    assert interview.events.order_by("-sequence").first().type == "interview.expired"
    assert sweeps.expire_links() == 0


def test_stalled_planning_is_resumed_then_failed(ats, django_capture_on_commit_callbacks):
    # Created without running its jobs: as if the worker that had it died.
    run_id = ats.post("/api/v1/a2a/interview", SEED_BODY, format="json").json()["runId"]
    interview = Interview.objects.get(run_id=run_id)
    assert interview.state == State.VALIDATING_SKILLS
    assert sweeps.resume_stalled() == 0  # not stalled yet
    later = timezone.now() + timezone.timedelta(minutes=3)
    with time_machine.travel(later), django_capture_on_commit_callbacks(execute=True):
        assert sweeps.resume_stalled() == 1
    assert Interview.objects.get(run_id=run_id).state == State.PENDING

    # One that never finishes is failed after the last attempt, and the ATS is told.
    stuck = ats.post("/api/v1/a2a/interview", {**SEED_BODY, "externalId": "x"}, format="json").json()["runId"]
    Interview.objects.filter(run_id=stuck).update(step_attempts=sweeps.MAX_STEP_ATTEMPTS)
    with time_machine.travel(timezone.now() + timezone.timedelta(minutes=3)):
        sweeps.resume_stalled()
    interview = Interview.objects.get(run_id=stuck)
    assert interview.state == State.FAILED
    assert interview.events.order_by("-sequence").first().type == "interview.failed"


def test_lost_interview_steps_are_resumed(api_key, recruiter, capture, monkeypatch):
    """A lost 'next question' job and a lost assessment job are both picked up again."""
    # An engine that asks a model: its moves are the job's (a quick one decides in line).
    monkeypatch.setattr(HeuristicEngine, "quick", False)
    run_id, _ = approved_interview(api_key, recruiter, capture)
    interview = Interview.objects.get(run_id=run_id)
    with capture(execute=False):  # the first question's job is lost
        live.start(interview.id, "channel-1")
    assert not Turn.objects.filter(interview=interview).exists()

    later = timezone.now() + timezone.timedelta(minutes=3)
    with time_machine.travel(later), capture(execute=True):
        assert sweeps.resume_stalled() == 1
    assert Turn.objects.filter(interview=interview).count() == 1

    # Answer everything; the assessment job is lost at the end.
    with capture(execute=False):
        while True:
            turn = Turn.objects.filter(interview=interview, answered_at__isnull=True).last()
            if turn is None:
                break
            live.store_answer(
                interview.id, turn.public_id, "An answer with enough words to be scored fairly."
            )
            live.step(interview.id)
    assert Interview.objects.get(pk=interview.pk).state == State.IN_PROGRESS
    with time_machine.travel(later + timezone.timedelta(minutes=3)), capture(execute=True):
        assert sweeps.resume_stalled() == 1
    assert Interview.objects.get(pk=interview.pk).state == State.ASSESSMENT_PENDING


def test_abandoned_interviews_are_closed_and_assessed(api_key, recruiter, capture):
    run_id, _ = approved_interview(api_key, recruiter, capture)
    interview = Interview.objects.get(run_id=run_id)
    with capture(execute=True):
        live.start(interview.id, "channel-1")
    turn = Turn.objects.get(interview=interview)
    with capture(execute=True):
        live.store_answer(interview.id, turn.public_id, "A first answer covering a few of the ideas well.")
    live.disconnect(interview.id, "channel-1")
    assert tasks.expire_links() == 0  # not idle long enough

    with time_machine.travel(timezone.now() + timezone.timedelta(hours=25)), capture(execute=True):
        assert tasks.expire_links() == 1
    interview.refresh_from_db()
    assert interview.state == State.ASSESSMENT_PENDING
    completed = interview.events.get(type="interview.completed")
    assert completed.payload["data"]["abandoned"] is True
    assert "not answered" in " ".join(interview.assessments.get().result["concerns"])

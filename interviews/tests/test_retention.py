"""Retention: rows older than their window are purged in batches, once; newer ones stay; /ops/ previews it."""

from __future__ import annotations

import re
from datetime import timedelta
from io import StringIO
from pathlib import Path

import pytest
from django.conf import settings as django_settings
from django.core.files.base import ContentFile
from django.core.management import call_command
from django.utils import timezone

from interview_platform import jobs
from interviews import joining, retention
from interviews.models import AgentStep, Assessment, CandidateSession, IntegrityEvent, Recording, Turn
from tests.live import start_django
from tests.speech import private_recordings
from webhooks.models import Attempt, AttemptOutcome, Delivery

pytestmark = pytest.mark.django_db

OLD = timedelta(days=400)


@pytest.fixture(autouse=True)
def _private_storage(monkeypatch, tmp_path):
    private_recordings(monkeypatch, tmp_path)


def with_everything(interview) -> None:
    """Device details, a recording, an agent step and a webhook attempt beside the answers and flags."""
    session = joining.candidate_session(interview)
    CandidateSession.objects.filter(pk=session.pk).update(
        device_details={"userAgent": "Mozilla/5.0"}, device_checked_at=timezone.now()
    )
    first = interview.turns.order_by("sequence").first()
    recording = Recording(
        interview=interview, turn=first, content_type="audio/wav", size=4, duration_seconds=1
    )
    recording.audio.save("answer.wav", ContentFile(b"RIFF"), save=False)
    recording.status, recording.text = Recording.Status.DONE, first.answer_text
    recording.save()
    AgentStep.objects.create(interview=interview, step="assess", engine="heuristic", outcome="ok")
    delivery = Delivery.objects.create(event=interview.events.first(), url="https://ats.example/h")
    Attempt.objects.create(delivery=delivery, number=1, status_code=200, outcome=AttemptOutcome.SUCCEEDED)


def backdate(interview, by: timedelta) -> None:
    """Move everything the interview stored ``by`` into the past."""
    for turn in interview.turns.all():
        Turn.objects.filter(pk=turn.pk).update(asked_at=turn.asked_at - by, answered_at=turn.answered_at - by)
    for event in interview.integrity_events.all():
        IntegrityEvent.objects.filter(pk=event.pk).update(occurred_at=event.occurred_at - by)
    CandidateSession.objects.filter(interview=interview).update(device_checked_at=timezone.now() - by)
    Recording.objects.filter(interview=interview).update(created_at=timezone.now() - by)
    AgentStep.objects.filter(interview=interview).update(created_at=timezone.now() - by)
    Attempt.objects.filter(delivery__event__interview=interview).update(started_at=timezone.now() - by)


def counts() -> dict[str, int]:
    return {row["kind"]: row["count"] for row in retention.preview()}


@pytest.fixture
def old_and_new(make_assessed):
    old = make_assessed(candidateName="Old Candidate", candidateEmail="old@example.com")
    new = make_assessed(candidateName="New Candidate", candidateEmail="new@example.com")
    for interview in (old, new):
        with_everything(interview)
    backdate(old, OLD)
    return old, new


def test_defaults_are_documented_and_read_strictly():
    assert django_settings.RETENTION_DAYS == {
        "transcripts": 180,
        "integrity": 180,
        "device_details": 30,
        "agent_steps": 90,
        "webhook_attempts": 30,
    }
    readme = (django_settings.BASE_DIR / "README.md").read_text()
    for kind, days in django_settings.RETENTION_DAYS.items():
        assert re.search(rf"`RETENTION_DAYS_{kind.upper()}` \| `{days}`", readme), kind
    refused = start_django({"RETENTION_DAYS_TRANSCRIPTS": "a year"})
    assert (
        refused.returncode != 0 and "RETENTION_DAYS_TRANSCRIPTS='a year' is not an integer" in refused.stderr
    )
    refused = start_django({"RETENTION_DAYS_WEBHOOK_ATTEMPTS": "0"})
    assert (
        refused.returncode != 0 and "RETENTION_DAYS_WEBHOOK_ATTEMPTS=0 is below the minimum" in refused.stderr
    )


def test_the_preview_counts_only_what_outlived_its_window(old_and_new):
    old, _ = old_and_new
    assert counts() == {
        "transcripts": 1,
        "recordings": 1,
        "device_details": 1,
        "integrity": old.integrity_events.count(),
        "agent_steps": old.agent_steps.count(),
        "webhook_attempts": 1,
    }


def test_the_dry_run_changes_nothing_and_the_purge_removes_only_old_rows(old_and_new):
    old, new = old_and_new
    new_answers = sorted(new.turns.values_list("answer_text", flat=True))
    file_of = {i.pk: Recording.objects.get(interview=i).audio.path for i in (old, new)}
    expected = counts()
    out = StringIO()
    call_command("purge_expired_data", "--dry-run", stdout=out)
    for kind, count in expected.items():
        assert re.search(rf"^{kind}\s+{count} older than", out.getvalue(), re.M), out.getvalue()
    assert counts() == expected

    out = StringIO()
    call_command("purge_expired_data", stdout=out)
    assert f"Purged {sum(expected.values())} in all." in out.getvalue()
    assert set(counts().values()) == {0}

    assert set(old.turns.values_list("answer_text", flat=True)) == {""}
    assert Recording.objects.get(interview=old).text == ""
    old_result = Assessment.objects.get(interview=old).result
    assert all(q["evidence"] == [] for q in old_result["question_scores"])
    assert Assessment.objects.get(interview=old).overall > 0  # scores stay
    assert not old.integrity_events.exists() and not old.agent_steps.exists()
    assert CandidateSession.objects.get(interview=old).device_details == {}
    assert not Attempt.objects.filter(delivery__event__interview=old).exists()
    assert not Recording.objects.get(interview=old).audio

    assert not Path(file_of[old.pk]).exists() and Path(file_of[new.pk]).exists()

    # The newer interview keeps everything.
    assert sorted(new.turns.values_list("answer_text", flat=True)) == new_answers
    assert new.integrity_events.exists() and new.agent_steps.exists()
    assert CandidateSession.objects.get(interview=new).device_details == {"userAgent": "Mozilla/5.0"}
    assert Attempt.objects.filter(delivery__event__interview=new).exists()
    # Idempotent: a second run finds nothing.
    assert set(retention.purge().values()) == {0}


def test_the_purge_works_in_batches(make_assessed):
    interviews = [make_assessed(candidateName=f"C {n}", candidateEmail=f"c{n}@example.com") for n in range(3)]
    for interview in interviews:
        AgentStep.objects.create(interview=interview, step="assess", engine="heuristic", outcome="ok")
        backdate(interview, OLD)
    steps = AgentStep.objects.count()
    assert retention.purge_kind(retention.BY_NAME["agent_steps"], batch_size=2) == steps
    assert retention.purge_kind(retention.BY_NAME["transcripts"], batch_size=2) == 3
    assert not Turn.objects.exclude(answer_text="").exists()


def test_the_periodic_job_is_scheduled_and_runs_by_name(old_and_new):
    entry = django_settings.CELERY_BEAT_SCHEDULE["purge-expired-data"]
    assert entry["task"] == "interviews.tasks.purge_expired_data"
    assert entry["schedule"] <= 86400
    jobs.enqueue(entry["task"])  # synchronous in tests
    left = counts()
    assert left.pop("recordings") == 1  # the recordings job (purge_recordings) owns those
    assert set(left.values()) == {0}


def test_ops_shows_the_preview_linked_from_its_index(ops, old_and_new):
    index = ops.get("/ops/")
    assert index.status_code == 200
    assert b'href="/ops/interviews/retentionpreview/"' in index.content
    page = ops.get("/ops/interviews/retentionpreview/")
    assert page.status_code == 200
    html = page.content.decode()
    for kind, count in counts().items():
        row = re.search(rf'<tr data-kind="{kind}">(.*?)</tr>', html, re.S).group(1)
        assert f'<td class="count">{count}</td>' in row, kind
    assert "RETENTION_DAYS_TRANSCRIPTS" in html and "RECORDING_RETENTION_DAYS" in html
    # Looking changes nothing.
    assert counts()["transcripts"] == 1


def test_ops_lists_erasures_for_audit_and_refuses_anonymous(ops, client, assessed, ats):
    assert ats.post(f"/api/v1/a2a/interview/{assessed.run_id}/erase").status_code == 200
    listing = ops.get("/ops/interviews/erasure/")
    assert listing.status_code == 200 and str(assessed.run_id).encode() in listing.content
    assert b"api-key:ATS" in listing.content
    assert client.get("/ops/interviews/retentionpreview/").status_code == 302

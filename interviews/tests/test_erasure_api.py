"""Erasure through the API: who may, what goes (database and storage), what stays, the webhook."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from django.core import serializers
from django.core.files.base import ContentFile

from accounts.models import Role
from approvals.models import Approval
from interviews import joining
from interviews.models import (
    AgentStep,
    Assessment,
    CandidateEmailDevice,
    CandidateSession,
    Erasure,
    IdempotencyRecord,
    IntegrityEvent,
    Interview,
    Plan,
    Question,
    Recording,
    State,
    StateChange,
    Turn,
)
from tests.factories import CREATE, api_key_client
from tests.speech import private_recordings
from webhooks.models import Attempt, AttemptOutcome, Delivery, Event

pytestmark = pytest.mark.django_db

NAME, EMAIL = "Ada Lovelace", "ada.lovelace@example.com"


@pytest.fixture(autouse=True)
def _private_storage(monkeypatch, tmp_path):
    private_recordings(monkeypatch, tmp_path)


def erase_url(interview) -> str:
    return f"{CREATE}/{interview.run_id}/erase"


def give_personal_data(interview: Interview) -> dict:
    """Everything a finished interview holds about its candidate; returns what must vanish."""
    first = interview.turns.order_by("sequence").first()
    recording = Recording(
        interview=interview, turn=first, content_type="audio/wav", size=4, duration_seconds=1.0
    )
    recording.audio.save("answer.wav", ContentFile(b"RIFF"), save=False)
    recording.status, recording.text = Recording.Status.DONE, first.answer_text
    recording.save()
    session = joining.candidate_session(interview)
    CandidateSession.objects.filter(pk=session.pk).update(
        device_details={"userAgent": "Mozilla/5.0 (Ada's laptop)", "timezone": "Europe/London"}
    )
    CandidateEmailDevice.objects.create(interview=interview, name="email")
    AgentStep.objects.create(
        interview=interview, step="assess", engine="llm", outcome="failed", error=f"model quoted {NAME}"
    )
    StateChange.objects.filter(interview=interview).update(reason=f"note about {NAME}")
    Plan.objects.filter(interview=interview).update(feedback=f"{NAME} is senior")
    event = interview.events.order_by("sequence").first()
    event.payload = {**event.payload, "data": {**event.payload["data"], "reason": f"{NAME} asked"}}
    event.body = json.dumps(event.payload)
    event.save()
    delivery = Delivery.objects.create(event=event, url="https://ats.example/hook", status="SUCCEEDED")
    Attempt.objects.create(
        delivery=delivery,
        number=1,
        status_code=200,
        response_excerpt=f"ok {EMAIL}",
        outcome=AttemptOutcome.SUCCEEDED,
    )
    texts = {NAME, EMAIL, "Ada's laptop"}
    texts |= {t.answer_text for t in interview.turns.all() if len(t.answer_text) > 12}
    texts |= {t.question_text for t in interview.turns.exclude(kind=Turn.Kind.MAIN)}
    for score in interview.assessments.get().result["question_scores"]:
        texts |= {quote for quote in score["evidence"] if len(quote) > 12}
    return {"texts": texts, "file": recording.audio.path}


def rows_of(interview: Interview) -> str:
    """Every stored row that belongs to the interview, as JSON text."""
    querysets = [
        Interview.objects.filter(pk=interview.pk),
        Plan.objects.filter(interview=interview),
        Question.objects.filter(plan__interview=interview),
        StateChange.objects.filter(interview=interview),
        CandidateSession.objects.filter(interview=interview),
        CandidateEmailDevice.objects.filter(interview=interview),
        Turn.objects.filter(interview=interview),
        Recording.objects.filter(interview=interview),
        IntegrityEvent.objects.filter(interview=interview),
        Assessment.objects.filter(interview=interview),
        AgentStep.objects.filter(interview=interview),
        Approval.objects.filter(interview=interview),
        Event.objects.filter(interview=interview),
        Delivery.objects.filter(event__interview=interview),
        Attempt.objects.filter(delivery__event__interview=interview),
        IdempotencyRecord.objects.filter(interview=interview),
        Erasure.objects.filter(interview=interview),
    ]
    return "\n".join(serializers.serialize("json", qs) for qs in querysets)


@pytest.fixture
def finished(make_assessed):
    return make_assessed(candidateName=NAME, candidateEmail=EMAIL)


def test_the_ats_erases_a_finished_interview_and_nothing_personal_is_left(ats, finished, capture):
    personal = give_personal_data(finished)
    before = rows_of(finished)
    assert all(text in before for text in personal["texts"])  # the check below can fail
    scores = list(Assessment.objects.filter(interview=finished).values_list("overall", "recommendation"))
    history = list(finished.state_changes.values_list("from_state", "to_state", "created_at"))
    questions = list(finished.turns.filter(kind=Turn.Kind.MAIN).values_list("question_text", flat=True))

    with capture(execute=True):
        response = ats.post(erase_url(finished))
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["runId"] == str(finished.run_id) and body["state"] == State.ASSESSMENT_PENDING
    assert body["erasedBy"] == "api-key:ATS" and body["erasedAt"]
    assert body["removed"]["recordingFiles"] == 1 and body["removed"]["answers"] >= 5

    after = rows_of(finished)
    leaked = [text for text in personal["texts"] if text.lower() in after.lower()]
    assert leaked == []
    assert not CandidateEmailDevice.objects.filter(interview=finished).exists()
    recording = finished.recordings.get()
    assert not recording.audio and recording.deleted_at and recording.text == ""
    assert not Path(personal["file"]).exists()
    # What is not personal stays: the history, the scores, the event types.
    assert list(finished.state_changes.values_list("from_state", "to_state", "created_at")) == history
    assert (
        list(Assessment.objects.filter(interview=finished).values_list("overall", "recommendation")) == scores
    )
    assert finished.events.order_by("-sequence").first().type == "interview.erased"
    assert (
        list(finished.turns.filter(kind=Turn.Kind.MAIN).values_list("question_text", flat=True)) == questions
    )
    status = ats.get(f"{CREATE}/{finished.run_id}/status").json()
    assert status["erasedAt"] == body["erasedAt"]


def test_erasing_twice_answers_the_first_erasure_and_sends_one_webhook(ats, finished, capture):
    first = ats.post(erase_url(finished))
    second = ats.post(erase_url(finished))
    assert second.status_code == 200
    assert second.json() == first.json()
    assert finished.events.filter(type="interview.erased").count() == 1
    assert Erasure.objects.filter(interview=finished).count() == 1


def test_an_admin_may_erase_a_recruiter_may_not(bearer_client, recruiter, org_admin, make_pending, capture):
    pending = make_pending(candidateName=NAME, candidateEmail=EMAIL)
    refused = bearer_client(recruiter).post(erase_url(pending))
    assert refused.status_code == 403
    assert refused.json()["error"]["code"] == "forbidden"
    assert Interview.objects.get(pk=pending.pk).candidate_email == EMAIL

    with capture(execute=True):
        response = bearer_client(org_admin).post(erase_url(pending))
    assert response.status_code == 200, response.content
    assert response.json()["erasedBy"] == f"user:{org_admin.email}"
    interview = Interview.objects.get(pk=pending.pk)
    # A pending interview is live: it is cancelled through the workflow first.
    assert interview.state == State.CANCELLED and interview.candidate_email == ""
    assert list(interview.events.order_by("sequence").values_list("type", flat=True))[-2:] == [
        "interview.cancelled",
        "interview.erased",
    ]
    erasure = Erasure.objects.get(interview=interview)
    assert erasure.actor_user == org_admin


def test_another_organization_gets_404_and_no_credentials_401(
    other_api_key, make_user, other_org, bearer_client, client, pending
):
    outsider_admin = make_user(other_org, "eve@outsider.test", role=Role.ADMIN)
    for caller in (api_key_client(other_api_key), bearer_client(outsider_admin)):
        response = caller.post(erase_url(pending))
        assert response.status_code == 404, response.content
        assert response.json()["error"]["code"] == "not_found"
    assert client.post(erase_url(pending)).status_code == 401
    assert ats_unknown_run(api_key_client(other_api_key)) == 404
    assert Interview.objects.get(pk=pending.pk).candidate_name == "Jane Smith"


def ats_unknown_run(caller) -> int:
    return caller.post(f"{CREATE}/not-a-uuid/erase").status_code


def test_a_live_interview_is_cancelled_and_its_link_stops_working(
    ats, recruiter_client, recruiter, capture, client
):
    from tests.factories import approved_link, page_url

    interview, token = approved_link(ats, recruiter_client, recruiter, capture)
    with capture(execute=True):
        assert ats.post(erase_url(interview)).status_code == 200
    interview.refresh_from_db()
    assert interview.state == State.CANCELLED and interview.join_token_hash == ""
    assert client.get(page_url(token)).status_code in (404, 410)
    # The link the ATS was told is gone from the stored plan_approved event.
    approved = interview.events.get(type="interview.plan_approved")
    assert "interviewLink" not in approved.payload["data"] and token not in approved.body


def test_interview_erased_reaches_the_receiver_and_redeliveries_send_the_erased_body(
    ats, make_pending, receiver, capture, org
):
    from webhooks import services as webhook_services

    pending = make_pending(candidateName=NAME, candidateEmail=EMAIL, callbackUrl=receiver.url + "/hook")
    with capture(execute=True):
        ats.post(f"{CREATE}/{pending.run_id}/cancel", {"reason": f"{NAME} withdrew"}, format="json")
    with capture(execute=True):
        response = ats.post(erase_url(pending))
    assert response.status_code == 200
    bodies = [json.loads(r.body) for r in receiver.requests]
    assert [b["event"] for b in bodies] == [
        "interview.plan_generated",
        "interview.cancelled",
        "interview.erased",
    ]
    erased = bodies[-1]
    assert erased["runId"] == str(pending.run_id) and erased["state"] == State.CANCELLED
    assert (
        erased["data"]["erasedBy"] == "api-key:ATS"
        and erased["data"]["sequence"] == bodies[-2]["data"]["sequence"] + 1
    )
    assert receiver.requests[-1].headers["webhook-signature"].startswith("v1,")

    cancelled = Delivery.objects.get(event__interview=pending, event__type="interview.cancelled")
    with capture(execute=True):
        webhook_services.redeliver(cancelled)
    again = receiver.requests[-1]
    assert json.loads(again.body)["event"] == "interview.cancelled"
    assert NAME.encode() not in again.body and "reason" not in json.loads(again.body)["data"]


def test_ids_in_events_survive_a_name_that_could_be_hex(ats, make_pending, capture):
    pending = make_pending(candidateName="Ada", candidateEmail="a@example.com")
    event = pending.events.get(type="interview.plan_generated")
    plan_id = "ada0ada0-0000-4000-8000-00000000ada0"  # "ada" inside an id, as a UUID may have it
    event.payload = {
        **event.payload,
        "data": {**event.payload["data"], "planId": plan_id, "note": "Ada said hi"},
    }
    event.save()
    assert ats.post(erase_url(pending)).status_code == 200
    event.refresh_from_db()
    assert event.payload["data"]["planId"] == plan_id and "note" not in event.payload["data"]
    assert json.loads(event.body)["data"] == event.payload["data"]


def test_the_idempotency_record_forgets_the_request(ats, capture):
    from tests.factories import SEED_BODY

    body = {**SEED_BODY, "candidateName": NAME, "candidateEmail": EMAIL}
    with capture(execute=True):
        created = ats.post(CREATE, body, format="json", HTTP_IDEMPOTENCY_KEY="req-1")
    run_id = created.json()["runId"]
    record = IdempotencyRecord.objects.get(key="req-1")
    assert record.request_hash
    with capture(execute=True):
        assert ats.post(f"{CREATE}/{run_id}/erase").status_code == 200
    record.refresh_from_db()
    assert record.request_hash == ""
    # The same key now names a request this service no longer knows: refused, not replayed.
    assert ats.post(CREATE, body, format="json", HTTP_IDEMPOTENCY_KEY="req-1").status_code == 422

"""The live interview socket, with a real websocket client against a real daphne
server and a real Celery worker (Redis broker and channel layer)."""

from __future__ import annotations

import contextlib
import ipaddress
import json
import time

import pytest
from rest_framework.test import APIClient
from standardwebhooks.webhooks import Webhook
from websockets.exceptions import ConnectionClosed, InvalidStatus

from accounts.models import ApiKey
from interviews.models import IntegrityEvent, Interview, State, Turn
from tests.candidate_client import Candidate, recv
from tests.factories import bearer_client
from tests.live import create_approved, live_stack, wait_until
from tests.receiver import Receiver
from tests.services import redis_url

pytestmark = [pytest.mark.integration, pytest.mark.django_db(transaction=True)]


def good_answer(run_id: str, sequence: int) -> str:
    turn = Turn.objects.select_related("question").get(interview__run_id=run_id, sequence=sequence)
    if turn.kind == Turn.Kind.CLOSING:
        return "Yes: how big is the team I would join?"
    concepts = [c["name"] for c in turn.question.rubric["concepts"]]
    return "In practice I would focus on " + ", ".join(concepts) + ", and I have done this in production."


BAD_FRAMES = [
    ("not json", "bad_frame"),
    (json.dumps(["a"]), "bad_frame"),
    (json.dumps({"type": "dance"}), "bad_frame"),
    ({"type": "answer", "text": "   "}, "empty_answer"),
    ({"type": "answer", "text": "x" * 10001}, "answer_too_long"),
    (json.dumps({"type": "answer", "questionId": "q99", "text": "hello"}), "out_of_turn"),
    (json.dumps({"type": "integrity", "event": "teleported"}), "bad_frame"),
]
WEBHOOKS_IN_ORDER = [
    "interview.plan_generated",
    "interview.plan_approved",
    "interview.started",
    "interview.completed",
    "interview.assessment_generated",
    "interview.assessment_approved",
]


def send(ws, frame: dict) -> None:
    ws.send(json.dumps(frame))


def assert_refused_elsewhere(candidate: Candidate, other_token: str) -> None:
    # A foreign origin is refused at the handshake.
    with pytest.raises(InvalidStatus):
        candidate.socket(origin="http://evil.example")
    # This session is not verified for another link.
    with candidate.socket(token=other_token) as ws:
        frame = recv(ws)
        assert frame["type"] == "error" and frame["code"] == "not_verified"
        with pytest.raises(ConnectionClosed):
            ws.recv(timeout=10)


def assert_bad_frames_get_errors(ws, first: dict) -> None:
    """Bad frames get error frames; the socket stays open."""
    for raw, code in BAD_FRAMES:
        # Answers to the open question are built here: they need its id.
        ws.send(json.dumps({**raw, "questionId": first["questionId"]}) if isinstance(raw, dict) else raw)
        frame = recv(ws)
        assert (frame["type"], frame["code"]) == ("error", code), frame
    send(ws, {"type": "answer", "questionId": "q7", "text": "hello"})
    assert recv(ws)["fields"] == {"expected": first["questionId"]}
    send(ws, {"type": "ping"})
    assert json.loads(ws.recv(timeout=10))["type"] == "pong"


def answer_weakly(ws, first: dict) -> dict:
    """A weak first answer earns exactly one follow-up on the same question; returns the next question."""
    send(ws, {"type": "answer", "questionId": first["questionId"], "text": "I am not sure, honestly."})
    followup = recv(ws)
    assert followup["type"] == "question" and followup["kind"] == "followup"
    assert followup["index"] == 1
    send(ws, {"type": "answer", "questionId": followup["questionId"], "text": "Still not sure."})
    current = recv(ws)
    assert current["kind"] == "main" and current["index"] == 2
    return current


def reconnect_and_take_over(candidate: Candidate, sockets, ws, run_id: str, current: dict):
    """Drop the connection, then open a second window; returns the socket left in charge."""
    # Nothing answered is lost; it resumes at the open question.
    ws.close()
    answered = Turn.objects.filter(interview__run_id=run_id, answered_at__isnull=False)
    answered_before = answered.count()
    ws = sockets.enter_context(candidate.socket())
    assert recv(ws)["questionId"] == current["questionId"]
    assert answered.count() == answered_before

    # A second window takes over; the first is told and closed.
    second = sockets.enter_context(candidate.socket())
    assert recv(second)["questionId"] == current["questionId"]
    frame = recv(ws)
    assert (frame["type"], frame["code"]) == ("error", "taken_over")
    return second


def answer_to_the_end(ws, run_id: str, frame: dict) -> None:
    while frame["type"] == "question":
        sequence = int(frame["questionId"][1:])
        send(ws, {"type": "answer", "questionId": frame["questionId"], "text": good_answer(run_id, sequence)})
        frame = recv(ws)
    assert frame["type"] == "completed"
    assert frame["message"]


def run_the_interview(candidate: Candidate, run_id: str, total: int) -> None:
    with contextlib.ExitStack() as sockets:  # every connection is closed, whatever happens
        ws = sockets.enter_context(candidate.socket())
        first = recv(ws)
        assert first["type"] == "question" and first["kind"] == "main"
        assert (first["index"], first["total"]) == (1, total)
        assert Interview.objects.get(run_id=run_id).state == State.IN_PROGRESS
        assert_bad_frames_get_errors(ws, first)
        send(ws, {"type": "integrity", "event": "paste", "at": "2026-01-01T00:00:00Z"})
        current = answer_weakly(ws, first)
        ws = reconnect_and_take_over(candidate, sockets, ws, run_id, current)
        answer_to_the_end(ws, run_id, current)


def approve_assessment(ats, recruiter, run_id: str, total: int) -> dict:
    """The recruiter approves the assessment through the API, overriding the score."""
    assessment = ats.get(f"/api/v1/a2a/interview/{run_id}/assessment").json()
    assert len(assessment["questionScores"]) == total
    assert any(flag["event"] == "paste" for flag in assessment["integrityFlags"])
    decided = bearer_client(recruiter).post(
        f"/api/v1/a2a/interview/{run_id}/assessment/approve",
        {"approved": True, "overrides": {"score": 77}, "feedback": "Strong system design discussion."},
        format="json",
    )
    assert decided.status_code == 200, decided.content
    assert decided.json()["workflowState"] == "ASSESSMENT_APPROVED"
    return assessment


def assert_ats_heard_every_step(receiver: Receiver, secret: str, run_id: str, assessment: dict) -> None:
    """The ATS heard every step, in order, signed."""
    mine = lambda: [r for r in receiver.requests if r.path == "/hook"]  # noqa: E731
    wait_until(lambda: len(mine()) >= len(WEBHOOKS_IN_ORDER))
    payloads = [Webhook(secret).verify(r.body, r.headers) for r in mine()]
    assert [p["event"] for p in payloads] == WEBHOOKS_IN_ORDER
    assert [p["data"]["sequence"] for p in payloads] == sorted(p["data"]["sequence"] for p in payloads)
    final = payloads[-1]["data"]
    assert final["score"] == 77 and final["aiScore"] == assessment["overall"]
    assert final["reportUrl"].endswith(f"/admin/interviews/{run_id}/report")


def test_full_interview_over_the_socket(tmp_path, org, recruiter, settings):
    settings.WEBHOOK_ALLOWED_NETWORKS = [ipaddress.ip_network("127.0.0.0/8")]
    _, raw_key = ApiKey.create_with_raw(org, "ATS")
    ats = APIClient()
    ats.credentials(HTTP_X_API_KEY=raw_key)
    with Receiver() as receiver, live_stack(redis_url(), tmp_path) as (base_url, _env, data_dir):
        run_id, token = create_approved(ats, recruiter, f"{receiver.url}/hook")
        other_run, other_token = create_approved(ats, recruiter, f"{receiver.url}/other")
        total = Interview.objects.get(run_id=run_id).current_plan.questions.count()

        candidate = Candidate(base_url, token, data_dir)
        candidate.verify()
        assert_refused_elsewhere(candidate, other_token)
        run_the_interview(candidate, run_id, total)

        interview = wait_until(
            lambda: Interview.objects.filter(run_id=run_id, state=State.ASSESSMENT_PENDING).first()
        )
        turns = list(Turn.objects.filter(interview=interview))
        assert all(t.answered_at for t in turns)
        assert {t.question_index for t in turns if t.kind != Turn.Kind.CLOSING} == set(range(total))
        # The closing question was asked once, last, and its answer kept.
        assert turns[-1].kind == Turn.Kind.CLOSING and "team" in turns[-1].answer_text
        assert IntegrityEvent.objects.filter(interview=interview, event="paste").exists()

        assessment = approve_assessment(ats, recruiter, run_id, total)
        assert_ats_heard_every_step(receiver, org.webhook_secret, run_id, assessment)
        assert Interview.objects.get(run_id=other_run).state == State.APPROVED


def test_a_candidate_who_thinks_for_a_while_keeps_the_socket(tmp_path, org, recruiter, settings):
    """The socket's receive loop waits on Redis in 5-second rounds; a quiet socket must outlive them."""
    settings.WEBHOOK_ALLOWED_NETWORKS = [ipaddress.ip_network("127.0.0.0/8")]
    _, raw_key = ApiKey.create_with_raw(org, "ATS")
    ats = APIClient()
    ats.credentials(HTTP_X_API_KEY=raw_key)
    with Receiver() as receiver, live_stack(redis_url(), tmp_path) as (base_url, _env, data_dir):
        _, token = create_approved(ats, recruiter, f"{receiver.url}/hook")
        candidate = Candidate(base_url, token, data_dir)
        candidate.verify()
        with candidate.socket() as ws:
            first = recv(ws)
            assert first["type"] == "question"
            time.sleep(12)  # reading the question, thinking: two of the layer's rounds pass
            ws.send(json.dumps({"type": "ping"}))
            assert recv(ws, skip=("ack",))["type"] == "pong"

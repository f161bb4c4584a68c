"""Hostile frames on the candidate's socket, through a real daphne server and Celery worker.

Every bad frame gets an error frame and the socket stays open; integrity
events are capped and counted; nothing the candidate sends after the
interview is complete is stored; only the allowed origin may connect.
"""

from __future__ import annotations

import contextlib
import ipaddress
import json
from urllib.parse import urlparse

import pytest
from django.test import Client
from rest_framework.test import APIClient
from websockets.exceptions import InvalidStatus

from accounts.models import ApiKey
from interviews.models import CandidateSession, IntegrityEvent, Interview, State, Turn
from tests.candidate_client import Candidate, recv
from tests.factories import bearer_client
from tests.live import create_approved, free_port, live_stack, wait_until
from tests.receiver import Receiver
from tests.services import redis_url

pytestmark = [pytest.mark.integration, pytest.mark.django_db(transaction=True)]

CAP = 10


def send(ws, frame) -> None:
    ws.send(frame if isinstance(frame, str) else json.dumps(frame))


def still_open(ws) -> None:
    send(ws, {"type": "ping"})
    assert recv(ws, skip=("ack", "intro", "history")) == {"type": "pong"}


def error(ws) -> dict:
    frame = recv(ws)
    assert frame["type"] == "error", frame
    return frame


def answer_for(run_id: str, question_id: str) -> str:
    turn = Turn.objects.select_related("question").get(
        interview__run_id=run_id, sequence=int(question_id[1:])
    )
    if turn.kind == Turn.Kind.CLOSING:
        return "No questions, thank you."
    concepts = [c["name"] for c in turn.question.rubric["concepts"]]
    return "In practice I would focus on " + ", ".join(concepts) + ", and I have done this in production."


def assert_only_the_allowed_origin_connects(candidate: Candidate, base_url: str) -> None:
    port = urlparse(base_url).port
    for origin in (
        f"http://127.0.0.1:{free_port()}",  # same host, another port (another local service)
        f"https://127.0.0.1:{port}",  # same host and port, another scheme
        "http://127.0.0.1",
        "null",
    ):
        with pytest.raises(InvalidStatus):
            candidate.socket(origin=origin)


def assert_bad_characters_and_nesting_are_refused(ws, question: dict) -> None:
    qid = question["questionId"]
    # json.dumps writes both as \u escapes, as a browser's JSON.stringify would.
    send(ws, {"type": "answer", "questionId": qid, "text": "I would\u0000 index it"})
    frame = error(ws)
    assert frame["code"] == "invalid_characters" and "text" in frame["fields"]
    still_open(ws)
    send(ws, {"type": "answer", "questionId": qid, "text": "half \udc00 a pair"})
    assert error(ws)["code"] == "invalid_characters"
    still_open(ws)
    send(ws, '{"type": "ping", "x": ' + "[" * 3000 + "]" * 3000 + "}")
    assert error(ws)["code"] == "too_deep"
    still_open(ws)
    send(ws, {"type": "integrity", "event": "paste", "detail": {"chars": "x" * 5000}})
    frame = error(ws)
    assert frame["code"] == "too_large" and "detail" in frame["fields"]
    still_open(ws)
    assert Turn.objects.get(interview__run_id=question["runId"], sequence=int(qid[1:])).answered_at is None


def flood_integrity(ws, run_id: str) -> None:
    for n in range(CAP * 3):
        send(ws, {"type": "integrity", "event": "tab_hidden", "detail": {"n": n}})
    still_open(ws)  # frames are handled in order: every event is in when the pong arrives
    assert IntegrityEvent.objects.filter(interview__run_id=run_id).count() == CAP
    assert CandidateSession.objects.get(interview__run_id=run_id).integrity_events_dropped == CAP * 2


def answer_to_the_end(ws, run_id: str, frame: dict) -> None:
    while frame["type"] == "question":
        send(
            ws,
            {
                "type": "answer",
                "questionId": frame["questionId"],
                "text": answer_for(run_id, frame["questionId"]),
            },
        )
        frame = recv(ws)
    assert frame["type"] == "completed", frame


def assert_nothing_stored_after_completion(ws, run_id: str) -> None:
    stored = IntegrityEvent.objects.filter(interview__run_id=run_id).count()
    dropped = CandidateSession.objects.get(interview__run_id=run_id).integrity_events_dropped
    send(ws, {"type": "integrity", "event": "paste"})
    assert error(ws)["code"] == "completed"
    send(ws, {"type": "answer", "questionId": "q0", "text": "one more thing"})
    assert error(ws)["type"] == "error"
    still_open(ws)
    assert IntegrityEvent.objects.filter(interview__run_id=run_id).count() == stored
    assert CandidateSession.objects.get(interview__run_id=run_id).integrity_events_dropped == dropped


def test_hostile_frames_over_the_socket(tmp_path, org, recruiter, settings):
    settings.WEBHOOK_ALLOWED_NETWORKS = [ipaddress.ip_network("127.0.0.0/8")]
    _, raw_key = ApiKey.create_with_raw(org, "ATS")
    ats = APIClient()
    ats.credentials(HTTP_X_API_KEY=raw_key)
    extra = {"INTEGRITY_MAX_EVENTS": str(CAP)}
    with Receiver() as receiver, live_stack(redis_url(), tmp_path, **extra) as (base_url, _env, data_dir):
        run_id, token = create_approved(ats, recruiter, f"{receiver.url}/hook")
        candidate = Candidate(base_url, token, data_dir)
        candidate.verify()
        assert_only_the_allowed_origin_connects(candidate, base_url)
        with contextlib.ExitStack() as sockets:
            ws = sockets.enter_context(candidate.socket())
            question = recv(ws)
            assert question["type"] == "question"
            assert_bad_characters_and_nesting_are_refused(ws, {**question, "runId": run_id})
            flood_integrity(ws, run_id)
            answer_to_the_end(ws, run_id, question)
            assert_nothing_stored_after_completion(ws, run_id)
            wait_until(lambda: Interview.objects.get(run_id=run_id).state == State.ASSESSMENT_PENDING)
            decided = bearer_client(recruiter).post(
                f"/api/v1/a2a/interview/{run_id}/assessment/approve", {"approved": True}, format="json"
            )
            assert decided.status_code == 200, decided.content
            # The approved report cannot change through the still-open socket.
            assert_nothing_stored_after_completion(ws, run_id)

    # The recruiter sees how many events were only counted.
    web = Client()
    web.force_login(recruiter)
    page = web.get(f"/admin/interviews/{run_id}/assessment").content.decode()
    assert "20 more browser events" in page

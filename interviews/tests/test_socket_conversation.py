"""The conversation frames of the live socket (intro, history, repeat, rephrase, closing, next steps),
with a real websocket client against a real daphne server and a real Celery worker."""

from __future__ import annotations

import ipaddress
import json

import pytest
from rest_framework.test import APIClient

from accounts.models import ApiKey
from interviews.models import Interview, State, Turn
from tests.candidate_client import Candidate, recv
from tests.live import create_approved, live_stack, wait_until
from tests.receiver import Receiver
from tests.services import redis_url

pytestmark = [pytest.mark.integration, pytest.mark.django_db(transaction=True)]


def send(ws, frame: dict) -> None:
    ws.send(json.dumps(frame))


def frame_of(ws) -> dict:
    """The next frame, intro and history included."""
    return recv(ws, skip=("ack", "pong"))


def good_answer(run_id: str, question_id: str) -> str:
    turn = Turn.objects.select_related("question").get(
        interview__run_id=run_id, sequence=int(question_id[1:])
    )
    concepts = [c["name"] for c in turn.question.rubric["concepts"]]
    # One explained sentence per concept: a bare list of them is a keyword list and earns a follow-up.
    return " ".join(
        f"I rely on {c} because it keeps our production service fast when traffic grows." for c in concepts
    )


def assert_opening(ws, total: int, minutes: int, answered: list[dict]) -> dict:
    """intro, then history, then the open question: on every (re)connect."""
    intro = frame_of(ws)
    assert intro["type"] == "intro", intro
    assert (intro["interviewer"], intro["organization"]) == ("Sam", "Acme")
    assert intro["agenda"] == {"questions": total, "minutes": minutes, "voice": True}
    assert intro["text"].startswith("Hi, I'm Sam, and I'll be your interviewer today")
    assert f"{total} questions planned" in intro["text"] and f"about {minutes} minutes" in intro["text"]
    history = frame_of(ws)
    assert history == {"type": "history", "items": answered}
    question = frame_of(ws)
    assert question["type"] == "question"
    return question


def ask_again(ws, first: dict) -> None:
    """repeat gives the same words; rephrase new ones twice, then repeats; wrong ids are refused."""
    send(ws, {"type": "repeat", "questionId": first["questionId"]})
    assert frame_of(ws) == {**first, "repeat": True}
    wordings = {first["text"]}
    for _ in range(2):
        send(ws, {"type": "rephrase", "questionId": first["questionId"]})
        rephrased = frame_of(ws)
        assert rephrased == {**first, "text": rephrased["text"], "rephrased": True}
        assert rephrased["text"] not in wordings
        wordings.add(rephrased["text"])
    send(ws, {"type": "rephrase", "questionId": first["questionId"]})
    assert frame_of(ws) == {**first, "repeat": True}  # rephrasings used up: the question again
    send(ws, {"type": "repeat", "questionId": "q5"})
    error = frame_of(ws)
    assert (error["type"], error["code"], error["fields"]) == ("error", "out_of_turn", {"expected": "q0"})
    for bad in ({"type": "rephrase"}, {"type": "repeat", "questionId": 0}):
        send(ws, bad)
        assert (frame_of(ws)["code"]) == "bad_frame"


def answer_to_the_closing(ws, run_id: str, frame: dict, total: int) -> dict:
    while frame["kind"] != "closing":
        send(
            ws,
            {
                "type": "answer",
                "questionId": frame["questionId"],
                "text": good_answer(run_id, frame["questionId"]),
            },
        )
        frame = frame_of(ws)
        assert frame["type"] == "question", frame
    assert "Do you have any questions for us?" in frame["text"]
    assert (frame["index"], frame["total"], frame["minutes"]) == (total, total, None)
    send(ws, {"type": "rephrase", "questionId": frame["questionId"]})
    assert frame_of(ws) == {**frame, "repeat": True}  # nothing to reword
    return frame


def test_the_conversation_around_the_questions(tmp_path, org, recruiter, settings):
    settings.WEBHOOK_ALLOWED_NETWORKS = [ipaddress.ip_network("127.0.0.0/8")]
    org.interviewer_name, org.contact_email = "Sam", "talent@acme.test"
    org.save()
    _, raw_key = ApiKey.create_with_raw(org, "ATS")
    ats = APIClient()
    ats.credentials(HTTP_X_API_KEY=raw_key)
    with Receiver() as receiver, live_stack(redis_url(), tmp_path) as (base_url, _env, data_dir):
        run_id, token = create_approved(ats, recruiter, f"{receiver.url}/hook")
        plan = Interview.objects.get(run_id=run_id).current_plan
        total, minutes = plan.questions.count(), plan.duration_minutes
        candidate = Candidate(base_url, token, data_dir)
        candidate.verify()

        with candidate.socket() as ws:
            first = assert_opening(ws, total, minutes, answered=[])
            assert (first["questionId"], first["kind"], first["index"]) == ("q0", "main", 1)
            ask_again(ws, first)
            answer = good_answer(run_id, "q0")
            send(ws, {"type": "answer", "questionId": "q0", "text": answer})
            second = frame_of(ws)
            assert (second["questionId"], second["index"]) == ("q1", 2)

        # A reload: the thread so far comes back, then the open question.
        item = {"questionId": "q0", "kind": "main", "text": first["text"], "answer": answer}
        with candidate.socket() as ws:
            assert assert_opening(ws, total, minutes, answered=[item]) == second
            closing = answer_to_the_closing(ws, run_id, second, total)
            send(ws, {"type": "answer", "questionId": closing["questionId"], "text": "  "})  # "no questions"
            completed = frame_of(ws)
        assert completed["type"] == "completed"
        assert "What happens next" in completed["message"] and "talent@acme.test" in completed["message"]
        assert "Your questions" not in completed["message"]

        wait_until(lambda: Interview.objects.filter(run_id=run_id, state=State.ASSESSMENT_PENDING).exists())
        assessment = ats.get(f"/api/v1/a2a/interview/{run_id}/assessment").json()
        assert len(assessment["questionScores"]) == total  # the closing answer is never scored
        assert [(q["kind"], q["answer"]) for q in assessment["candidateQuestions"]] == [("closing", "")]
        assert all(a["kind"] != "closing" for a in assessment["answers"])

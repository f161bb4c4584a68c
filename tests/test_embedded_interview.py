"""A whole interview against the embedded server `make run` starts: no Redis, no worker.

The next question is pushed from the in-process job runner's thread through
the in-memory channel layer, which belongs to the server's event loop.
"""

from __future__ import annotations

import json
import time

import requests

from accounts.management.commands.seed_demo import DEMO_API_KEY
from tests.candidate_client import Candidate, recv
from tests.factories import SEED_BODY
from tests.fake_llm import FakeLLM, schema_name
from tests.live import embedded_server

API = "/api/v1/a2a/interview"


def take_interview(base: str, mail_dir) -> tuple[str, dict, dict]:
    """Create, approve and take a whole interview over HTTP and the socket; returns
    (run_id, plan, assessment)."""
    ats = {"X-API-Key": DEMO_API_KEY}
    run_id = requests.post(f"{base}{API}", headers=ats, json=SEED_BODY, timeout=10).json()["runId"]
    for _ in range(100):
        status = requests.get(f"{base}{API}/{run_id}/status", headers=ats, timeout=10).json()
        if status["state"] == "PENDING":
            break
        time.sleep(0.2)
    plan = requests.get(f"{base}{API}/{run_id}/plan", headers=ats, timeout=10).json()
    login = requests.post(
        f"{base}/api/v1/auth/login",
        json={"email": "admin@demo.ai-interview.com", "password": "Admin123!"},
        timeout=10,
    ).json()
    approved = requests.post(
        f"{base}{API}/{run_id}/approve",
        headers={"Authorization": f"Bearer {login['accessToken']}"},
        json={"approved": True},
        timeout=10,
    ).json()
    token = approved["interviewLink"].rsplit("/", 1)[1]

    candidate = Candidate(base, token, mail_dir)
    candidate.verify()
    with candidate.socket() as ws:
        frame = recv(ws, timeout=20)
        asked = set()
        while frame["type"] == "question":
            question = plan["questions"][frame["index"] - 1]
            # One explained sentence per rubric concept: a bare list of them scores low.
            answer = " ".join(
                f"I rely on {c['name']} because it keeps our production service fast when traffic grows."
                for c in question["rubric"]["concepts"]
            )
            ws.send(json.dumps({"type": "answer", "questionId": frame["questionId"], "text": answer}))
            asked.add(frame["index"])
            frame = recv(ws, timeout=20)
        assert frame["type"] == "completed", frame
    assert asked == set(range(1, len(plan["questions"]) + 1))
    for _ in range(100):
        state = requests.get(f"{base}{API}/{run_id}/status", headers=ats, timeout=10).json()["state"]
        if state == "ASSESSMENT_PENDING":
            break
        time.sleep(0.2)
    assert state == "ASSESSMENT_PENDING"
    assessment = requests.get(f"{base}{API}/{run_id}/assessment", headers=ats, timeout=10).json()
    return run_id, plan, assessment


def test_interview_in_embedded_mode(tmp_path):
    with embedded_server(tmp_path) as base:
        _, plan, assessment = take_interview(base, tmp_path)
    assert plan["engine"] == "heuristic"
    assert assessment["engine"] == "heuristic"
    assert assessment["overall"] >= 65, assessment


def test_interview_with_a_language_model_over_the_socket(tmp_path):
    """AGENT_ENGINE=llm against a local OpenAI-compatible server, through the real agno client:
    plan, approve, the live socket interview and the assessment."""
    with (
        FakeLLM() as fake,
        embedded_server(
            tmp_path,
            AGENT_ENGINE="llm",
            LLM_PROVIDER="openai-like",
            LLM_BASE_URL=f"{fake.url}/v1",
            LLM_MODEL="fake-model",
            LLM_API_KEY="test",
            LLM_TIMEOUT_SECONDS="10",
        ) as base,
    ):
        _, plan, assessment = take_interview(base, tmp_path)
        schemas = {schema_name(body) for body in fake.requests}
    assert plan["engine"] == "llm"
    assert assessment["engine"] == "llm"
    assert len(assessment["questionScores"]) == len(plan["questions"])
    # The planner and the assessor really were the model (interviewer calls are made only
    # when there is something to decide).
    assert any("plan" in name.lower() for name in schemas), schemas
    assert any("assess" in name.lower() for name in schemas), schemas

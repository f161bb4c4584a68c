"""A whole interview against the embedded server `make run` starts: no Redis, no worker.

The next question is pushed from the in-process job runner's thread through
the in-memory channel layer, which belongs to the server's event loop.
"""

from __future__ import annotations

import json
import time

import requests

from accounts.management.commands.seed_demo import DEMO_API_KEY
from interviews.tests.factories import SEED_BODY
from tests.candidate_client import Candidate, recv
from tests.live import embedded_server

API = "/api/v1/a2a/interview"


def test_interview_in_embedded_mode(tmp_path):
    with embedded_server(tmp_path) as base:
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

        candidate = Candidate(base, token, tmp_path)
        candidate.verify()
        with candidate.socket() as ws:
            frame = recv(ws, timeout=20)
            answered = 0
            while frame["type"] == "question":
                question = plan["questions"][frame["index"] - 1]
                concepts = ", ".join(c["name"] for c in question["rubric"]["concepts"])
                answer = f"I would rely on {concepts}, which I have used in production for years."
                ws.send(json.dumps({"type": "answer", "questionId": frame["questionId"], "text": answer}))
                answered += 1
                frame = recv(ws, timeout=20)
            assert frame["type"] == "completed", frame
        assert answered == len(plan["questions"])
        for _ in range(100):
            state = requests.get(f"{base}{API}/{run_id}/status", headers=ats, timeout=10).json()["state"]
            if state == "ASSESSMENT_PENDING":
                break
            time.sleep(0.2)
        assert state == "ASSESSMENT_PENDING"
        assessment = requests.get(f"{base}{API}/{run_id}/assessment", headers=ats, timeout=10).json()
        assert assessment["overall"] >= 65, assessment

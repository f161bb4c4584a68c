"""The Quick Start our users were promised, step by step, verbatim.

Once in-process (fast, every assertion), and once against the real embedded
server that `make run` starts: daphne, SQLite, no broker, the in-process job
runner planning and delivering webhooks off the request path.
"""

from __future__ import annotations

import ipaddress
import json
import time
import uuid

import pytest
import requests
from django.core.management import call_command
from standardwebhooks.webhooks import Webhook

from accounts.management.commands.seed_demo import DEMO_API_KEY, DEMO_WEBHOOK_SECRET
from tests.live import embedded_server
from tests.receiver import Receiver

LOGIN_BODY = {"email": "admin@demo.ai-interview.com", "password": "Admin123!"}
CREATE_BODY = {
    "candidateName": "Jane Smith",
    "candidateEmail": "jane@example.com",
    "position": "Senior Software Engineer",
    "level": "SENIOR",
    "skills": ["TypeScript", "React", "Node.js", "PostgreSQL"],
    "jobDescription": "Join our platform team to build scalable web applications with a modern tech stack. "
    "You will architect and own key services.",
    "callbackUrl": "https://your-ats.example.com/webhook",
}


def check_login(response_json: dict) -> None:
    assert set(response_json) >= {"accessToken", "user"}
    assert response_json["accessToken"].startswith("eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9")
    user = response_json["user"]
    uuid.UUID(user["id"])
    assert user["email"] == "admin@demo.ai-interview.com"
    assert user["role"] == "ADMIN"


def check_created(body: dict) -> None:
    assert set(body) == {"runId", "interviewId", "state", "message", "dataQuality"}
    uuid.UUID(body["runId"])
    uuid.UUID(body["interviewId"])
    assert body["state"] == "VALIDATING_SKILLS"
    assert body["message"] == "Interview request accepted. Skill validation in progress."
    assert body["dataQuality"] == "EXCELLENT"


def check_plan_webhook(received, run_id: str, interview_id: str) -> dict:
    headers = received.headers
    # Verified with the Standard Webhooks reference library and the secret the README prints.
    payload = Webhook(DEMO_WEBHOOK_SECRET).verify(received.body, headers)
    assert payload["event"] == "interview.plan_generated"
    assert payload["runId"] == run_id
    assert payload["interviewId"] == interview_id
    assert payload["state"] == "PENDING"
    assert payload["timestamp"].endswith("Z")
    uuid.UUID(payload["data"]["planId"])
    return payload


def check_approved(body: dict, base_url: str) -> None:
    assert body["message"] == "Interview plan approved. Candidate link generated."
    assert body["workflowState"] == "APPROVED"
    assert body["interviewLink"].startswith(f"{base_url}/interview/join/")


@pytest.mark.django_db
def test_quickstart_in_process(client, settings, django_capture_on_commit_callbacks):
    settings.WEBHOOK_ALLOWED_NETWORKS = [ipaddress.ip_network("127.0.0.0/8")]
    call_command("seed_demo")
    with Receiver() as receiver:
        # Step 1
        login = client.post("/api/v1/auth/login", LOGIN_BODY, content_type="application/json")
        assert login.status_code == 200
        check_login(login.json())
        jwt = login.json()["accessToken"]

        # Step 2 (the seed's callbackUrl cannot be reached here; a local receiver stands in)
        body = {**CREATE_BODY, "callbackUrl": f"{receiver.url}/webhook"}
        with django_capture_on_commit_callbacks(execute=True):
            created = client.post(
                "/api/v1/a2a/interview",
                json.dumps(body),
                content_type="application/json",
                HTTP_X_API_KEY=DEMO_API_KEY,
            )
        assert created.status_code == 201
        check_created(created.json())
        run_id, interview_id = created.json()["runId"], created.json()["interviewId"]

        # Step 3: the webhook, and the status poll
        received = receiver.wait_for(1)
        payload = check_plan_webhook(received[0], run_id, interview_id)
        status = client.get(f"/api/v1/a2a/interview/{run_id}/status", HTTP_X_API_KEY=DEMO_API_KEY).json()
        assert status["state"] == "PENDING"
        assert status["planId"] == payload["data"]["planId"]

        # Step 4
        user_id = login.json()["user"]["id"]
        with django_capture_on_commit_callbacks(execute=True):
            approved = client.post(
                f"/api/v1/a2a/interview/{run_id}/approve",
                {"approved": True, "userId": user_id},
                content_type="application/json",
                HTTP_AUTHORIZATION=f"Bearer {jwt}",
            )
        assert approved.status_code == 200
        check_approved(approved.json(), settings.PUBLIC_BASE_URL)
        events = [json.loads(r.body)["event"] for r in receiver.wait_for(2)]
        assert events == ["interview.plan_generated", "interview.plan_approved"]


def test_quickstart_against_the_embedded_server(tmp_path):
    """What a newcomer does after `make run`: no PostgreSQL, no Redis, no worker."""
    with (
        embedded_server(
            tmp_path,
            PUBLIC_BASE_URL="http://localhost:3009",
            WEBHOOK_ALLOWED_CIDRS="127.0.0.0/8,::1/128",
            WEBHOOK_RETRY_SCHEDULE="1,1,1",
        ) as base,
        Receiver() as receiver,
    ):
        receiver.script([503])  # the first delivery fails: the retry must still arrive
        login = requests.post(f"{base}/api/v1/auth/login", json=LOGIN_BODY, timeout=10)
        assert login.status_code == 200
        check_login(login.json())

        created = requests.post(
            f"{base}/api/v1/a2a/interview",
            headers={"X-API-Key": DEMO_API_KEY},
            json={**CREATE_BODY, "callbackUrl": f"{receiver.url}/webhook"},
            timeout=10,
        )
        assert created.status_code == 201, created.text
        check_created(created.json())
        run_id = created.json()["runId"]

        deadline = time.monotonic() + 30
        state = None
        while time.monotonic() < deadline:
            state = requests.get(
                f"{base}/api/v1/a2a/interview/{run_id}/status",
                headers={"X-API-Key": DEMO_API_KEY},
                timeout=10,
            ).json()["state"]
            if state == "PENDING":
                break
            time.sleep(0.2)
        assert state == "PENDING"

        received = receiver.wait_for(2, timeout=30)
        assert len(received) >= 2, "the failed first delivery was not retried"
        assert received[0].headers["webhook-id"] == received[1].headers["webhook-id"]
        check_plan_webhook(received[1], run_id, created.json()["interviewId"])

        approved = requests.post(
            f"{base}/api/v1/a2a/interview/{run_id}/approve",
            headers={"Authorization": f"Bearer {login.json()['accessToken']}"},
            json={"approved": True, "userId": login.json()["user"]["id"]},
            timeout=10,
        )
        assert approved.status_code == 200, approved.text
        check_approved(approved.json(), "http://localhost:3009")

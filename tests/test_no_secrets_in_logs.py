"""A whole interview through the live stack, then every line the servers wrote is searched for
every credential the run used: none may appear.

Daphne (HTTP, access log and WebSockets) and a Celery worker run as real processes; gunicorn,
the production HTTP server, runs with the repository's configuration and an access log.
"""

from __future__ import annotations

import ipaddress
import json
import re
import subprocess
from pathlib import Path

import pytest
import requests
from django.contrib.auth.hashers import PBKDF2PasswordHasher

from accounts.models import ApiKey
from interviews.models import Interview, State, Turn
from tests.candidate_client import Candidate, recv
from tests.live import BIN, ROOT, _wait_for_port, free_port, live_stack, stack_env, stop, wait_until
from tests.receiver import Receiver
from tests.services import redis_url

pytestmark = [pytest.mark.integration, pytest.mark.django_db(transaction=True)]

PASSWORD = "S3cure-pass!"


def answer_for(run_id: str, question_id: str) -> str:
    turn = Turn.objects.select_related("question").get(
        interview__run_id=run_id, sequence=int(question_id[1:])
    )
    if turn.kind == Turn.Kind.CLOSING:
        return "No questions, thank you."
    concepts = [c["name"] for c in turn.question.rubric["concepts"]]
    return "In practice I would focus on " + ", ".join(concepts) + ", and I have done this in production."


class Run:
    """Everything secret the run handled, collected as it goes."""

    def __init__(self, base: str, data_dir: Path):
        self.base, self.data_dir = base, data_dir
        self.secrets: dict[str, str] = {}

    def keep(self, name: str, value: str) -> str:
        assert value and len(value) >= 6, name
        self.secrets[name] = value
        return value

    def post(self, path: str, body: dict, **headers) -> dict:
        response = requests.post(f"{self.base}{path}", json=body, headers=headers, timeout=20)
        assert response.status_code < 300, (path, response.status_code, response.text)
        return response.json() if response.content else {}


def recruiter_tokens(run: Run, recruiter) -> str:
    # The servers check passwords with the production hashers, not the tests' fast one.
    hasher = PBKDF2PasswordHasher()
    recruiter.password = hasher.encode(PASSWORD, hasher.salt())
    recruiter.save(update_fields=["password"])
    signed_in = run.post("/api/v1/auth/login", {"email": recruiter.email, "password": PASSWORD})
    run.keep("refresh token", signed_in["refreshToken"])
    rotated = run.post("/api/v1/auth/refresh", {"refreshToken": signed_in["refreshToken"]})
    run.keep("rotated refresh token", rotated["refreshToken"])
    return run.keep("access token", rotated["accessToken"])


def request_and_approve(run: Run, raw_key: str, access: str, callback: str) -> tuple[str, str]:
    from tests.factories import SEED_BODY

    created = run.post(
        "/api/v1/a2a/interview", {**SEED_BODY, "callbackUrl": callback}, **{"X-API-Key": raw_key}
    )
    run_id = created["runId"]
    wait_until(lambda: Interview.objects.get(run_id=run_id).state == State.PENDING)
    approved = run.post(
        f"/api/v1/a2a/interview/{run_id}/approve", {"approved": True}, Authorization=f"Bearer {access}"
    )
    return run_id, run.keep("join token", approved["interviewLink"].rsplit("/", 1)[1])


def interview_as_candidate(run: Run, run_id: str, token: str) -> None:
    candidate = Candidate(run.base, token, run.data_dir)
    assert candidate.http.get(f"{run.base}/interview/join/{token}", timeout=10).status_code == 200
    assert candidate.api("otp").status_code == 202
    from tests.live import read_code

    code = run.keep("one-time code", read_code(run.data_dir))
    assert candidate.api("verify", {"code": code, "consent": True}).status_code == 200
    assert candidate.api("device-check", {"camera": False, "microphone": False}).status_code == 200
    run.keep("candidate session cookie", candidate.http.cookies["sessionid"])
    with candidate.socket() as ws:
        frame = recv(ws)
        while frame["type"] == "question":
            text = answer_for(run_id, frame["questionId"])
            ws.send(json.dumps({"type": "answer", "questionId": frame["questionId"], "text": text}))
            frame = recv(ws)
        assert frame["type"] == "completed", frame
        ws.send(json.dumps({"type": "integrity", "event": "paste"}))


def reset_password(run: Run, email: str) -> None:
    browser = requests.Session()
    form = browser.get(f"{run.base}/accounts/password-reset/", timeout=10)
    csrf = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', form.text).group(1)
    sent = browser.post(
        f"{run.base}/accounts/password-reset/", data={"csrfmiddlewaretoken": csrf, "email": email}, timeout=10
    )
    assert sent.status_code == 200, sent.text[-500:]

    def reset_link():
        for path in (run.data_dir / "mail").glob("*.log"):
            match = re.search(r"https?://\S+/accounts/reset/(\S+?)/(\S+?)/", path.read_text())
            if match:
                return match
        return None

    link = wait_until(reset_link)
    run.keep("password-reset token", link.group(2))
    assert browser.get(link.group(0), timeout=10).status_code == 200


def assert_no_secret_in(logs: dict[str, str], secrets: dict[str, str]) -> None:
    leaks = [(name, log) for log, text in logs.items() for name, value in secrets.items() if value in text]
    assert not leaks, f"credentials found in the logs: {leaks}"


def test_a_whole_interview_leaves_no_credential_in_the_logs(tmp_path, org, recruiter, settings):
    settings.WEBHOOK_ALLOWED_NETWORKS = [ipaddress.ip_network("127.0.0.0/8")]
    _, raw_key = ApiKey.create_with_raw(org, "ATS")
    with Receiver() as receiver, live_stack(redis_url(), tmp_path) as (base_url, _env, data_dir):
        run = Run(base_url, data_dir)
        run.keep("API key", raw_key)
        run.keep("webhook secret", org.webhook_secret)
        run.keep("password", PASSWORD)
        access = recruiter_tokens(run, recruiter)
        run_id, token = request_and_approve(run, raw_key, access, f"{receiver.url}/hook")
        interview_as_candidate(run, run_id, token)
        wait_until(lambda: Interview.objects.get(run_id=run_id).state == State.ASSESSMENT_PENDING)
        assessment = requests.get(
            f"{base_url}/api/v1/a2a/interview/{run_id}/assessment", headers={"X-API-Key": raw_key}, timeout=10
        )
        assert assessment.status_code == 200
        reset_password(run, recruiter.email)
        wait_until(lambda: any(r.path == "/hook" for r in receiver.requests))
    logs = {name: (tmp_path / name).read_text() for name in ("daphne.log", "worker.log")}
    # The access log was written (so the search below means something) and shows the paths, redacted.
    assert f"POST /api/v1/a2a/interview/{run_id}/approve" in logs["daphne.log"]
    assert "WSCONNECT /ws/interview/[redacted]/" in logs["daphne.log"]
    assert "/accounts/reset/" in logs["daphne.log"] and "[redacted]" in logs["daphne.log"]
    assert "interviews.tasks.assess" in logs["worker.log"]
    assert_no_secret_in(logs, run.secrets)


def test_gunicorn_access_log_is_redacted(tmp_path):
    port = free_port()
    data_dir = tmp_path / "data"
    data_dir.mkdir()
    env = stack_env(redis_url(), data_dir, port)
    log = tmp_path / "gunicorn.log"
    token = "JoinToken1234567890abcdefghijklmnopqrstuvw"
    reset = "/accounts/reset/MQ/cdxy7z-0123456789abcdef0123456789abcdef/"
    with log.open("w") as handle:
        # As README's production topology starts it, plus an access log (the repository's
        # gunicorn.conf.py is read from the working directory).
        server = subprocess.Popen(
            [
                str(BIN / "gunicorn"),
                "interview_platform.wsgi",
                "-b",
                f"127.0.0.1:{port}",
                "--access-logfile",
                "-",
            ],
            cwd=ROOT,
            env=env,
            stdout=handle,
            stderr=subprocess.STDOUT,
        )
    try:
        _wait_for_port(port, server, log)
        base = f"http://127.0.0.1:{port}"
        requests.get(f"{base}/interview/join/{token}", timeout=10)
        requests.get(f"{base}/healthz", headers={"Referer": f"{base}/interview/join/{token}"}, timeout=10)
        requests.get(f"{base}{reset}", timeout=10)
        requests.get(f"{base}/api/v1/candidate/join/{token}/recordings/x?token={token}", timeout=10)
    finally:
        stop(server)
    text = log.read_text()
    assert "GET /interview/join/[redacted]" in text
    assert "GET /healthz" in text
    assert token not in text
    assert "cdxy7z-0123456789abcdef" not in text

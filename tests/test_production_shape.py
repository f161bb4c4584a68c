"""`make up`'s Procfile starts a working production shape: web, sockets, both workers, beat."""

from __future__ import annotations

import os
import signal
import subprocess
import time

import pytest
import requests
from django.contrib.auth.hashers import PBKDF2PasswordHasher

from accounts.models import ApiKey
from loadtest.cpu import descendants
from tests.factories import SEED_BODY
from tests.live import BIN, ROOT, empty_broker, free_port, stack_env
from tests.plugin import PASSWORD
from tests.receiver import Receiver

pytestmark = [pytest.mark.integration, pytest.mark.django_db(transaction=True)]

PROCESSES = ("web.1", "sockets.1", "agents.1", "webhooks.1", "mail.1", "beat.1")


def _wait(what: str, check, log, seconds: float = 90):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            result = check()
        except requests.RequestException:
            result = None
        if result:
            return result
        time.sleep(0.3)
    raise AssertionError(f"{what} within {seconds:.0f} s:\n{log.read_text()[-4000:]}")


def test_the_procfile_runs_the_whole_shape(org, recruiter, tmp_path):
    # The tests hash with MD5 for speed; the shape's processes know only the real hashers.
    hasher = PBKDF2PasswordHasher()
    recruiter.password = hasher.encode(PASSWORD, hasher.salt())
    recruiter.save(update_fields=["password"])
    broker = empty_broker()
    _, key = ApiKey.create_with_raw(org, "ATS")
    web_port, socket_port = free_port(), free_port()
    env = stack_env(
        broker,
        tmp_path,
        web_port,
        WEB_PORT=str(web_port),
        SOCKET_PORT=str(socket_port),
        WEB_WORKERS="2",
        SOCKET_PROCESSES="2",
        AGENT_CONCURRENCY="2",
        WEBHOOK_CONCURRENCY="2",
        MAIL_CONCURRENCY="2",
        PATH=f"{BIN}:{os.environ.get('PATH', '')}",
    )
    log = tmp_path / "shape.log"
    web = f"http://127.0.0.1:{web_port}"
    with Receiver() as receiver, log.open("w") as output:
        shape = subprocess.Popen(  # noqa: S603
            [str(BIN / "honcho"), "--procfile", "Procfile", "start"],
            cwd=ROOT,
            env=env,
            stdout=output,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        try:
            _wait("gunicorn answering", lambda: requests.get(f"{web}/readyz", timeout=2).ok, log)
            _wait(
                "daphne answering",
                lambda: requests.get(f"http://127.0.0.1:{socket_port}/healthz", timeout=2).ok,
                log,
            )
            # Each socket process runs the sockets' database work on 16 threads (Procfile).
            sockets = [pid for pid, command in descendants(shape.pid).items() if "daphne --fd" in command]
            assert len(sockets) == 2, descendants(shape.pid)
            for pid in sockets:
                with open(f"/proc/{pid}/environ", "rb") as environ:
                    assert b"ASGI_THREADS=16\0" in environ.read()
            # The webhooks worker alone commits its claims and attempt records asynchronously.
            base_nice = os.getpriority(os.PRIO_PROCESS, 0)  # what the shape started from
            workers = {
                pid: command
                for pid, command in descendants(shape.pid).items()
                if "celery" in command and not command.startswith("/bin/sh")  # not honcho's shells
            }
            assert any("-Q webhooks" in command for command in workers.values()), workers
            for pid, command in workers.items():
                with open(f"/proc/{pid}/environ", "rb") as environ:
                    asynchronous = b"DATABASE_SYNCHRONOUS_COMMIT=off\0" in environ.read()
                assert asynchronous == ("-Q webhooks" in command), command
                # Background work yields the cores to answers and requests (BACKGROUND_NICE).
                assert os.getpriority(os.PRIO_PROCESS, pid) == min(19, base_nice + 10), command
            web_and_sockets = [
                pid
                for pid, command in descendants(shape.pid).items()
                if ("gunicorn" in command or "daphne --fd" in command) and not command.startswith("/bin/sh")
            ]
            assert web_and_sockets
            assert all(os.getpriority(os.PRIO_PROCESS, pid) == base_nice for pid in web_and_sockets)
            created = requests.post(
                f"{web}/api/v1/a2a/interview",
                json={**SEED_BODY, "callbackUrl": receiver.url + "/hook"},
                headers={"X-API-Key": key},
                timeout=10,
            )
            assert created.status_code == 201, created.text
            run_id = created.json()["runId"]
            status = f"{web}/api/v1/a2a/interview/{run_id}/status"
            # The agents worker planned it; the webhooks worker told the receiver.
            _wait(
                "the plan",
                lambda: (
                    requests.get(status, headers={"X-API-Key": key}, timeout=5).json()["state"] == "PENDING"
                ),
                log,
            )
            _wait(
                "the plan webhook",
                lambda: any(b"interview.plan_generated" in r.body for r in receiver.snapshot()),
                log,
            )
            # Approving sends the invitation: the mail worker writes it after the commit.
            _approve(web, run_id)
            _wait(
                "the invitation email", lambda: _mail_to(tmp_path / "mail", SEED_BODY["candidateEmail"]), log
            )
            _wait("beat", lambda: "beat: Starting" in log.read_text(), log)
        finally:
            os.killpg(shape.pid, signal.SIGTERM)
            shape.wait(timeout=60)
    text = log.read_text()
    for name in PROCESSES:
        assert f"{name} " in text, f"{name} never started:\n{text[-3000:]}"
    assert "agents@" in text and "webhooks@" in text and "mail@" in text


def _approve(web: str, run_id: str) -> None:
    login = requests.post(
        f"{web}/api/v1/auth/login", json={"email": "alice@acme.test", "password": PASSWORD}, timeout=10
    )
    assert login.status_code == 200, login.text
    approved = requests.post(
        f"{web}/api/v1/a2a/interview/{run_id}/approve",
        json={"approved": True},
        headers={"Authorization": f"Bearer {login.json()['accessToken']}"},
        timeout=10,
    )
    assert approved.status_code == 200, approved.text


def _mail_to(mail_dir, address: str) -> bool:
    return mail_dir.is_dir() and any(
        address in path.read_text(errors="replace") for path in mail_dir.iterdir()
    )

"""The join code request does not wait for the mail server, and holds no lock while the email is sent.

A real SMTP server on loopback holds its answer; the jobs run on the embedded
runner's threads (as `make run` does), the requests go to a live server.
"""

from __future__ import annotations

import re
import secrets
import threading
import time

import pytest
import requests
from django.db import connections, transaction

from interview_platform import jobs
from interview_platform.celery import app as celery_app
from interviews.models import CandidateMessage, Interview
from tests.factories import approved_interview
from tests.live import wait_until
from tests.smtp_sink import SmtpSink


@pytest.fixture
def relay(settings):
    with SmtpSink() as sink:
        settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
        settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", sink.port
        settings.EMAIL_USE_TLS = False
        settings.EMAIL_TIMEOUT = 30
        yield sink


@pytest.fixture
def background_jobs(settings):
    """Jobs on the embedded runner's threads; their database connections closed afterwards."""

    def start():
        settings.CELERY_TASK_ALWAYS_EAGER, settings.EMBEDDED = False, True
        celery_app.conf.task_always_eager = False

    yield start
    pool = jobs.runner()._pool
    together = threading.Barrier(pool._max_workers, timeout=10)

    def close_connections():
        together.wait()  # one per thread: every worker thread closes its own connection
        connections.close_all()

    for future in [pool.submit(close_connections) for _ in range(pool._max_workers)]:
        future.result(timeout=15)


def candidate_session() -> requests.Session:
    session = requests.Session()
    csrf = secrets.token_hex(16)
    session.cookies.set("csrftoken", csrf)
    session.headers["X-CSRFToken"] = csrf
    return session


def timed_post(session, url, body=None) -> tuple[requests.Response, float]:
    started = time.monotonic()
    response = session.post(url, json=body or {}, timeout=20)
    return response, time.monotonic() - started


def no_lock_on(interview_id) -> bool:
    """True when the interview row can be locked at once (nobody holds it)."""
    with transaction.atomic():
        Interview.objects.select_for_update(nowait=True).get(pk=interview_id)
    return True


@pytest.mark.django_db(transaction=True)
def test_the_code_request_returns_while_the_mail_server_is_stuck(
    live_server, relay, api_key, recruiter, capture, background_jobs
):
    run_id, token = approved_interview(api_key, recruiter, capture)
    wait_until(lambda: len(relay.messages) == 1)  # the invitation, sent by the eager job
    interview = Interview.objects.get(run_id=run_id)
    # From here on jobs run on background threads, as in the embedded mode.
    background_jobs()
    relay.release.clear()
    base = f"{live_server.url}/api/v1/candidate/join/{token}"
    browser = candidate_session()

    response, elapsed = timed_post(browser, f"{base}/otp", {"consent": True})
    assert response.status_code == 202, response.text
    assert elapsed < 2, f"the request waited {elapsed:.2f} s"
    print(f"code request answered in {elapsed * 1000:.0f} ms with the mail server stuck")
    assert relay.holding.wait(10), "the job never reached the mail server"
    # The email is stuck in the mail server now. The same interview is not blocked:
    assert no_lock_on(interview.id)
    again, elapsed = timed_post(browser, f"{base}/otp")
    assert again.status_code == 429 and elapsed < 2  # the cooldown answers, at once
    wrong, elapsed = timed_post(browser, f"{base}/verify", {"code": "000000"})
    assert wrong.status_code == 400 and elapsed < 2
    message = CandidateMessage.objects.get(interview=interview, kind="code")
    assert message.status == "sending"

    relay.release.set()
    wait_until(lambda: CandidateMessage.objects.get(pk=message.pk).status == "sent", timeout=20)
    code_email = relay.messages[-1]
    code = re.match(r"(\d{6}) is your code for Acme$", code_email["Subject"]).group(1)
    verified = browser.post(f"{base}/verify", json={"code": code}, timeout=10)
    if code == "000000":  # the wrong guess above happened to be right: one in a million
        pytest.skip("the guessed code was the real one")
    assert verified.status_code == 200, verified.text

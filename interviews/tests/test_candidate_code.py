"""The candidate's email one-time code: the rules, through the real endpoints."""

import re

import pytest
import time_machine
from django.core import mail
from django.utils import timezone

from interviews import live
from interviews.models import CandidateMessage, CandidateSession, IntegrityEvent, Interview
from tests.factories import approved_interview

pytestmark = pytest.mark.django_db


@pytest.fixture
def link(api_key, recruiter, django_capture_on_commit_callbacks, settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    _, token = approved_interview(api_key, recruiter, django_capture_on_commit_callbacks)
    return token


def url(token, action):
    return f"/api/v1/candidate/join/{token}/{action}"


@pytest.fixture
def ask_code(client, django_capture_on_commit_callbacks):
    """POST the otp endpoint; the email job runs once the request's transaction commits."""

    def ask(token, body=None):
        with django_capture_on_commit_callbacks(execute=True):
            return client.post(url(token, "otp"), body or {}, content_type="application/json")

    return ask


def last_code() -> str:
    return re.search(r"^\s{4}(\d{6})$", mail.outbox[-1].body, re.M).group(1)


def test_code_is_emailed_and_verifies_once(client, link, caplog, ask_code):
    response = ask_code(link)
    assert response.status_code == 202
    assert response.json() == {"sent": True, "expiresInSeconds": 600}
    assert mail.outbox[-1].to == ["jane@example.com"]
    code = last_code()
    assert code not in caplog.text  # never logged
    verified = client.post(
        url(link, "verify"), {"code": code, "consent": True}, content_type="application/json"
    )
    assert verified.status_code == 200
    body = verified.json()
    assert body["verified"] is True
    assert body["websocketUrl"].endswith(f"/ws/interview/{link}/")
    assert body["websocketUrl"].startswith("ws://")
    assert CandidateSession.objects.get().verified_at is not None
    assert CandidateSession.objects.get().consented_at is not None
    # Single use.
    again = client.post(url(link, "verify"), {"code": code}, content_type="application/json")
    assert again.status_code == 400
    assert again.json()["error"]["code"] == "code_expired"


def test_code_expires_after_ten_minutes(client, link, ask_code):
    ask_code(link)
    code = last_code()
    with time_machine.travel(timezone.now() + timezone.timedelta(minutes=10, seconds=1)):
        response = client.post(url(link, "verify"), {"code": code}, content_type="application/json")
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "code_expired"


def test_five_wrong_tries_kill_the_code(client, link, ask_code):
    ask_code(link)
    code = last_code()
    wrong = "000000" if code != "000000" else "111111"
    codes, messages = [], []
    for _ in range(5):
        response = client.post(url(link, "verify"), {"code": wrong}, content_type="application/json")
        codes.append(response.json()["error"]["code"])
        messages.append(response.json()["error"]["message"])
    assert codes == ["code_invalid"] * 4 + ["code_locked"]
    # Counted down in plain English: "1 try left", not "1 tries left".
    assert [m.rsplit(". ", 1)[-1] for m in messages[:4]] == [
        "4 tries left.",
        "3 tries left.",
        "2 tries left.",
        "1 try left.",
    ]
    response = client.post(url(link, "verify"), {"code": code}, content_type="application/json")
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "code_locked"


def test_new_code_voids_the_old_one_and_cooldown_applies(client, link, ask_code):
    start = timezone.now()
    with time_machine.travel(start, tick=False):
        ask_code(link)
        first = last_code()
        throttled = ask_code(link)
        assert throttled.status_code == 429
        assert throttled.json()["error"]["fields"]["retryAfterSeconds"] == 61
    with time_machine.travel(start + timezone.timedelta(seconds=61), tick=False):
        assert ask_code(link).status_code == 202
        second = last_code()
        if first != second:
            assert (
                client.post(url(link, "verify"), {"code": first}, content_type="application/json").status_code
                == 400
            )
        assert (
            client.post(url(link, "verify"), {"code": second}, content_type="application/json").status_code
            == 200
        )


def test_at_most_five_codes_an_hour(client, link, ask_code):
    start = timezone.now()
    statuses = []
    for i in range(6):
        with time_machine.travel(start + timezone.timedelta(seconds=61 * i), tick=False):
            statuses.append(ask_code(link).status_code)
    assert statuses == [202] * 5 + [429]
    with time_machine.travel(start + timezone.timedelta(hours=1, minutes=1), tick=False):
        assert ask_code(link).status_code == 202


def test_another_links_code_does_not_work(
    client, link, ask_code, api_key, recruiter, django_capture_on_commit_callbacks
):
    _, other = approved_interview(
        api_key, recruiter, django_capture_on_commit_callbacks, candidateEmail="bob@x.test"
    )
    ask_code(other)
    other_code = last_code()
    ask_code(link)
    mine = last_code()
    if other_code != mine:
        response = client.post(url(link, "verify"), {"code": other_code}, content_type="application/json")
        assert response.status_code == 400
    # A session verified on one link is not verified on another.
    client.post(url(link, "verify"), {"code": mine}, content_type="application/json")
    response = client.post(
        url(other, "device-check"), {"camera": True, "microphone": True}, content_type="application/json"
    )
    assert response.status_code == 403
    assert response.json()["error"]["code"] == "not_verified"


def test_device_check_needs_verification_and_is_recorded(client, link, ask_code):
    response = client.post(
        url(link, "device-check"), {"camera": True, "microphone": True}, content_type="application/json"
    )
    assert response.status_code == 403
    ask_code(link)
    client.post(url(link, "verify"), {"code": last_code()}, content_type="application/json")
    bad = client.post(url(link, "device-check"), {"camera": "yes"}, content_type="application/json")
    assert bad.status_code == 400
    assert set(bad.json()["error"]["fields"]) == {"camera", "microphone"}
    # No camera gate: without camera or microphone the candidate types the answers.
    ok = client.post(
        url(link, "device-check"), {"camera": False, "microphone": False}, content_type="application/json"
    )
    assert ok.json() == {"recorded": True, "ready": True}
    state = CandidateSession.objects.get()
    assert state.device_ok and state.camera_ok is False and state.microphone_ok is False
    ok = client.post(
        url(link, "device-check"), {"camera": True, "microphone": True}, content_type="application/json"
    )
    assert ok.json() == {"recorded": True, "ready": True}
    assert CandidateSession.objects.get().microphone_ok


@pytest.mark.parametrize("code", ["12345", "1234567", "abcdef", ""])
def test_code_format_is_validated(client, link, code):
    response = client.post(url(link, "verify"), {"code": code}, content_type="application/json")
    assert response.status_code == 400
    assert "code" in response.json()["error"]["fields"]


def test_unknown_expired_and_cancelled_links(client, link, ats, ask_code):
    assert ask_code("x" * 43).json()["error"]["code"] == "unknown"
    interview = Interview.objects.get()
    Interview.objects.filter(pk=interview.pk).update(
        join_expires_at=timezone.now() - timezone.timedelta(seconds=1)
    )
    assert ask_code(link).json()["error"]["code"] == "expired"
    Interview.objects.filter(pk=interview.pk).update(
        join_expires_at=timezone.now() + timezone.timedelta(days=1)
    )
    ats.post(f"/api/v1/a2a/interview/{interview.run_id}/cancel", {}, format="json")
    response = ask_code(link)
    assert response.status_code == 404
    assert response.json()["error"]["code"] == "cancelled"


def test_csrf_failure_on_the_api_is_a_json_error(link):
    from django.test import Client

    strict = Client(enforce_csrf_checks=True)
    response = strict.post(url(link, "otp"), content_type="application/json")
    assert response.status_code == 403
    assert response.json()["error"]["code"] == "csrf_failed"


def test_a_mail_outage_is_recorded_and_releases_the_cooldown(client, link, settings, ask_code):
    settings.EMAIL_BACKEND = "tests.failing_mail.DownBackend"
    # The request does not wait for the mail server: it is accepted, the job tries and retries.
    response = ask_code(link)
    assert response.status_code == 202
    message = CandidateMessage.objects.get(kind="code")
    assert message.status == "failed" and message.attempts == 5
    assert "SMTPConnectError" in message.error
    # A code nobody received does not hold up the next one.
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    assert ask_code(link).status_code == 202
    assert mail.outbox[-1].subject == f"{last_code()} is your code for Acme"
    assert CandidateMessage.objects.filter(kind="code", status="sent").count() == 1


@pytest.mark.parametrize("at", ["2024-01-15T10:00:00", "2024-13-45T00:00:00", "yesterday", "", None, 5])
def test_odd_integrity_timestamps_fall_back_to_server_time(link, at):
    interview = Interview.objects.get()
    live.start(interview.id, "test-socket")  # events are recorded while the interview runs
    live.store_integrity_event(interview.id, "paste", at, None)
    assert IntegrityEvent.objects.get().occurred_at is not None

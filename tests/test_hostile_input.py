"""Hostile input on the HTTP API: every answer is the JSON error envelope, never a 500 or an HTML page.

Run against PostgreSQL in CI, which refuses NUL in text (SQLite would store it).
"""

from __future__ import annotations

import json
import re
from datetime import timedelta

import pytest
import time_machine
from django.core import mail
from django.test import Client, TestCase
from django.utils import timezone

from interviews.models import CandidateSession
from tests.factories import approved_interview, page_url

pytestmark = pytest.mark.django_db

DEEP = "[" * 5000 + "]" * 5000
NESTED_OBJECT = '{"a":' * 30 + "1" + "}" * 30


@pytest.fixture
def link(api_key, recruiter, django_capture_on_commit_callbacks, settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    _, token = approved_interview(api_key, recruiter, django_capture_on_commit_callbacks)
    return token


def candidate_url(token: str, action: str) -> str:
    return f"/api/v1/candidate/join/{token}/{action}"


def last_code() -> str:
    return re.search(r"^\s{4}(\d{6})$", mail.outbox[-1].body, re.M).group(1)


def verified_client(token: str, *, consent: bool = True) -> Client:
    client = Client()
    # The code email is sent by a job once the request's transaction commits.
    with TestCase.captureOnCommitCallbacks(execute=True):
        response = client.post(candidate_url(token, "otp"), content_type="application/json")
    assert response.status_code == 202
    body = {"code": last_code(), "consent": consent}
    response = client.post(candidate_url(token, "verify"), body, content_type="application/json")
    assert response.status_code == 200, response.content
    return client


def error_of(response) -> dict:
    assert response["Content-Type"].startswith("application/json"), response.content[:200]
    return response.json()["error"]


@pytest.mark.parametrize("body", [DEEP, NESTED_OBJECT], ids=["5000-deep", "30-deep"])
def test_deep_json_is_a_400_on_login_without_authentication(client, body):
    response = client.post("/api/v1/auth/login", body, content_type="application/json")
    assert response.status_code == 400
    error = error_of(response)
    assert "nested more than 20 levels" in error["message"]


def test_deep_json_is_a_400_on_authenticated_endpoints_too(ats, client, link):
    response = ats.post("/api/v1/a2a/interview", DEEP, content_type="application/json")
    assert response.status_code == 400
    assert "nested" in error_of(response)["message"]
    response = client.post(candidate_url(link, "verify"), DEEP, content_type="application/json")
    assert response.status_code == 400
    assert "nested" in error_of(response)["message"]


def test_nul_in_device_check_is_a_400_naming_the_field(link):
    client = verified_client(link)
    body = {"camera": True, "microphone": False, "details": {"label": "Mic\u0000rophone"}}
    response = client.post(candidate_url(link, "device-check"), body, content_type="application/json")
    assert response.status_code == 400
    error = error_of(response)
    assert error["code"] == "validation_error"
    assert "cannot be stored" in error["fields"]["details.label"]
    # Nothing was stored, and the candidate can go on with a clean body.
    assert CandidateSession.objects.get().device_checked_at is None
    body["details"] = {"label": "Microphone"}
    response = client.post(candidate_url(link, "device-check"), body, content_type="application/json")
    assert response.status_code == 200


@pytest.mark.parametrize("raw", ['"a\\u0000b"', '"a\\ud800b"'], ids=["nul", "lone-surrogate"])
def test_unstorable_characters_in_login_and_intake(client, ats, raw):
    body = '{"email": ' + raw + ', "password": "x"}'
    response = client.post("/api/v1/auth/login", body, content_type="application/json")
    assert response.status_code == 400
    assert "email" in error_of(response)["fields"]
    body = '{"candidateName": "Jane", "extra": {"notes": [' + raw + "]}}"
    response = ats.post("/api/v1/a2a/interview", body, content_type="application/json")
    assert response.status_code == 400
    assert "extra.notes.0" in error_of(response)["fields"]


def test_oversized_body_is_a_413_envelope(client, ats, link, settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 10_000
    big = json.dumps({"email": "a@b.c", "password": "x" * 20_000})
    for response in (
        client.post("/api/v1/auth/login", big, content_type="application/json"),
        ats.post("/api/v1/a2a/interview", big, content_type="application/json"),
        client.post(candidate_url(link, "verify"), big, content_type="application/json"),
    ):
        assert response.status_code == 413
        error = error_of(response)
        assert error["code"] == "too_large"
        assert "10000 bytes" in error["message"]


def test_oversized_form_body_on_an_api_path_is_json_too(link, settings):
    # A form body is read by Django itself (the CSRF check of the candidate's endpoints), before
    # the API view and its error handling: the 413 still comes in the JSON envelope.
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 10_000
    browser = Client(enforce_csrf_checks=True)
    browser.cookies["csrftoken"] = "c" * 32
    response = browser.post(
        candidate_url(link, "otp"), "a=" + "x" * 20_000, content_type="application/x-www-form-urlencoded"
    )
    assert response.status_code == 413
    assert error_of(response)["code"] == "too_large"


def test_api_answers_are_never_cached(ats, client, link):
    run_id = ats.get("/api/v1/a2a/interview/00000000-0000-0000-0000-000000000000/status")
    assert run_id["Cache-Control"] == "no-store"
    for response in (
        client.post(
            "/api/v1/auth/login", {"email": "x@y.z", "password": "p"}, content_type="application/json"
        ),
        client.post(candidate_url(link, "otp"), content_type="application/json"),
    ):
        assert response["Cache-Control"] == "no-store"
    from interviews.models import Interview

    interview = Interview.objects.get()
    status = ats.get(f"/api/v1/a2a/interview/{interview.run_id}/status")
    assert status.status_code == 200
    assert status["Cache-Control"] == "no-store"


def test_every_html_page_has_a_content_security_policy(client, ops, recruiter, link):
    client.force_login(recruiter)
    for url in ("/admin/approvals", "/admin/interviews", "/accounts/login/"):
        response = client.get(url, follow=True)
        assert response.status_code == 200, url
        policy = response["Content-Security-Policy"]
        assert "script-src 'self'" in policy and "frame-ancestors 'none'" in policy, url
    for url in ("/ops/", "/ops/interviews/interview/", "/api/docs/"):
        response = ops.get(url)
        assert response.status_code == 200, url
        assert "script-src 'self'" in response["Content-Security-Policy"], url
    # The docs' start-up script is a file of its own, not inline.
    docs = ops.get("/api/docs/").content.decode()
    assert re.search(r"<script>\s*\S", docs) is None
    # The candidate's page keeps its own policy (it names the socket's origin).
    assert "ws://testserver" in client.get(page_url(link))["Content-Security-Policy"]


class TestConsent:
    def test_consent_needs_the_verified_code(self, client, link):
        response = client.post(candidate_url(link, "consent"), content_type="application/json")
        assert response.status_code == 403
        assert error_of(response)["code"] == "not_verified"
        # Asking for a code with "consent" records nothing either.
        client.post(candidate_url(link, "otp"), {"consent": True}, content_type="application/json")
        assert not CandidateSession.objects.filter(consented_at__isnull=False).exists()

    def test_someone_else_with_the_link_cannot_consent_or_pre_tick_the_box(self, client, link):
        intruder = Client()
        intruder.post(candidate_url(link, "consent"), content_type="application/json")
        intruder.post(candidate_url(link, "otp"), {"consent": True}, content_type="application/json")
        config = client.get(page_url(link)).context["config"]
        assert config["consented"] is False
        # The real candidate verifies without ticking: still no consent, and the socket would say so.
        with time_machine.travel(timezone.now() + timedelta(minutes=2)):
            candidate = verified_client(link, consent=False)
        assert CandidateSession.objects.get().consented_at is None
        response = candidate.post(candidate_url(link, "consent"), content_type="application/json")
        assert response.status_code == 204
        assert CandidateSession.objects.get().consented_at is not None

    def test_consent_belongs_to_the_verified_session(self, link):
        from interviews import joining

        first = verified_client(link, consent=True)
        assert first.get(page_url(link)).context["config"]["consented"] is True
        interview = CandidateSession.objects.get().interview
        assert joining.readiness_problem(interview, first.session)[0] == "device_check_required"
        # Another browser that verifies later has not consented, whatever the first one did.
        with time_machine.travel(timezone.now() + timedelta(minutes=2)):
            second = verified_client(link, consent=False)
        assert second.get(page_url(link)).context["config"]["consented"] is False
        assert joining.readiness_problem(interview, second.session)[0] == "no_consent"

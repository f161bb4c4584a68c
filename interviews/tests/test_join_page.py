"""The candidate's join page without a browser: what it renders, its CSRF cookie, its error pages."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone

from interviews import joining
from interviews.models import Interview, State
from interviews.pages import mask_email
from tests.factories import CREATE, approved_link, page_url


@pytest.mark.django_db
def test_join_page_renders_the_flow(
    client, ats, recruiter_client, recruiter, django_capture_on_commit_callbacks
):
    interview, token = approved_link(ats, recruiter_client, recruiter, django_capture_on_commit_callbacks)
    response = client.get(page_url(token))
    assert response.status_code == 200
    html = response.content.decode()
    assert "Senior Software Engineer interview" in html
    assert "Acme" in html
    assert "j***@example.com" in html
    assert "jane@example.com" not in html  # never the whole address
    assert "csrftoken" in response.cookies
    assert "no-store" in response["Cache-Control"]
    assert "script-src 'self'" in response["Content-Security-Policy"]
    assert "onclick" not in html and "<script>" not in html  # no inline code: CSP can forbid it

    config = response.context["config"]
    questions = interview.current_plan.questions.count()
    assert config["questions"] == questions > 0
    assert f"{questions} questions" in html
    assert config["durationMinutes"] == interview.current_plan.duration_minutes
    assert config["verified"] is False
    assert config["websocketUrl"].endswith(f"/ws/interview/{token}/")
    assert config["endpoints"]["otp"] == f"/api/v1/candidate/join/{token}/otp"
    assert config["endpoints"]["deviceCheck"] == f"/api/v1/candidate/join/{token}/device-check"

    # The browser session that verified the code is recognised on the next visit.
    session = client.session
    session[joining.SESSION_KEY] = str(interview.id)
    session.save()
    assert client.get(page_url(token)).context["config"]["verified"] is True


@pytest.mark.django_db
def test_the_page_gives_the_csrf_token_the_endpoints_need(
    ats, recruiter_client, recruiter, django_capture_on_commit_callbacks, settings, tmp_path
):
    settings.EMAIL_FILE_PATH = tmp_path
    interview, token = approved_link(ats, recruiter_client, recruiter, django_capture_on_commit_callbacks)
    browser = Client(enforce_csrf_checks=True)
    csrf = browser.get(page_url(token)).cookies["csrftoken"].value
    otp = f"/api/v1/candidate/join/{token}/otp"
    assert browser.post(otp, {"consent": True}, content_type="application/json").status_code == 403
    response = browser.post(otp, {"consent": True}, content_type="application/json", HTTP_X_CSRFTOKEN=csrf)
    assert response.status_code == 202, response.content
    assert response.json()["sent"] is True


@pytest.mark.django_db
@pytest.mark.parametrize(
    "email, masked",
    [("jane@example.com", "j***@example.com"), ("a@b.co", "a***@b.co"), ("", "your email address")],
)
def test_email_is_masked(email, masked):
    assert mask_email(email) == masked


def assert_error_page(response, status: int, *fragments: str) -> None:
    html = response.content.decode()
    assert response.status_code == status, html[:500]
    assert "text/html" in response["Content-Type"]
    for fragment in fragments:
        assert fragment in html, fragment
    assert "recruiter" in html  # says who can help
    assert "Traceback" not in html and "Exception" not in html


@pytest.mark.django_db
def test_unknown_link(client):
    assert_error_page(client.get(page_url("x" * 43)), 404, "This interview link is not valid")
    assert_error_page(client.get(page_url("y" * 300)), 404, "This interview link is not valid")


@pytest.mark.django_db
def test_expired_link(client, ats, recruiter_client, recruiter, django_capture_on_commit_callbacks):
    interview, token = approved_link(ats, recruiter_client, recruiter, django_capture_on_commit_callbacks)
    Interview.objects.filter(pk=interview.pk).update(join_expires_at=timezone.now() - timedelta(minutes=1))
    assert_error_page(client.get(page_url(token)), 410, "This interview link has expired", "new link", "Acme")


@pytest.mark.django_db
def test_used_link(client, ats, recruiter_client, recruiter, django_capture_on_commit_callbacks):
    interview, token = approved_link(ats, recruiter_client, recruiter, django_capture_on_commit_callbacks)
    Interview.objects.filter(pk=interview.pk).update(state=State.ASSESSMENT_PENDING)
    assert_error_page(client.get(page_url(token)), 410, "This interview is already complete", "Acme")


@pytest.mark.django_db
def test_cancelled_state_link(client, ats, recruiter_client, recruiter, django_capture_on_commit_callbacks):
    interview, token = approved_link(ats, recruiter_client, recruiter, django_capture_on_commit_callbacks)
    Interview.objects.filter(pk=interview.pk).update(state=State.CANCELLED)
    assert_error_page(client.get(page_url(token)), 410, "This interview has been cancelled")


@pytest.mark.django_db
def test_link_cancelled_through_the_api(
    client, ats, recruiter_client, recruiter, django_capture_on_commit_callbacks
):
    interview, token = approved_link(ats, recruiter_client, recruiter, django_capture_on_commit_callbacks)
    cancelled = ats.post(f"{CREATE}/{interview.run_id}/cancel", {"reason": "position filled"}, format="json")
    assert cancelled.status_code == 200
    assert_error_page(client.get(page_url(token)), 410, "This interview has been cancelled")

"""Signing in to the dashboard: email and password, next, organizations, sign-out, password reset."""

from __future__ import annotations

import re

import pytest
from django.conf import settings
from django.core import mail

pytestmark = pytest.mark.django_db

PASSWORD = "S3cure-pass!"  # the conftest's make_user default


def test_the_sign_in_page(client):
    response = client.get("/accounts/login/")
    assert response.status_code == 200
    html = response.content.decode()
    assert 'type="email" name="username"' in html
    assert 'autocomplete="email"' in html
    assert "csrfmiddlewaretoken" in html
    assert 'href="/accounts/password-reset/"' in html


def test_sign_in_with_email_goes_to_the_queue(client, recruiter):
    response = client.post("/accounts/login/", {"username": "ALICE@acme.test", "password": PASSWORD})
    assert response.status_code == 302
    assert response["Location"] == "/admin/approvals"
    assert client.get("/admin/approvals").status_code == 200


def test_sign_in_comes_back_to_next(client, recruiter, make_user):
    response = client.get("/admin/interviews?state=PENDING")
    login_url = response["Location"]
    assert login_url == "/accounts/login/?next=/admin/interviews%3Fstate%3DPENDING"
    page = client.get(login_url).content.decode()
    assert 'name="next" value="/admin/interviews?state=PENDING"' in page
    response = client.post(
        "/accounts/login/",
        {"username": recruiter.email, "password": PASSWORD, "next": "/admin/interviews?state=PENDING"},
    )
    assert response["Location"] == "/admin/interviews?state=PENDING"


def test_next_cannot_leave_the_site(client, recruiter):
    response = client.post(
        "/accounts/login/",
        {"username": recruiter.email, "password": PASSWORD, "next": "https://evil.example/"},
    )
    assert response["Location"] == "/admin/approvals"


def test_a_next_that_is_the_sign_in_page_is_dropped(client, recruiter):
    # Signing in with it goes to the queue, not back to this page.
    response = client.post(
        "/accounts/login/", {"username": recruiter.email, "password": PASSWORD, "next": "/accounts/login/"}
    )
    assert response["Location"] == "/admin/approvals"
    # Signed in: Django would raise "Redirection loop" on these.
    for next_url in ("/accounts/login/", "/accounts/login", "/accounts/login/?next=/accounts/login/"):
        response = client.get("/accounts/login/", {"next": next_url})
        assert response.status_code == 302, next_url
        assert response["Location"] == "/admin/approvals", next_url


def test_wrong_password(client, recruiter):
    response = client.post("/accounts/login/", {"username": recruiter.email, "password": "nope"})
    assert response.status_code == 200
    assert "do not match an account" in response.content.decode()
    assert "_auth_user_id" not in client.session


def test_an_account_without_organization_cannot_sign_in(client, make_user):
    make_user(None, "operator@platform.test")
    response = client.post("/accounts/login/", {"username": "operator@platform.test", "password": PASSWORD})
    assert response.status_code == 200
    assert "does not belong to an organization" in response.content.decode()
    assert "_auth_user_id" not in client.session


def test_sign_out_is_a_post(web):
    assert web.get("/accounts/logout/").status_code == 405
    assert web.get("/admin/approvals").status_code == 200
    response = web.post("/accounts/logout/", follow=True)
    assert response.redirect_chain[-1][0] == "/accounts/login/"
    assert "You are signed out." in response.content.decode()
    assert web.get("/admin/approvals").status_code == 302


def test_every_dashboard_page_has_a_sign_out_form(web):
    html = web.get("/admin/interviews").content.decode()
    assert re.search(r'<form method="post" action="/accounts/logout/"', html)
    assert '<a class="skip-link" href="#main">' in html


def test_password_reset_by_email(client, recruiter):
    response = client.post("/accounts/password-reset/", {"email": "Alice@Acme.test"})
    assert response["Location"] == "/accounts/password-reset/sent/"
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == [recruiter.email]
    assert message.subject == "Reset your AI Interview password"
    # On the public address, whatever host the request came in on.
    link = re.search(re.escape(settings.PUBLIC_BASE_URL) + r"(/accounts/reset/\S+/)", message.body).group(1)

    # Django swaps the token for a session marker, then shows the form.
    form_url = client.get(link)["Location"]
    assert "Choose a new password" in client.get(form_url).content.decode()
    response = client.post(form_url, {"new_password1": "Another-pass-42", "new_password2": "Another-pass-42"})
    assert response["Location"] == "/accounts/reset/done/"
    assert (
        client.post(
            "/accounts/login/", {"username": recruiter.email, "password": "Another-pass-42"}
        ).status_code
        == 302
    )


def test_password_reset_for_an_unknown_email_looks_the_same(client, recruiter):
    response = client.post("/accounts/password-reset/", {"email": "nobody@acme.test"})
    assert response["Location"] == "/accounts/password-reset/sent/"
    assert mail.outbox == []


def test_a_used_reset_link_says_so(client):
    html = client.get("/accounts/reset/MQ/set-password/").content.decode()
    assert "This link cannot be used" in html

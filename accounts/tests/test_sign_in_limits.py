"""Limits on the session sign-in pages (/accounts/login/, /ops/login/) and on password reset emails."""

from __future__ import annotations

from datetime import timedelta

import pytest
import time_machine
from django.core import mail
from django.utils import timezone

pytestmark = pytest.mark.django_db

PASSWORD = "S3cure-pass!"  # the conftest's make_user default
LOGIN = "/accounts/login/"
RESET = "/accounts/password-reset/"
TOO_MANY = "Too many attempts. Try again in 10 minutes."


@pytest.fixture
def authenticate_calls(monkeypatch):
    """Every password check the sign-in forms make."""
    from django.contrib.auth import forms

    calls = []
    real = forms.authenticate

    def counting(request=None, **credentials):
        calls.append(credentials.get("username"))
        return real(request, **credentials)

    monkeypatch.setattr(forms, "authenticate", counting)
    return calls


def sign_in(client, email, password, ip="10.0.0.1", url=LOGIN):
    return client.post(url, {"username": email, "password": password}, REMOTE_ADDR=ip)


def test_ten_wrong_passwords_then_even_the_right_one_is_not_tried(client, recruiter, authenticate_calls):
    for _ in range(10):
        response = sign_in(client, recruiter.email, "wrong")
        assert response.status_code == 200
        assert "do not match an account" in response.content.decode()
    response = sign_in(client, recruiter.email, PASSWORD)
    assert response.status_code == 429
    assert TOO_MANY in response.content.decode()
    assert "_auth_user_id" not in client.session
    assert len(authenticate_calls) == 10  # the eleventh was refused before any password check


def test_the_limit_is_per_email_whatever_the_address(client, recruiter):
    for n in range(10):
        sign_in(client, recruiter.email.upper(), "wrong", ip=f"10.0.1.{n}")
    response = sign_in(client, recruiter.email, PASSWORD, ip="10.0.2.1")
    assert response.status_code == 429
    assert "_auth_user_id" not in client.session


def test_the_limit_is_per_address_whatever_the_email(client, recruiter):
    for n in range(10):
        sign_in(client, f"guess{n}@acme.test", "wrong", ip="10.0.3.1")
    assert sign_in(client, recruiter.email, PASSWORD, ip="10.0.3.1").status_code == 429
    # Another address, and the same account, are unaffected.
    response = sign_in(client, recruiter.email, PASSWORD, ip="10.0.3.2")
    assert response.status_code == 302
    assert client.session["_auth_user_id"] == str(recruiter.pk)


def test_the_wait_ends_with_the_window(client, recruiter):
    with time_machine.travel(timezone.now(), tick=False) as traveller:
        for _ in range(10):
            sign_in(client, recruiter.email, "wrong")
        traveller.shift(timedelta(minutes=4))
        response = sign_in(client, recruiter.email, PASSWORD)
        assert "Too many attempts. Try again in 6 minutes." in response.content.decode()
        traveller.shift(timedelta(minutes=6, seconds=1))
        assert sign_in(client, recruiter.email, PASSWORD).status_code == 302


def test_right_passwords_and_accounts_without_organization_are_not_counted(client, recruiter, make_user):
    make_user(None, "operator@platform.test")
    for _ in range(11):
        sign_in(client, "operator@platform.test", PASSWORD)  # right password, wrong page
        client.logout()
        assert sign_in(client, recruiter.email, PASSWORD).status_code == 302
        client.logout()


def test_ops_sign_in_has_the_same_limit(client, authenticate_calls):
    from accounts.models import User

    User.objects.create_superuser("ops@platform.test", PASSWORD)
    for _ in range(10):
        response = sign_in(client, "ops@platform.test", "wrong", url="/ops/login/")
        assert response.status_code == 200
    response = sign_in(client, "ops@platform.test", PASSWORD, url="/ops/login/")
    assert response.status_code == 429
    assert TOO_MANY in response.content.decode()
    assert "_auth_user_id" not in client.session
    assert len(authenticate_calls) == 10
    # Counted together with the dashboard's page: same person, same passwords.
    assert sign_in(client, "ops@platform.test", PASSWORD).status_code == 429


def test_ops_sign_in_still_works(client):
    from accounts.models import User

    User.objects.create_superuser("ops@platform.test", PASSWORD)
    response = sign_in(client, "ops@platform.test", PASSWORD, url="/ops/login/?next=/ops/")
    assert response.status_code == 302
    # Signed in; without a second factor yet, /ops/ first asks to set one up.
    assert client.get("/ops/")["Location"].startswith("/admin/account/two-factor?next=/ops/")


def test_five_reset_emails_an_hour_per_address(client, recruiter, make_user):
    for n in range(5):
        response = client.post(RESET, {"email": recruiter.email}, REMOTE_ADDR="10.0.4.1")
        assert response["Location"] == "/accounts/password-reset/sent/", n
    response = client.post(RESET, {"email": "someone-else@acme.test"}, REMOTE_ADDR="10.0.4.1")
    assert response.status_code == 429
    assert "Too many attempts. Try again in 60 minutes." in response.content.decode()
    assert len(mail.outbox) == 5


def test_five_reset_emails_an_hour_per_email(client, recruiter):
    for n in range(5):
        client.post(RESET, {"email": recruiter.email}, REMOTE_ADDR=f"10.0.5.{n}")
    response = client.post(RESET, {"email": recruiter.email.upper()}, REMOTE_ADDR="10.0.6.1")
    assert response.status_code == 429
    assert len(mail.outbox) == 5
    # Someone else's reset from elsewhere still goes out.
    other = client.post(RESET, {"email": "nobody@acme.test"}, REMOTE_ADDR="10.0.6.2")
    assert other["Location"] == "/accounts/password-reset/sent/"

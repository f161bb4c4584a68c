"""Sign-in limits on the API (/api/v1/auth/login) and the pages (/accounts/login/, /ops/login/).

Guessing stops (per account and address, per address, per account), and the
owner is never locked out for good: known addresses still get in, and the
emailed unlock link lifts a lock at once.
"""

from __future__ import annotations

import logging
import re
from datetime import timedelta

import pytest
import time_machine
from django.core import mail
from django.utils import timezone

from tests.plugin import PASSWORD

pytestmark = pytest.mark.django_db

LOGIN = "/accounts/login/"
RESET = "/accounts/password-reset/"
PUBLIC = "https://interviews.example.com"
LOCKED = "This account is locked after too many wrong passwords."


@pytest.fixture
def authenticate_calls(monkeypatch):
    """Every password check the API and the sign-in forms make."""
    from django.contrib.auth import forms

    from accounts import services

    calls = []

    def counting(real):
        def check(request=None, **credentials):
            calls.append((credentials.get("username"), credentials.get("password")))
            return real(request, **credentials)

        return check

    monkeypatch.setattr(forms, "authenticate", counting(forms.authenticate))
    monkeypatch.setattr(services, "authenticate", counting(services.authenticate))
    return calls


@pytest.fixture(autouse=True)
def public_base_url(settings):
    settings.PUBLIC_BASE_URL = PUBLIC


def sign_in(client, email, password, ip="10.0.0.1", url=LOGIN):
    return client.post(url, {"username": email, "password": password}, REMOTE_ADDR=ip, HTTP_HOST="localhost")


@pytest.fixture
def attack(api, capture):
    def run(email, guesses=100, addresses=10):
        """Wrong passwords for one account, round-robin from many addresses; the statuses."""
        with capture(execute=True):  # the unlock email goes out after the commit
            return [
                api.login(email, f"guess-{n}", ip=f"10.66.0.{n % addresses}").status_code
                for n in range(guesses)
            ]

    return run


def unlock_link(email) -> str:
    [message] = [m for m in mail.outbox if m.to == [email] and "unlock" in m.body]
    return re.search(r"https?://\S+/accounts/unlock/\S+/", message.body).group(0)


# --- the API ------------------------------------------------------------------------------------


def test_guessing_one_account_from_many_addresses_stops_even_the_right_password(
    attack, api, recruiter, authenticate_calls
):
    statuses = attack(recruiter.email)
    assert statuses[:10] == [401] * 10
    assert set(statuses[10:]) == {429}
    response = api.login(recruiter.email, PASSWORD, ip="10.66.9.9")
    assert response.status_code == 429
    assert LOCKED in response.json()["error"]["message"]
    assert int(response["Retry-After"]) > 59 * 60
    # Only the first ten guesses had their password checked.
    assert len(authenticate_calls) == 10


def test_the_owner_still_signs_in_from_an_address_used_before(attack, api, recruiter):
    api.sign_in(recruiter.email, ip="10.1.0.1")
    attack(recruiter.email)
    assert api.login(recruiter.email, PASSWORD, ip="10.66.9.9").status_code == 429
    assert api.login(recruiter.email, PASSWORD, ip="10.1.0.1").status_code == 200


def test_the_emailed_link_unlocks_the_account(attack, api, client, recruiter):
    attack(recruiter.email, guesses=40)
    assert api.login(recruiter.email, PASSWORD, ip="10.2.0.1").status_code == 429
    link = unlock_link(recruiter.email)  # one email, however many guesses
    assert link.startswith(f"{PUBLIC}/accounts/unlock/")
    path = link.removeprefix(PUBLIC)

    page = client.get(path, REMOTE_ADDR="10.2.0.1")
    assert page.status_code == 200
    assert "Unlock my account" in page.content.decode()
    assert api.login(recruiter.email, PASSWORD, ip="10.2.0.1").status_code == 429  # a GET changes nothing
    response = client.post(path, REMOTE_ADDR="10.2.0.1", follow=True)
    assert "Your account is unlocked" in response.content.decode()
    assert api.login(recruiter.email, PASSWORD, ip="10.2.0.1").status_code == 200
    # The link lifted that lock only.
    assert client.post(path, REMOTE_ADDR="10.2.0.1").status_code == 400


def test_the_unlocking_address_stays_trusted_when_the_attack_goes_on(attack, api, client, recruiter):
    attack(recruiter.email, guesses=10)
    client.post(unlock_link(recruiter.email).removeprefix(PUBLIC), REMOTE_ADDR="10.2.0.9")
    attack(recruiter.email, guesses=10, addresses=5)
    assert api.login(recruiter.email, PASSWORD, ip="10.2.0.8").status_code == 429
    assert api.login(recruiter.email, PASSWORD, ip="10.2.0.9").status_code == 200


def test_a_lock_ends_by_itself(attack, api, recruiter, settings):
    with time_machine.travel(timezone.now(), tick=False) as traveller:
        attack(recruiter.email, guesses=10)
        assert api.login(recruiter.email, PASSWORD, ip="10.3.0.1").status_code == 429
        traveller.shift(timedelta(minutes=settings.SIGN_IN_LOCK_MINUTES, seconds=1))
        assert api.login(recruiter.email, PASSWORD, ip="10.3.0.1").status_code == 200


def test_one_address_backs_off_exponentially_without_slowing_anyone_else(api, recruiter):
    with time_machine.travel(timezone.now(), tick=False) as traveller:
        assert [api.login(recruiter.email, "wrong").status_code for _ in range(5)] == [401] * 5
        refused = api.login(recruiter.email, PASSWORD)
        assert refused.status_code == 429
        assert refused["Retry-After"] == "30"
        # The owner, elsewhere, is not slowed down.
        assert api.login(recruiter.email, PASSWORD, ip="10.4.0.2").status_code == 200
        traveller.shift(timedelta(seconds=31))
        assert api.login(recruiter.email, "wrong").status_code == 401
        assert api.login(recruiter.email, PASSWORD)["Retry-After"] == "60"
        traveller.shift(timedelta(seconds=61))
        assert api.login(recruiter.email, "wrong").status_code == 401
        assert api.login(recruiter.email, PASSWORD)["Retry-After"] == "120"
        traveller.shift(timedelta(seconds=121))
        assert api.login(recruiter.email, PASSWORD).status_code == 200


def test_one_address_trying_many_accounts_is_stopped(api, recruiter):
    with time_machine.travel(timezone.now(), tick=False) as traveller:
        # Under the API's request rate (LOGIN_THROTTLE_RATE, 10 a minute), spread over two minutes.
        statuses = [api.login(f"guess{n}@acme.test", "wrong", ip="10.5.0.1").status_code for n in range(10)]
        traveller.shift(timedelta(seconds=61))
        statuses += [
            api.login(f"guess{n}@acme.test", "wrong", ip="10.5.0.1").status_code for n in range(10, 20)
        ]
        assert statuses == [401] * 20
        traveller.shift(timedelta(seconds=61))
        response = api.login(recruiter.email, PASSWORD, ip="10.5.0.1")
        assert response.status_code == 429
        assert response.json()["error"]["message"] == "Too many attempts. Try again in 8 minutes."
        assert api.login(recruiter.email, PASSWORD, ip="10.5.0.2").status_code == 200


def test_unknown_emails_lock_like_real_ones(attack, api):
    statuses = attack("nobody@acme.test", guesses=12)
    assert statuses == [401] * 10 + [429] * 2
    assert mail.outbox == []


def test_failures_locks_and_unlocks_are_security_events_without_passwords(
    attack, api, client, recruiter, caplog
):
    with caplog.at_level(logging.INFO, logger="accounts.security"):
        attack(recruiter.email, guesses=11)
        client.post(unlock_link(recruiter.email).removeprefix(PUBLIC), REMOTE_ADDR="10.7.0.1")
    events = [r.getMessage() for r in caplog.records if r.name == "accounts.security"]
    assert sum(e.startswith("sign_in_failed channel=api email=alice@acme.test") for e in events) == 10
    assert any(e.startswith("account_locked email=alice@acme.test") for e in events)
    assert any(e.startswith("sign_in_refused channel=api") for e in events)
    assert any(e.startswith("account_unlocked email=alice@acme.test address=10.7.0.1") for e in events)
    assert not any("guess-" in record.getMessage() for record in caplog.records)


# --- the pages --------------------------------------------------------------------------------


def test_guesses_from_many_addresses_do_not_lock_the_dashboard_owner_out(
    client, recruiter, authenticate_calls
):
    assert sign_in(client, recruiter.email, PASSWORD, ip="10.8.0.1").status_code == 302
    client.post("/accounts/logout/")
    for n in range(10):
        response = sign_in(client, recruiter.email, "wrong", ip=f"10.66.1.{n}")
        assert response.status_code == 200
        assert "do not match an account" in response.content.decode()
    # The attacker, even with the right password, is refused before any check ...
    refused = sign_in(client, recruiter.email, PASSWORD, ip="10.66.1.3")
    assert refused.status_code == 429
    assert LOCKED in refused.content.decode()
    assert len(authenticate_calls) == 11
    # ... the owner, where they signed in before, is not.
    assert sign_in(client, recruiter.email, PASSWORD, ip="10.8.0.1").status_code == 302
    assert client.session["_auth_user_id"] == str(recruiter.pk)


def test_a_locked_dashboard_account_is_unlocked_by_the_emailed_link(client, recruiter, capture):
    with capture(execute=True):
        for n in range(10):
            sign_in(client, recruiter.email.upper(), "wrong", ip=f"10.66.2.{n}")
    assert sign_in(client, recruiter.email, PASSWORD, ip="10.9.0.1").status_code == 429
    link = unlock_link(recruiter.email)
    assert link.startswith(f"{PUBLIC}/accounts/unlock/")
    client.post(link.removeprefix(PUBLIC), REMOTE_ADDR="10.9.0.1")
    assert sign_in(client, recruiter.email, PASSWORD, ip="10.9.0.1").status_code == 302


def test_the_pages_and_the_api_count_together(api, client):
    from accounts.models import User

    User.objects.create_superuser("ops@platform.test", PASSWORD)
    for n in range(5):
        sign_in(client, "ops@platform.test", "wrong", ip=f"10.66.3.{n}", url="/ops/login/")
    for n in range(5):
        api.login("ops@platform.test", "wrong", ip=f"10.66.4.{n}")
    response = sign_in(client, "ops@platform.test", PASSWORD, ip="10.10.0.1", url="/ops/login/")
    assert response.status_code == 429
    assert LOCKED in response.content.decode()
    assert sign_in(client, "ops@platform.test", PASSWORD, ip="10.10.0.1").status_code == 429


def test_one_address_backs_off_on_the_page_too(client, recruiter, authenticate_calls):
    for _ in range(5):
        assert sign_in(client, recruiter.email, "wrong").status_code == 200
    response = sign_in(client, recruiter.email, PASSWORD)
    assert response.status_code == 429
    assert "Too many attempts. Try again in 1 minute." in response.content.decode()
    assert "_auth_user_id" not in client.session
    assert len(authenticate_calls) == 5


def test_right_passwords_and_accounts_without_organization_are_not_counted(client, recruiter, make_user):
    make_user(None, "operator@platform.test")
    for _ in range(11):
        sign_in(client, "operator@platform.test", PASSWORD)  # right password, wrong page
        client.logout()
        assert sign_in(client, recruiter.email, PASSWORD).status_code == 302
        client.logout()


def test_ops_sign_in_still_works(client):
    from accounts.models import User

    User.objects.create_superuser("ops@platform.test", PASSWORD)
    response = sign_in(client, "ops@platform.test", PASSWORD, url="/ops/login/?next=/ops/")
    assert response.status_code == 302
    assert client.get("/ops/").status_code == 200


# --- password reset emails ------------------------------------------------------------------


def test_reset_links_use_the_public_address_not_the_request_host(client, recruiter):
    # A host this server answers to, but not the public one.
    client.post(RESET, {"email": recruiter.email}, HTTP_HOST="127.0.0.1:8000")
    [message] = mail.outbox
    assert f"{PUBLIC}/accounts/reset/" in message.body
    assert "127.0.0.1" not in message.body


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

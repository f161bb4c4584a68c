"""Dashboard sessions end SESSION_IDLE_TIMEOUT after the last request, SESSION_COOKIE_AGE after sign-in."""

from __future__ import annotations

from datetime import timedelta

import pytest
import time_machine
from django.utils import timezone

from tests.plugin import PASSWORD

pytestmark = pytest.mark.django_db

PAGE = "/admin/approvals"


def signed_in(client, user):
    response = client.post("/accounts/login/", {"username": user.email, "password": PASSWORD})
    assert response.status_code == 302
    assert client.get(PAGE).status_code == 200


def test_an_idle_session_ends(client, recruiter, settings):
    assert timedelta(minutes=60) == settings.SESSION_IDLE_TIMEOUT
    with time_machine.travel(timezone.now(), tick=False) as traveller:
        signed_in(client, recruiter)
        traveller.shift(timedelta(minutes=61))
        response = client.get(PAGE, follow=True)
        assert response.redirect_chain[-1][0].startswith("/accounts/login/")
        assert "signed out after 60 minutes without activity" in response.content.decode()
        assert "_auth_user_id" not in client.session


def test_an_active_session_goes_on_until_its_absolute_end(client, recruiter, settings):
    assert settings.SESSION_COOKIE_AGE == 12 * 3600
    with time_machine.travel(timezone.now(), tick=False) as traveller:
        signed_in(client, recruiter)
        for _ in range(14):  # a request every 50 minutes: 11 h 40 min
            traveller.shift(timedelta(minutes=50))
            assert client.get(PAGE).status_code == 200
        traveller.shift(timedelta(minutes=21))  # 12 h and a minute after signing in
        response = client.get(PAGE, follow=True)
        assert response.redirect_chain[-1][0].startswith("/accounts/login/")
        assert "signed out 12 hours after signing in" in response.content.decode()


def test_the_session_cookie_lasts_hours_not_weeks(client, recruiter):
    signed_in(client, recruiter)
    assert client.cookies["sessionid"]["max-age"] == 12 * 3600

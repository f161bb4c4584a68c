"""A refused access token is explained in the JSON error envelope, in words, with a code."""

from __future__ import annotations

from datetime import timedelta

import pytest
import time_machine
from django.utils import timezone
from rest_framework.test import APIClient
from rest_framework_simplejwt.tokens import RefreshToken

from tests.factories import CREATE

pytestmark = pytest.mark.django_db


def _status_as(authorization: str, run_id: str):
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=authorization)
    return client.get(f"{CREATE}/{run_id}/status")


def _assert_clean(response, code: str, message: str) -> None:
    assert response.status_code == 401, response.content
    assert response["Content-Type"] == "application/json"
    error = response.json()["error"]
    assert error == {"code": code, "message": message, "fields": {}}


def test_a_garbage_token_is_invalid_or_expired(pending):
    response = _status_as("Bearer not.a.jwt", pending.run_id)
    _assert_clean(response, "invalid_token", "Token is invalid or expired.")


def test_an_expired_token_says_the_same(pending, recruiter):
    token = str(RefreshToken.for_user(recruiter).access_token)
    with time_machine.travel(timezone.now() + timedelta(days=1)):
        response = _status_as(f"Bearer {token}", pending.run_id)
    _assert_clean(response, "invalid_token", "Token is invalid or expired.")


def test_a_tampered_token_is_refused(pending, recruiter):
    token = RefreshToken.for_user(recruiter).access_token
    forged = str(token)[:-4] + ("AAAA" if not str(token).endswith("AAAA") else "BBBB")
    _assert_clean(
        _status_as(f"Bearer {forged}", pending.run_id), "invalid_token", "Token is invalid or expired."
    )


def test_a_malformed_header_says_what_is_expected(pending):
    response = _status_as("Bearer two parts", pending.run_id)
    _assert_clean(response, "invalid_token", 'The Authorization header must be "Bearer <access token>".')

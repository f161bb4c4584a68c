"""Signing in through the API, as a client would."""

from __future__ import annotations

import pytest
from rest_framework.test import APIClient

from tests.plugin import PASSWORD

LOGIN = "/api/v1/auth/login"
REFRESH = "/api/v1/auth/refresh"
PROBE = "/api/v1/webhooks/endpoints"  # any endpoint an org admin's access token opens


class Api:
    """An API client that speaks the auth endpoints from a given address."""

    def __init__(self):
        self.client = APIClient()

    def login(self, email, password=PASSWORD, ip="10.9.0.1"):
        return self.client.post(LOGIN, {"email": email, "password": password}, format="json", REMOTE_ADDR=ip)

    def sign_in(self, email, password=PASSWORD, ip="10.9.0.1") -> dict:
        response = self.login(email, password, ip)
        assert response.status_code == 200, response.content
        return response.json()

    def refresh(self, refresh_token):
        return self.client.post(REFRESH, {"refreshToken": refresh_token}, format="json")

    def get(self, path, access_token):
        return self.client.get(path, HTTP_AUTHORIZATION=f"Bearer {access_token}")

    def post(self, path, access_token, body=None):
        return self.client.post(path, body or {}, format="json", HTTP_AUTHORIZATION=f"Bearer {access_token}")

    def probe(self, access_token) -> int:
        return self.get(PROBE, access_token).status_code


@pytest.fixture
def api():
    return Api()

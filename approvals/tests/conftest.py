"""Clients signed in to the recruiters' pages."""

from __future__ import annotations

import pytest
from django.test import Client


@pytest.fixture
def web(client, recruiter):
    """The Django test client, signed in as the organization's recruiter."""
    client.force_login(recruiter)
    return client


@pytest.fixture
def outsider_web(outsider):
    client = Client()
    client.force_login(outsider)
    return client


@pytest.fixture
def admin_web(org_admin):
    """A client signed in as an ADMIN of the organization (webhooks are theirs to manage)."""
    client = Client()
    client.force_login(org_admin)
    return client

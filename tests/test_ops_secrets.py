"""/ops/ shows no credential: refresh tokens, signing secrets and live candidate links only by their start."""

from __future__ import annotations

import pytest
from django.test import Client

from tests.factories import approved_interview
from webhooks.models import Endpoint, Event

pytestmark = pytest.mark.django_db


def page(ops, url: str) -> str:
    response = ops.get(url, follow=True)
    assert response.status_code == 200, url
    return response.content.decode()


def test_refresh_tokens_are_not_listed_in_clear(ops, recruiter):
    signed_in = Client().post(
        "/api/v1/auth/login",
        {"email": recruiter.email, "password": "S3cure-pass!"},
        content_type="application/json",
    )
    assert signed_in.status_code == 200, signed_in.content
    refresh = signed_in.json()["refreshToken"]
    from rest_framework_simplejwt.token_blacklist.models import OutstandingToken

    outstanding = OutstandingToken.objects.get(token=refresh)
    listing = page(ops, "/ops/token_blacklist/outstandingtoken/")
    detail = page(ops, f"/ops/token_blacklist/outstandingtoken/{outstanding.pk}/change/")
    for html in (listing, detail):
        assert refresh not in html
        # Not even the signature or payload part of it.
        assert refresh.split(".")[2] not in html and refresh.split(".")[1] not in html
    assert f"{refresh[:8]}…" in detail
    assert outstanding.jti in detail


def test_signing_secrets_show_only_their_start(ops, org):
    endpoint = Endpoint.objects.create(organization=org, url="https://ats.example.com/hook")
    organization_page = page(ops, f"/ops/accounts/organization/{org.pk}/change/")
    endpoint_page = page(ops, f"/ops/webhooks/endpoint/{endpoint.pk}/change/")
    assert org.webhook_secret not in organization_page
    assert f"{org.webhook_secret[:8]}…" in organization_page
    assert endpoint.secret not in endpoint_page
    assert f"{endpoint.secret[:8]}…" in endpoint_page


def test_a_rotated_secret_is_shown_once(ops, org):
    endpoint = Endpoint.objects.create(organization=org, url="https://ats.example.com/hook")
    response = ops.post(
        "/ops/webhooks/endpoint/", {"action": "rotate_secret", "_selected_action": [endpoint.pk]}, follow=True
    )
    endpoint.refresh_from_db()
    assert endpoint.secret in response.content.decode()
    assert endpoint.secret not in page(ops, "/ops/webhooks/endpoint/")
    assert endpoint.secret not in page(ops, f"/ops/webhooks/endpoint/{endpoint.pk}/change/")


def test_live_candidate_links_are_not_shown_in_stored_events(ops, api_key, recruiter, capture):
    run_id, token = approved_interview(api_key, recruiter, capture)
    event = Event.objects.get(type="interview.plan_approved")
    assert token in event.body  # what the ATS was sent, as sent
    from interviews.models import Interview

    interview = Interview.objects.get(run_id=run_id)
    for url in (
        f"/ops/webhooks/event/{event.pk}/change/",
        "/ops/webhooks/event/",
        "/ops/webhooks/delivery/",
        f"/ops/interviews/interview/{interview.pk}/change/",
    ):
        assert token not in page(ops, url), url
    assert "/interview/join/[redacted]" in page(ops, f"/ops/webhooks/event/{event.pk}/change/")

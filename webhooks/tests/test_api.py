"""The webhook management API: ADMINs of the organization only, another organization's objects are 404."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.db import transaction
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from rest_framework.test import APIClient
from standardwebhooks.webhooks import Webhook

from tests.receiver import Reply
from webhooks import services
from webhooks.models import Delivery, DeliveryStatus, Endpoint, SigningSecret

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("allow_loopback")]

BASE = "/api/v1/webhooks"
PUBLIC_URL = "https://93.184.216.34/hook"


@pytest.fixture
def admin(org, make_user):
    return make_user(org, "ada@acme.test", role="ADMIN")


@pytest.fixture
def admin_client(admin, bearer_client):
    return bearer_client(admin)


@pytest.fixture
def outsider_admin_client(other_org, make_user, bearer_client):
    return bearer_client(make_user(other_org, "olga@outsider.test", role="ADMIN"))


@pytest.fixture
def endpoint(org):
    return Endpoint.objects.create(organization=org, url=PUBLIC_URL, description="ATS")


def _error(response, status: int, code: str | None = None) -> dict:
    assert response.status_code == status, response.content
    body = response.json()["error"]
    assert set(body) >= {"code", "message", "fields"}
    if code:
        assert body["code"] == code
    return body


# --- Endpoints -------------------------------------------------------------------


def test_admin_registers_an_endpoint_and_sees_its_secret_once(admin_client, org, settings):
    settings.WEBHOOK_ALLOWED_NETWORKS = []
    created = admin_client.post(
        f"{BASE}/endpoints", {"url": PUBLIC_URL, "description": "Greenhouse"}, format="json"
    )
    assert created.status_code == 201, created.content
    body = created.json()
    endpoint = Endpoint.objects.get(id=body["id"])
    assert endpoint.organization == org
    assert body["secret"] == endpoint.secret and body["secret"].startswith("whsec_")
    assert body | {"secret": None} == {
        "id": str(endpoint.id),
        "url": PUBLIC_URL,
        "description": "Greenhouse",
        "isActive": True,
        "disabledReason": "",
        "disabledAt": None,
        "failingSince": None,
        "createdAt": body["createdAt"],
        "secret": None,
    }

    listed = admin_client.get(f"{BASE}/endpoints").json()["results"]
    assert [e["id"] for e in listed] == [str(endpoint.id)]
    detail = admin_client.get(f"{BASE}/endpoints/{endpoint.id}").json()
    assert "secret" not in listed[0] and "secret" not in detail
    assert detail["url"] == PUBLIC_URL


@pytest.mark.parametrize(
    ("url", "why"),
    [
        ("http://169.254.169.254/latest/meta-data/", "link-local"),
        ("http://10.0.0.1/hook", "private"),
        ("http://127.0.0.1:8000/hook", "loopback"),
        ("ftp://ats.example.com/hook", "http or https"),
        ("https://user:pw@93.184.216.34/hook", "credentials"),
    ],
)
def test_endpoint_urls_go_through_the_ssrf_guard(admin_client, settings, url, why):
    settings.WEBHOOK_ALLOWED_NETWORKS = []
    response = admin_client.post(f"{BASE}/endpoints", {"url": url}, format="json")
    error = _error(response, 400, "validation_error")
    assert why in error["fields"]["url"]
    assert not Endpoint.objects.exists()


def test_endpoint_needs_a_url(admin_client):
    error = _error(admin_client.post(f"{BASE}/endpoints", {}, format="json"), 400, "validation_error")
    assert "url" in error["fields"]


def test_patch_changes_url_and_description_and_refuses_unknown_fields(admin_client, endpoint, settings):
    settings.WEBHOOK_ALLOWED_NETWORKS = []
    url = f"{BASE}/endpoints/{endpoint.id}"
    changed = admin_client.patch(url, {"url": "https://93.184.216.35/v2", "description": "v2"}, format="json")
    assert changed.status_code == 200, changed.content
    assert (changed.json()["url"], changed.json()["description"]) == ("https://93.184.216.35/v2", "v2")
    endpoint.refresh_from_db()
    assert endpoint.url == "https://93.184.216.35/v2"

    error = _error(admin_client.patch(url, {"active": False}, format="json"), 400)
    assert "active" in error["fields"]
    error = _error(admin_client.patch(url, {"url": "http://10.1.1.1/x"}, format="json"), 400)
    assert "private" in error["fields"]["url"]
    endpoint.refresh_from_db()
    assert endpoint.is_active and endpoint.url == "https://93.184.216.35/v2"


def test_patch_url_takes_waiting_retries_along(admin_client, org, make_interview, receiver):
    endpoint = Endpoint.objects.create(organization=org, url=receiver.url + "/old")
    with transaction.atomic():
        event = services.emit(make_interview(), "interview.started", {})
    done = Delivery.objects.create(event=event, endpoint=endpoint, url=endpoint.url, status="SUCCEEDED")
    response = admin_client.patch(
        f"{BASE}/endpoints/{endpoint.id}", {"url": receiver.url + "/new"}, format="json"
    )
    assert response.status_code == 200
    waiting = Delivery.objects.get(event=event, status=DeliveryStatus.PENDING)
    assert waiting.url == receiver.url + "/new"
    assert waiting.host == f"127.0.0.1:{receiver.port}"
    done.refresh_from_db()
    assert done.url == receiver.url + "/old"  # the log of what was sent stays as it was


def test_disable_and_reenable(admin_client, endpoint, make_interview, emit_event):
    Endpoint.objects.filter(id=endpoint.id).update(failing_since=timezone.now() - timedelta(days=2))
    disabled = admin_client.post(
        f"{BASE}/endpoints/{endpoint.id}/disable", {"reason": "migrating ATS"}, format="json"
    )
    assert disabled.status_code == 200, disabled.content
    assert disabled.json()["isActive"] is False
    assert disabled.json()["disabledReason"] == "disabled by ada@acme.test: migrating ATS"
    assert disabled.json()["disabledAt"] is not None
    # Nothing is sent to a disabled endpoint.
    emit_event(make_interview())
    assert not Delivery.objects.filter(endpoint=endpoint).exists()
    # Disabling again keeps the first reason.
    again = admin_client.post(f"{BASE}/endpoints/{endpoint.id}/disable", {}, format="json")
    assert again.json()["disabledReason"] == "disabled by ada@acme.test: migrating ATS"

    enabled = admin_client.patch(f"{BASE}/endpoints/{endpoint.id}", {"isActive": True}, format="json")
    assert enabled.status_code == 200
    body = enabled.json()
    assert (body["isActive"], body["disabledReason"], body["disabledAt"], body["failingSince"]) == (
        True,
        "",
        None,
        None,
    )
    endpoint.refresh_from_db()
    assert endpoint.failing_since is None  # the failure streak starts over

    off = admin_client.patch(f"{BASE}/endpoints/{endpoint.id}", {"isActive": False}, format="json")
    assert (off.json()["isActive"], off.json()["disabledReason"]) == (False, "disabled by ada@acme.test")


def test_rotate_endpoint_secret(admin_client, endpoint):
    old = endpoint.secret
    before = timezone.now()
    response = admin_client.post(f"{BASE}/endpoints/{endpoint.id}/rotate-secret", {}, format="json")
    assert response.status_code == 200, response.content
    body = response.json()
    endpoint.refresh_from_db()
    assert body["secret"] == endpoint.secret != old
    expires = parse_datetime(body["previousSecretExpiresAt"])
    assert before + timedelta(hours=24) <= expires <= timezone.now() + timedelta(hours=24)
    [previous] = SigningSecret.objects.filter(endpoint=endpoint)
    assert (previous.secret, previous.expires_at) == (old, expires)

    short = admin_client.post(
        f"{BASE}/endpoints/{endpoint.id}/rotate-secret", {"expiresInHours": 2}, format="json"
    ).json()
    assert parse_datetime(short["previousSecretExpiresAt"]) <= timezone.now() + timedelta(hours=2)
    assert SigningSecret.objects.filter(endpoint=endpoint).count() == 2

    for bad in (-1, 721, "soon"):
        error = _error(
            admin_client.post(
                f"{BASE}/endpoints/{endpoint.id}/rotate-secret", {"expiresInHours": bad}, format="json"
            ),
            400,
        )
        assert "expiresInHours" in error["fields"]


def test_rotate_organization_secret(admin_client, org, receiver, make_interview, emit_event):
    old = org.webhook_secret
    response = admin_client.post(f"{BASE}/secret/rotate", {"expiresInHours": 1}, format="json")
    assert response.status_code == 200, response.content
    org.refresh_from_db()
    assert response.json()["secret"] == org.webhook_secret != old
    # A callbackUrl delivery now verifies with either secret.
    emit_event(make_interview(receiver.url + "/hook"))
    [request] = receiver.requests
    for secret in (org.webhook_secret, old):
        Webhook(secret).verify(request.body, request.headers)


# --- Deliveries ------------------------------------------------------------------


def test_delivery_log_is_newest_first_filtered_and_paginated(
    admin_client, org, other_org, receiver, make_interview, emit_event, settings
):
    settings.WEBHOOK_RETRY_SCHEDULE = [3600]
    first = make_interview(receiver.url + "/a")
    second = make_interview(receiver.url + "/b")
    receiver.script([200, 500, 200])
    e1 = emit_event(first, "interview.plan_generated", {"planId": "p"})
    e2 = emit_event(first, "interview.plan_approved", {"interviewLink": "x"})  # 500: waits to retry
    e3 = emit_event(second, "interview.plan_generated", {"planId": "q"})
    emit_event(make_interview(receiver.url + "/other", organization=other_org))  # never listed

    page = admin_client.get(f"{BASE}/deliveries").json()
    assert page["count"] == 3
    assert [d["webhookId"] for d in page["results"]] == [e3.webhook_id, e2.webhook_id, e1.webhook_id]
    pending = page["results"][1]
    assert pending | {"id": None, "createdAt": None, "nextAttemptAt": None, "attempts": None} == {
        "id": None,
        "event": "interview.plan_approved",
        "webhookId": e2.webhook_id,
        "sequence": 2,
        "runId": str(first.run_id),
        "interviewId": str(first.id),
        "endpointId": None,
        "url": receiver.url + "/a",
        "status": "PENDING",
        "attemptCount": 1,
        "nextAttemptAt": None,
        "lastStatusCode": 500,
        "lastError": "HTTP 500",
        "redeliveryOf": None,
        "createdAt": None,
        "completedAt": None,
        "attempts": None,
    }
    assert parse_datetime(pending["nextAttemptAt"]) > timezone.now() + timedelta(minutes=50)
    [attempt] = pending["attempts"]
    assert (attempt["number"], attempt["statusCode"], attempt["outcome"]) == (1, 500, "retry")
    assert "error" not in attempt  # the list has a summary; the detail has everything
    assert page["results"][0]["nextAttemptAt"] is None  # finished

    def ids(query: str) -> list[str]:
        response = admin_client.get(f"{BASE}/deliveries?{query}")
        assert response.status_code == 200, response.content
        return [d["webhookId"] for d in response.json()["results"]]

    assert ids("status=PENDING") == [e2.webhook_id]
    assert ids("status=succeeded") == [e3.webhook_id, e1.webhook_id]
    assert ids("event=interview.plan_generated") == [e3.webhook_id, e1.webhook_id]
    assert ids(f"runId={first.run_id}") == [e2.webhook_id, e1.webhook_id]
    assert ids(f"runId={first.run_id}&status=SUCCEEDED") == [e1.webhook_id]

    paged = admin_client.get(f"{BASE}/deliveries?pageSize=2").json()
    assert (paged["count"], len(paged["results"])) == (3, 2) and paged["next"]
    rest = admin_client.get(paged["next"]).json()
    assert [d["webhookId"] for d in rest["results"]] == [e1.webhook_id] and rest["next"] is None

    assert "status" in _error(admin_client.get(f"{BASE}/deliveries?status=LOST"), 400)["fields"]
    assert "runId" in _error(admin_client.get(f"{BASE}/deliveries?runId=nope"), 400)["fields"]


def test_delivery_detail_has_every_attempt_and_the_body(
    admin_client, receiver, make_interview, emit_event, settings
):
    settings.WEBHOOK_RETRY_SCHEDULE = [0]  # eager jobs: the retry runs at once
    receiver.script([503, Reply(200, body=b"thanks")])
    event = emit_event(make_interview(receiver.url + "/hook"), "interview.plan_generated", {"planId": "p"})
    delivery = Delivery.objects.get(event=event)
    body = admin_client.get(f"{BASE}/deliveries/{delivery.id}").json()
    assert body["payload"] == event.payload
    assert [(a["number"], a["statusCode"], a["outcome"]) for a in body["attempts"]] == [
        (1, 503, "retry"),
        (2, 200, "succeeded"),
    ]
    assert body["attempts"][0]["error"] == "HTTP 503"
    assert body["attempts"][1]["responseExcerpt"] == "thanks"


def test_redeliver(admin_client, receiver, failed_delivery):
    response = admin_client.post(f"{BASE}/deliveries/{failed_delivery.id}/redeliver")
    assert response.status_code == 202, response.content
    body = response.json()
    new = Delivery.objects.get(id=body["id"])
    assert new.redelivery_of == failed_delivery and body["redeliveryOf"] == str(failed_delivery.id)
    assert (body["webhookId"], body["status"], body["url"]) == (
        failed_delivery.event.webhook_id,
        "PENDING",
        failed_delivery.url,
    )
    # Still being delivered: a 409, nothing new created.
    error = _error(admin_client.post(f"{BASE}/deliveries/{new.id}/redeliver"), 409, "wrong_state")
    assert error["fields"] == {"status": "PENDING"}
    assert Delivery.objects.count() == 2


def test_redeliver_to_a_disabled_endpoint_is_refused(admin_client, org, receiver, make_interview):
    endpoint = Endpoint.objects.create(organization=org, url=receiver.url + "/hook", is_active=False)
    with transaction.atomic():
        event = services.emit(make_interview(), "interview.started", {})
    delivery = Delivery.objects.create(event=event, endpoint=endpoint, url=endpoint.url, status="FAILED")
    _error(admin_client.post(f"{BASE}/deliveries/{delivery.id}/redeliver"), 409, "endpoint_disabled")
    assert not Delivery.objects.filter(redelivery_of=delivery).exists()


# --- Who may do what ---------------------------------------------------------------


def _routes(endpoint_id, delivery_id):
    return [
        ("get", f"{BASE}/endpoints", None),
        ("post", f"{BASE}/endpoints", {"url": PUBLIC_URL}),
        ("get", f"{BASE}/endpoints/{endpoint_id}", None),
        ("patch", f"{BASE}/endpoints/{endpoint_id}", {"isActive": False}),
        ("post", f"{BASE}/endpoints/{endpoint_id}/disable", {}),
        ("post", f"{BASE}/endpoints/{endpoint_id}/rotate-secret", {}),
        ("get", f"{BASE}/deliveries", None),
        ("get", f"{BASE}/deliveries/{delivery_id}", None),
        ("post", f"{BASE}/deliveries/{delivery_id}/redeliver", {}),
        ("post", f"{BASE}/secret/rotate", {}),
    ]


def _call(client, method, url, data):
    return getattr(client, method)(url, data, format="json") if data is not None else client.get(url)


def test_recruiters_and_strangers_are_refused(
    recruiter_client, ats, endpoint, failed_delivery, org, settings
):
    settings.WEBHOOK_ALLOWED_NETWORKS = []
    secret = org.webhook_secret
    for method, url, data in _routes(endpoint.id, failed_delivery.id):
        _error(_call(recruiter_client, method, url, data), 403, "forbidden")
        _error(_call(APIClient(), method, url, data), 401, "unauthenticated")
        # An ATS's API key is for the A2A API, not for managing webhooks.
        _error(_call(ats, method, url, data), 401, "unauthenticated")
    endpoint.refresh_from_db()
    org.refresh_from_db()
    assert endpoint.is_active and org.webhook_secret == secret
    assert Endpoint.objects.count() == 1 and Delivery.objects.count() == 1


def test_another_organizations_objects_are_not_found(
    outsider_admin_client, admin_client, endpoint, failed_delivery, org, settings
):
    settings.WEBHOOK_ALLOWED_NETWORKS = []
    for method, url, data in _routes(endpoint.id, failed_delivery.id):
        response = _call(outsider_admin_client, method, url, data)
        if str(endpoint.id) in url or str(failed_delivery.id) in url:
            _error(response, 404, "not_found")
        else:
            assert response.status_code in (200, 201), (url, response.content)
    # What the outsider did happened in their own organization only.
    assert admin_client.get(f"{BASE}/endpoints").json()["results"][0]["id"] == str(endpoint.id)
    assert len(admin_client.get(f"{BASE}/endpoints").json()["results"]) == 1
    assert outsider_admin_client.get(f"{BASE}/deliveries").json()["count"] == 0
    endpoint.refresh_from_db()
    assert endpoint.is_active and not SigningSecret.objects.filter(endpoint=endpoint).exists()
    assert not Delivery.objects.filter(redelivery_of=failed_delivery).exists()
    assert SigningSecret.objects.filter(organization=org).count() == 0


def test_malformed_ids_are_not_found(admin_client):
    _error(admin_client.get(f"{BASE}/endpoints/not-a-uuid"), 404, "not_found")
    _error(admin_client.get(f"{BASE}/deliveries/123"), 404, "not_found")

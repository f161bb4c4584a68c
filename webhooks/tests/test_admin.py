from __future__ import annotations

from datetime import timedelta

import pytest
from django.db import transaction
from django.utils import timezone

from webhooks import services
from webhooks.models import Delivery, DeliveryStatus, Endpoint, SigningSecret

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.urls("webhooks.tests.urls"),
    pytest.mark.usefixtures("allow_loopback"),
]


def test_pages_render(ops, org, failed_delivery):
    endpoint = Endpoint.objects.create(organization=org, url="https://ats.example.com/hook")
    event = failed_delivery.event
    pages = {
        "/ops/webhooks/endpoint/": endpoint.url,
        f"/ops/webhooks/endpoint/{endpoint.id}/change/": endpoint.secret[:8] + "…",
        "/ops/webhooks/event/": "interview.plan_generated",
        f"/ops/webhooks/event/{event.id}/change/": event.webhook_id,
        "/ops/webhooks/delivery/": failed_delivery.url,
        "/ops/webhooks/delivery/?status__exact=FAILED": failed_delivery.url,
        "/ops/webhooks/delivery/?q=plan_generated": failed_delivery.url,
        f"/ops/webhooks/delivery/{failed_delivery.id}/change/": "HTTP 400",
    }
    for url, expected in pages.items():
        response = ops.get(url)
        assert response.status_code == 200, url
        assert expected in response.content.decode(), url


def test_log_is_read_only(ops, failed_delivery):
    assert ops.get("/ops/webhooks/delivery/add/").status_code == 403
    assert ops.get("/ops/webhooks/event/add/").status_code == 403
    page = ops.get(f"/ops/webhooks/delivery/{failed_delivery.id}/change/").content.decode()
    assert 'name="_save"' not in page


def test_the_log_cannot_be_deleted(ops, failed_delivery):
    event = failed_delivery.event
    for url in (
        f"/ops/webhooks/event/{event.id}/delete/",
        f"/ops/webhooks/delivery/{failed_delivery.id}/delete/",
    ):
        assert ops.get(url).status_code == 403, url
        assert ops.post(url, {"post": "yes"}).status_code == 403, url
    for changelist in ("/ops/webhooks/event/", "/ops/webhooks/delivery/"):
        assert "delete_selected" not in ops.get(changelist).content.decode(), changelist
    response = ops.post(
        "/ops/webhooks/delivery/",
        {"action": "delete_selected", "_selected_action": [failed_delivery.id], "post": "yes"},
    )
    assert response.status_code in (200, 302)
    assert Delivery.objects.filter(id=failed_delivery.id).exists()
    assert event.deliveries.exists()


def test_redeliver_action(ops, receiver, failed_delivery, make_interview, django_capture_on_commit_callbacks):
    with transaction.atomic():
        in_progress = services.emit(make_interview(receiver.url + "/other"), "interview.started", {})
    pending = Delivery.objects.get(event=in_progress)
    # Waiting for its retry: still being delivered.
    Delivery.objects.filter(id=pending.id).update(next_attempt_at=timezone.now() + timedelta(minutes=5))
    receiver.script([200])
    with django_capture_on_commit_callbacks(execute=True):
        response = ops.post(
            "/ops/webhooks/delivery/",
            {"action": "redeliver_selected", "_selected_action": [failed_delivery.id, pending.id]},
            follow=True,
        )
    assert response.status_code == 200
    text = response.content.decode()
    assert "Queued 1 redeliveries" in text and "Skipped 1 still in progress" in text
    again = Delivery.objects.get(redelivery_of=failed_delivery)
    assert again.status == DeliveryStatus.SUCCEEDED
    assert receiver.paths() == ["/hook", "/hook"]
    assert receiver.requests[0].headers["webhook-id"] == receiver.requests[1].headers["webhook-id"]


def test_endpoint_form_refuses_internal_urls(ops, org, settings):
    settings.WEBHOOK_ALLOWED_NETWORKS = []
    data = {"organization": org.id, "url": "http://169.254.169.254/latest", "is_active": "on"}
    response = ops.post("/ops/webhooks/endpoint/add/", data)
    assert response.status_code == 200
    assert "link-local address" in response.content.decode()
    assert not Endpoint.objects.exists()
    data["url"] = "https://93.184.216.34/hook"
    assert ops.post("/ops/webhooks/endpoint/add/", data).status_code == 302
    endpoint = Endpoint.objects.get()
    assert endpoint.secret.startswith("whsec_")


def test_turning_an_endpoint_off_and_on_in_ops(ops, org, settings):
    settings.WEBHOOK_ALLOWED_NETWORKS = []
    endpoint = Endpoint.objects.create(
        organization=org,
        url="https://93.184.216.34/hook",
        is_active=False,
        disabled_reason="no successful delivery for 5 days",
        disabled_at=timezone.now(),
        failing_since=timezone.now(),
    )
    page = f"/ops/webhooks/endpoint/{endpoint.id}/change/"
    data = {"organization": org.id, "url": endpoint.url, "description": "", "disabled_reason": ""}
    assert ops.post(page, {**data, "is_active": "on"}).status_code == 302
    endpoint.refresh_from_db()
    # Back on with a clean slate, as when re-enabled through the API.
    assert (endpoint.is_active, endpoint.failing_since, endpoint.disabled_at) == (True, None, None)

    assert ops.post(page, data).status_code == 302
    endpoint.refresh_from_db()
    assert not endpoint.is_active and endpoint.disabled_at is not None
    assert endpoint.disabled_reason == "disabled by ops@acme.test"


def test_changing_an_endpoint_in_ops_goes_through_the_services(ops, org, other_org, make_interview, settings):
    settings.WEBHOOK_ALLOWED_NETWORKS = []
    endpoint = Endpoint.objects.create(organization=org, url="https://93.184.216.34/hook")
    with transaction.atomic():  # not committed in this test: the delivery stays waiting
        event = services.emit(make_interview(), "interview.started", {})
    waiting = Delivery.objects.get(event=event)
    assert (waiting.status, waiting.endpoint_id) == (DeliveryStatus.PENDING, endpoint.id)

    page = f"/ops/webhooks/endpoint/{endpoint.id}/change/"
    data = {
        "organization": other_org.id,
        "url": "https://93.184.216.35/new-hook",
        "description": "corrected",
        "is_active": "on",
        "disabled_reason": "",
    }
    assert ops.post(page, data).status_code == 302
    endpoint.refresh_from_db()
    assert (endpoint.url, endpoint.description) == ("https://93.184.216.35/new-hook", "corrected")
    # The waiting delivery follows the endpoint to its new URL, as through the API.
    waiting.refresh_from_db()
    assert (waiting.url, waiting.host) == ("https://93.184.216.35/new-hook", "93.184.216.35:443")
    # And the endpoint stays with its organization.
    assert endpoint.organization_id == org.id


def test_rotate_secret_action(ops, org):
    endpoint = Endpoint.objects.create(organization=org, url="https://93.184.216.34/hook")
    old = endpoint.secret
    response = ops.post(
        "/ops/webhooks/endpoint/", {"action": "rotate_secret", "_selected_action": [endpoint.id]}, follow=True
    )
    assert "Rotated 1 secrets" in response.content.decode()
    endpoint.refresh_from_db()
    assert endpoint.secret != old
    assert SigningSecret.objects.get(endpoint=endpoint).secret == old


def test_adding_an_endpoint_off_and_correcting_why_in_ops(ops, org, settings):
    settings.WEBHOOK_ALLOWED_NETWORKS = []
    data = {
        "organization": org.id,
        "url": "https://93.184.216.34/hook",
        "description": "",
        "disabled_reason": "",
    }
    response = ops.post("/ops/webhooks/endpoint/add/", data)
    endpoint = Endpoint.objects.get()
    assert response.status_code == 302
    assert not endpoint.is_active and endpoint.disabled_at is not None
    assert endpoint.disabled_reason == "disabled by ops@acme.test"

    page = f"/ops/webhooks/endpoint/{endpoint.id}/change/"
    assert ops.post(page, {**data, "disabled_reason": "receiver moves next week"}).status_code == 302
    endpoint.refresh_from_db()
    assert (endpoint.is_active, endpoint.disabled_reason) == (False, "receiver moves next week")
    # An emptied note keeps the one there is.
    assert ops.post(page, data).status_code == 302
    endpoint.refresh_from_db()
    assert endpoint.disabled_reason == "receiver moves next week"

"""Redelivery: a finished delivery's event sent again, with the same webhook-id."""

from __future__ import annotations

import pytest
from django.db import transaction
from standardwebhooks.webhooks import Webhook

from webhooks import services
from webhooks.delivery import destination
from webhooks.models import Delivery, DeliveryStatus, Endpoint

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("allow_loopback")]


def test_redeliver_sends_the_same_event_again(
    org, receiver, make_interview, emit_event, django_capture_on_commit_callbacks
):
    event = emit_event(make_interview(receiver.url + "/hook"))
    original = Delivery.objects.get(event=event)
    assert original.status == DeliveryStatus.SUCCEEDED
    with django_capture_on_commit_callbacks(execute=True):
        again = services.redeliver(original)
    assert again.id != original.id and again.redelivery_of_id == original.id
    again.refresh_from_db()
    assert (again.status, again.url, again.attempt_count) == (DeliveryStatus.SUCCEEDED, original.url, 1)
    first, second = receiver.requests
    assert first.headers["webhook-id"] == second.headers["webhook-id"] == event.webhook_id
    assert first.body == second.body
    Webhook(org.webhook_secret).verify(second.body, second.headers)


def test_redeliver_to_an_endpoint_goes_to_its_current_url(
    org, receiver, make_interview, emit_event, django_capture_on_commit_callbacks
):
    endpoint = Endpoint.objects.create(organization=org, url=receiver.url + "/old")
    event = emit_event(make_interview())  # no callbackUrl: the organization's endpoint
    original = Delivery.objects.get(event=event)
    assert (original.status, original.endpoint_id) == (DeliveryStatus.SUCCEEDED, endpoint.id)
    # The URL was corrected since; the old one may not even be the receiver's any more.
    services.endpoint_update(endpoint, by="ops@acme.test", url=receiver.url + "/new")
    with django_capture_on_commit_callbacks(execute=True):
        again = services.redeliver(original)
    again.refresh_from_db()
    assert (again.url, again.host, again.endpoint_id) == (
        receiver.url + "/new",
        destination(receiver.url),
        endpoint.id,
    )
    assert again.status == DeliveryStatus.SUCCEEDED
    assert receiver.paths() == ["/old", "/new"]
    Webhook(endpoint.secret).verify(receiver.requests[1].body, receiver.requests[1].headers)


def test_redeliver_refuses_a_disabled_endpoint(org, receiver, make_interview, emit_event):
    endpoint = Endpoint.objects.create(organization=org, url=receiver.url + "/hook")
    original = Delivery.objects.get(event=emit_event(make_interview()))
    services.endpoint_disable(endpoint, "turned off by an operator")
    with pytest.raises(services.EndpointDisabled):
        services.redeliver(original)
    assert not Delivery.objects.filter(redelivery_of=original).exists()


def test_redeliver_refuses_a_delivery_in_progress(receiver, make_interview):
    with transaction.atomic():
        event = services.emit(make_interview(receiver.url + "/hook"), "interview.started", {})
    with pytest.raises(services.NotFinished):
        services.redeliver(Delivery.objects.get(event=event))

"""Webhook events as an outbox, redelivery, and managing endpoints.

``emit`` writes the Event and its Delivery rows inside the business
transaction, so a rolled-back change sends nothing, and enqueues delivery only
once that transaction commits (the attempts themselves are ``delivery``'s).
``redeliver`` sends a finished delivery's event again. The ``endpoint_*``
services are the one way endpoints are created and changed, from the
management API and from the operators' admin alike.
"""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone

from interview_platform import prepared
from interview_platform.api import WrongState

from . import signing
from .delivery import destination
from .models import FINISHED, Delivery, DeliveryStatus, Endpoint, Event
from .queueing import enqueue_on_commit


class NotFinished(WrongState):
    """Only a delivery that succeeded or failed can be redelivered."""


class EndpointDisabled(WrongState):
    """A delivery to a disabled endpoint is not redelivered until the endpoint is re-enabled."""

    code = "endpoint_disabled"


# --- Recording events -------------------------------------------------------------


def emit(interview, event_type: str, data: dict, *, sequence_saved: bool = False) -> Event:
    """Record ``event_type`` for ``interview`` and schedule its deliveries.

    Must run inside the transaction that made the change, with the interview
    row locked (or just created), so the sequence number is allocated safely
    and a rolled-back change sends nothing. ``sequence_saved``: the caller has
    already counted this event in ``interview.event_sequence`` and saved it with
    its own change, sparing an update.
    """
    assert transaction.get_connection().in_atomic_block, "emit() needs the business transaction"
    if not sequence_saved:
        interview.event_sequence += 1
        prepared.update(type(interview), interview.pk, {"event_sequence": interview.event_sequence})
    now = timezone.now()
    payload = {
        "event": event_type,
        "runId": str(interview.run_id),
        "interviewId": str(interview.id),
        "state": interview.state,
        "timestamp": signing.iso_time(now),
        "data": {**data, "sequence": interview.event_sequence},
    }
    event = Event(
        organization_id=interview.organization_id,
        interview=interview,
        type=event_type,
        sequence=interview.event_sequence,
        payload=payload,
        body=signing.serialize(payload).decode(),
        created_at=now,
    )
    prepared.insert([event])
    if interview.callback_url:
        targets = [_delivery(event, interview.callback_url, now)]
    else:
        targets = [
            _delivery(event, endpoint.url, now, endpoint=endpoint)
            for endpoint in Endpoint.objects.filter(organization_id=interview.organization_id, is_active=True)
        ]
    deliveries = prepared.insert(targets)
    if deliveries:
        enqueue_on_commit(d.host for d in deliveries)
    return event


def _delivery(event: Event, url: str, now, endpoint: Endpoint | None = None, **extra) -> Delivery:
    return Delivery(
        event=event, endpoint=endpoint, url=url, host=destination(url), next_attempt_at=now, **extra
    )


def redeliver(delivery: Delivery) -> Delivery:
    """Send a finished delivery's event again, as a new Delivery.

    To a registered endpoint's current URL (it may have been corrected since
    the first delivery, and the old one may now belong to someone else); to
    the same URL for a per-interview callbackUrl. The event is the same, so
    the webhook-id is the same: a receiver that already processed it can
    recognise the duplicate.
    """
    if delivery.status not in FINISHED:
        raise NotFinished(
            f"delivery {delivery.id} is {delivery.status}; it is still being delivered",
            fields={"status": delivery.status},
        )
    endpoint = None
    url = delivery.url
    if delivery.endpoint_id is not None:
        endpoint = Endpoint.objects.filter(id=delivery.endpoint_id, is_active=True).first()
        if endpoint is None:
            raise EndpointDisabled(
                f"the endpoint of delivery {delivery.id} is disabled; re-enable it before redelivering"
            )
        url = endpoint.url
    with transaction.atomic():
        new = _delivery(delivery.event, url, timezone.now(), endpoint=endpoint, redelivery_of=delivery)
        new.save()
        enqueue_on_commit([new.host])
    return new


# --- Endpoints --------------------------------------------------------------------


def endpoint_create(
    *, organization_id, url: str, description: str = "", is_active: bool = True, reason: str = ""
) -> Endpoint:
    """Register an endpoint; one created off says why (``reason``) and since when."""
    if is_active:
        reason, disabled_at = "", None
    else:
        disabled_at = timezone.now()
    return Endpoint.objects.create(
        organization_id=organization_id,
        url=url,
        description=description,
        is_active=is_active,
        disabled_reason=reason[:300],
        disabled_at=disabled_at,
    )


@transaction.atomic
def endpoint_update(
    endpoint: Endpoint,
    *,
    by: str,
    url: str | None = None,
    description: str | None = None,
    is_active: bool | None = None,
    reason: str | None = None,
) -> Endpoint:
    """Change an endpoint's URL and/or description, and turn it on or off.

    Deliveries still waiting for a retry follow the endpoint to its new URL:
    a corrected URL is usually why it is changed. ``is_active=False`` turns it
    off with ``reason`` (default: "disabled by ``by``"); for an endpoint that
    is off already, a given ``reason`` corrects the note on why.
    """
    changes = {}
    if url is not None and url != endpoint.url:
        changes["url"] = url
        Delivery.objects.filter(endpoint_id=endpoint.id, status=DeliveryStatus.PENDING).update(
            url=url, host=destination(url)
        )
        # Those due now go to the new destination at once (retries have their own jobs).
        enqueue_on_commit([destination(url)])
    if description is not None:
        changes["description"] = description
    if changes:
        Endpoint.objects.filter(id=endpoint.id).update(**changes)
        endpoint.refresh_from_db()
    if is_active is True and not endpoint.is_active:
        endpoint = endpoint_enable(endpoint)
    elif is_active is False and endpoint.is_active:
        endpoint = endpoint_disable(endpoint, reason or f"disabled by {by}")
    elif is_active is False and reason and reason[:300] != endpoint.disabled_reason:
        Endpoint.objects.filter(id=endpoint.id).update(disabled_reason=reason[:300])
        endpoint.refresh_from_db()
    return endpoint


def endpoint_enable(endpoint: Endpoint) -> Endpoint:
    """Turn an endpoint back on with a clean slate: its failure streak starts over."""
    Endpoint.objects.filter(id=endpoint.id).update(
        is_active=True, disabled_reason="", disabled_at=None, failing_since=None
    )
    endpoint.refresh_from_db()
    return endpoint


def endpoint_disable(endpoint: Endpoint, reason: str) -> Endpoint:
    """Stop sending to ``endpoint``. Disabling a disabled endpoint keeps its first reason."""
    Endpoint.objects.filter(id=endpoint.id, is_active=True).update(
        is_active=False, disabled_reason=reason[:300], disabled_at=timezone.now()
    )
    endpoint.refresh_from_db()
    return endpoint

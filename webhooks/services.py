"""Webhook events as an outbox, and their delivery.

``emit`` writes the Event and its Delivery rows inside the business
transaction, so a rolled-back change sends nothing, and enqueues delivery only
once that transaction commits. ``attempt_delivery`` makes one attempt: it
claims the row with a conditional UPDATE (two workers never send the same
attempt), sends through ``transport``, records an Attempt, and schedules the
next try. ``sweep_deliveries`` re-enqueues what a lost worker or a lost
message left behind.
"""

from __future__ import annotations

import logging
import random
import time
from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import F
from django.utils import timezone

from interview_platform.jobs import enqueue

from . import signing, transport
from .models import Attempt, AttemptOutcome, Delivery, DeliveryStatus, Endpoint, Event

logger = logging.getLogger(__name__)

# A claim outlives the longest a single attempt can take (connect timeout +
# read timeout) with room to spare; after that the sweeper takes it back.
CLAIM_MARGIN = timedelta(seconds=60)
# Retry delays are spread by ±10% so deliveries that failed together (a
# receiver outage) do not all come back in the same second.
JITTER = 0.10
SWEEP_BATCH = 500
# A due PENDING delivery normally has its job already queued (with a
# countdown). The sweeper only re-enqueues those overdue by this much, so a
# busy queue is not flooded with duplicates every sweep.
SWEEP_GRACE = timedelta(seconds=60)
# Retry-After is honoured up to this many seconds (or the longest scheduled
# delay if larger): a delayed job must fire before the broker's visibility
# timeout (max schedule + 1 h) redelivers it.
RETRY_AFTER_CAP = 3600

FINISHED = (DeliveryStatus.SUCCEEDED, DeliveryStatus.FAILED)


class NotFinished(ValueError):
    """Only a delivery that succeeded or failed can be redelivered."""


def _timestamp(dt) -> str:
    return dt.strftime("%Y-%m-%dT%H:%M:%S.") + f"{dt.microsecond // 1000:03d}Z"


# --- Recording events -------------------------------------------------------------


def emit(interview, event_type: str, data: dict) -> Event:
    """Record ``event_type`` for ``interview`` and schedule its deliveries.

    Must run inside the transaction that made the change, with the interview
    row locked (or just created), so the sequence number is allocated safely
    and a rolled-back change sends nothing.
    """
    assert transaction.get_connection().in_atomic_block, "emit() needs the business transaction"
    interview.event_sequence += 1
    type(interview).objects.filter(pk=interview.pk).update(event_sequence=interview.event_sequence)
    now = timezone.now()
    payload = {
        "event": event_type,
        "runId": str(interview.run_id),
        "interviewId": str(interview.id),
        "state": interview.state,
        "timestamp": _timestamp(now),
        "data": {**data, "sequence": interview.event_sequence},
    }
    event = Event.objects.create(
        organization_id=interview.organization_id,
        interview=interview,
        type=event_type,
        sequence=interview.event_sequence,
        payload=payload,
        body=signing.serialize(payload).decode(),
        created_at=now,
    )
    if interview.callback_url:
        targets = [Delivery(event=event, url=interview.callback_url, next_attempt_at=now)]
    else:
        targets = [
            Delivery(event=event, endpoint=endpoint, url=endpoint.url, next_attempt_at=now)
            for endpoint in Endpoint.objects.filter(organization_id=interview.organization_id, is_active=True)
        ]
    deliveries = Delivery.objects.bulk_create(targets)
    if deliveries:
        ids = [str(d.id) for d in deliveries]
        transaction.on_commit(lambda: _enqueue_deliveries(ids))
    return event


def _enqueue_deliveries(ids: list[str], countdown: float = 0) -> None:
    from .tasks import deliver

    for delivery_id in ids:
        enqueue(deliver, delivery_id, countdown=countdown)


# --- Delivering -------------------------------------------------------------------


def _claim_window() -> timedelta:
    return timedelta(seconds=2 * settings.WEBHOOK_TIMEOUT_SECONDS) + CLAIM_MARGIN


def max_attempts() -> int:
    """The first attempt plus one per entry of the retry schedule."""
    return len(settings.WEBHOOK_RETRY_SCHEDULE) + 1


def retry_delay(attempt_number: int, retry_after: float | None = None) -> float | None:
    """Seconds to wait after temporary failure number ``attempt_number`` (1-based).

    None when the schedule is exhausted and the delivery should give up.
    """
    schedule = settings.WEBHOOK_RETRY_SCHEDULE
    if attempt_number > len(schedule):
        return None
    delay = schedule[attempt_number - 1] * random.uniform(1 - JITTER, 1 + JITTER)
    if retry_after is not None:
        cap = max(RETRY_AFTER_CAP, max(schedule))
        delay = max(delay, min(retry_after, cap))
    return delay


def _secret(delivery: Delivery) -> str:
    # An organization's default endpoint has its own secret; a per-interview
    # callbackUrl is signed with the organization's.
    if delivery.endpoint_id is not None:
        return delivery.endpoint.secret
    return delivery.event.organization.webhook_secret


def _body(event: Event) -> bytes:
    # Events recorded before the body column existed are serialized here;
    # the result is the same for every attempt of that event.
    return event.body.encode() if event.body else signing.serialize(event.payload)


def attempt_delivery(delivery_id) -> Attempt | None:
    """Make one attempt at ``delivery_id`` if it is due and nobody else is on it.

    Returns the recorded Attempt, or None when the delivery was not claimed
    (already sent, not due yet, or claimed by another worker). Safe to call
    any number of times: only the caller whose UPDATE claimed the row sends.
    """
    now = timezone.now()
    # The claim also numbers the attempt: a worker that dies after claiming
    # still used up an attempt (it may have sent the request), and a stale
    # worker's late result can be told apart from a newer claim's.
    claimed = Delivery.objects.filter(
        id=delivery_id, status=DeliveryStatus.PENDING, next_attempt_at__lte=now
    ).update(
        status=DeliveryStatus.SENDING,
        claimed_until=now + _claim_window(),
        attempt_count=F("attempt_count") + 1,
    )
    if not claimed:
        return None
    delivery = Delivery.objects.select_related("event__organization", "endpoint").get(id=delivery_id)
    number = delivery.attempt_count
    started_at = timezone.now()
    if delivery.endpoint_id is not None and not delivery.endpoint.is_active:
        # Another delivery got a 410 (or an operator disabled it): stop here.
        reason = delivery.endpoint.disabled_reason or "disabled"
        result = transport.Result(transport.Outcome.PERMANENT, error=f"endpoint disabled: {reason}")
    else:
        event = delivery.event
        body = _body(event)
        # Same webhook-id on every attempt (receivers deduplicate on it); a
        # fresh timestamp each time, since receivers reject old ones.
        headers = signing.headers(_secret(delivery), event.webhook_id, int(time.time()), body)
        result = transport.post(delivery.url, body, headers)
    return _record(delivery, number, started_at, result)


def _record(delivery: Delivery, number: int, started_at, result: transport.Result) -> Attempt:
    now = timezone.now()
    delay = None
    if result.outcome is transport.Outcome.SUCCESS:
        status, outcome = DeliveryStatus.SUCCEEDED, AttemptOutcome.SUCCEEDED
    elif result.outcome is transport.Outcome.TEMPORARY:
        delay = retry_delay(number, result.retry_after)
        if delay is None:
            status, outcome = DeliveryStatus.FAILED, AttemptOutcome.FAILED
        else:
            status, outcome = DeliveryStatus.PENDING, AttemptOutcome.RETRY
    else:  # PERMANENT or GONE: retrying would not change the answer
        status, outcome = DeliveryStatus.FAILED, AttemptOutcome.FAILED
    error = result.error
    if status == DeliveryStatus.FAILED and result.outcome is transport.Outcome.TEMPORARY:
        error = f"{error} (gave up after {number} attempts)"

    with transaction.atomic():
        # update_or_create: if the sweeper already wrote a "worker lost" row
        # for this attempt number, the real result replaces it.
        attempt, _ = Attempt.objects.update_or_create(
            delivery=delivery,
            number=number,
            defaults={
                "started_at": started_at,
                "duration_ms": result.duration_ms,
                "status_code": result.status_code,
                "response_excerpt": result.body_excerpt[: transport.EXCERPT_BYTES],
                "error": error,
                "outcome": outcome,
            },
        )
        # Only while the row is still this attempt's (attempt_count unchanged):
        # if the sweeper took it back and another worker claimed it since,
        # that worker owns the status now.
        updated = (
            Delivery.objects.filter(id=delivery.id, attempt_count=number)
            .exclude(status=DeliveryStatus.SUCCEEDED)
            .update(
                status=status,
                next_attempt_at=now + timedelta(seconds=delay) if delay is not None else now,
                claimed_until=None,
                last_status_code=result.status_code,
                last_error=error,
                completed_at=now if status in FINISHED else None,
            )
        )
        if result.outcome is transport.Outcome.GONE and delivery.endpoint_id is not None:
            Endpoint.objects.filter(id=delivery.endpoint_id, is_active=True).update(
                is_active=False,
                disabled_reason=(
                    f"{delivery.url} answered 410 Gone at {_timestamp(now)} (delivery {delivery.id})"
                )[:300],
            )

    if result.outcome is transport.Outcome.SUCCESS:
        logger.info("webhook %s delivered to %s (attempt %d)", delivery.event_id, delivery.url, number)
    else:
        logger.warning(
            "webhook %s to %s, attempt %d: %s -> %s", delivery.event_id, delivery.url, number, error, status
        )
    if updated and status == DeliveryStatus.PENDING:
        _enqueue_deliveries([str(delivery.id)], countdown=delay or 0)
    return attempt


# --- Recovering -------------------------------------------------------------------


def _recover_lost_claim(delivery_id, now) -> bool:
    """Take back a delivery whose worker claimed it and never reported. True if requeued."""
    with transaction.atomic():
        delivery = (
            Delivery.objects.select_for_update()
            .filter(id=delivery_id, status=DeliveryStatus.SENDING, claimed_until__lt=now)
            .first()
        )
        if delivery is None:  # it finished (or was recovered) meanwhile
            return False
        exhausted = delivery.attempt_count >= max_attempts()
        error = "no result recorded: the worker was lost during this attempt"
        Attempt.objects.get_or_create(
            delivery=delivery,
            number=delivery.attempt_count,
            defaults={
                "started_at": delivery.claimed_until - _claim_window(),
                "error": error,
                "outcome": AttemptOutcome.FAILED if exhausted else AttemptOutcome.RETRY,
            },
        )
        delivery.status = DeliveryStatus.FAILED if exhausted else DeliveryStatus.PENDING
        delivery.next_attempt_at = now
        delivery.claimed_until = None
        delivery.last_error = error
        delivery.completed_at = now if exhausted else None
        delivery.save(
            update_fields=["status", "next_attempt_at", "claimed_until", "last_error", "completed_at"]
        )
    logger.warning("webhook delivery %s: claim expired, %s", delivery_id, delivery.status)
    return not exhausted


def sweep_deliveries(batch: int = SWEEP_BATCH) -> int:
    """Re-enqueue deliveries a lost worker or a lost message left behind.

    Returns how many deliveries were enqueued. Bounded per run; the next run
    picks up the rest.
    """
    now = timezone.now()
    lost = Delivery.objects.filter(status=DeliveryStatus.SENDING, claimed_until__lt=now).order_by(
        "claimed_until"
    )
    requeue = [d for d in lost.values_list("id", flat=True)[:batch] if _recover_lost_claim(d, now)]
    overdue = Delivery.objects.filter(
        status=DeliveryStatus.PENDING, next_attempt_at__lte=now - SWEEP_GRACE
    ).order_by("next_attempt_at")
    requeue += list(overdue.values_list("id", flat=True)[:batch])
    ids = [str(i) for i in dict.fromkeys(requeue)]
    _enqueue_deliveries(ids)
    if ids:
        logger.info("webhook sweeper re-enqueued %d deliveries", len(ids))
    return len(ids)


def redeliver(delivery: Delivery) -> Delivery:
    """Send a finished delivery's event again, as a new Delivery to the same URL.

    The event is the same, so the webhook-id is the same: a receiver that
    already processed it can recognise the duplicate.
    """
    if delivery.status not in FINISHED:
        raise NotFinished(f"delivery {delivery.id} is {delivery.status}; it is still being delivered")
    with transaction.atomic():
        new = Delivery.objects.create(
            event_id=delivery.event_id,
            endpoint_id=delivery.endpoint_id,
            url=delivery.url,
            redelivery_of=delivery,
            next_attempt_at=timezone.now(),
        )
        transaction.on_commit(lambda: _enqueue_deliveries([str(new.id)]))
    return new

"""Delivering webhooks: one attempt at a time, retried on a schedule, recovered by a sweeper.

``attempt_delivery`` makes one attempt: it claims the row with a conditional
UPDATE (two workers never send the same attempt), sends through
``transport``, records an Attempt, and schedules the next try.
``sweep_deliveries`` re-enqueues what a lost worker or a lost message left
behind.

A cap on deliveries in flight per destination (host:port) keeps one slow
receiver from holding every worker. A delivery that finds its destination full
is parked: no job, no polling. Each delivery that finishes there hands its
slot to the oldest parked one, so a backlog at a slow receiver costs one job
per delivery and never stands in the queue ahead of other receivers' webhooks.
"""

from __future__ import annotations

import logging
import random
import time
from datetime import timedelta
from functools import partial
from urllib.parse import urlsplit

from django.conf import settings
from django.db import connection, transaction
from django.db.models import F
from django.utils import timezone

from interview_platform.jobs import enqueue

from . import signing, transport
from .health import track_endpoint_health
from .models import FINISHED, Attempt, AttemptOutcome, Delivery, DeliveryStatus
from .secrets import signing_secrets

logger = logging.getLogger(__name__)

# Retry delays are spread by ±10% so deliveries that failed together (a
# receiver outage) do not all come back in the same second.
JITTER = 0.10
SWEEP_BATCH = 500


def destination(url: str) -> str:
    """``host:port`` of ``url``: the unit the in-flight cap counts."""
    try:
        parts = urlsplit(url)
        port = parts.port or (443 if parts.scheme == "https" else 80)
    except ValueError:
        return ""
    return f"{(parts.hostname or '').lower()}:{port}"[:300]


# --- Enqueueing -------------------------------------------------------------------


def enqueue_deliveries(ids: list[str], countdown: float = 0) -> None:
    """Enqueue one ``deliver`` job per delivery id; a broker outage is logged, not raised."""
    for n, delivery_id in enumerate(ids):
        try:
            enqueue("webhooks.tasks.deliver", delivery_id, countdown=countdown)
        except Exception as exc:
            # The rows are committed (this runs after commit), so nothing is
            # lost when the broker is down: the sweeper enqueues them once it
            # is back. The caller's request must not fail for it.
            logger.warning(
                "could not enqueue %d webhook deliveries, the sweeper will (%s: %s): %s",
                len(ids) - n,
                type(exc).__name__,
                exc,
                ids[n:],
            )
            return


def enqueue_deliveries_on_commit(ids: list[str]) -> None:
    """Enqueue the deliveries once the current transaction commits (nothing leaves before)."""
    transaction.on_commit(partial(enqueue_deliveries, ids))


# --- The retry schedule -----------------------------------------------------------


def _claim_window() -> timedelta:
    # A claim outlives the longest a single attempt can take (connect timeout
    # + read timeout) with room to spare; after that the sweeper takes it back.
    return timedelta(seconds=2 * settings.WEBHOOK_TIMEOUT_SECONDS + settings.WEBHOOK_CLAIM_MARGIN_SECONDS)


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
        # A delayed job must fire before the broker's visibility timeout
        # redelivers it (see CELERY_VISIBILITY_TIMEOUT).
        cap = max(settings.WEBHOOK_RETRY_AFTER_CAP, max(schedule))
        delay = max(delay, min(retry_after, cap))
    return delay


# --- One attempt ------------------------------------------------------------------


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
        id=delivery_id, status=DeliveryStatus.PENDING, parked=False, next_attempt_at__lte=now
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
        # Another delivery got a 410 (or an admin disabled it): stop here.
        reason = delivery.endpoint.disabled_reason or "disabled"
        result = transport.Result(transport.Outcome.PERMANENT, error=f"endpoint disabled: {reason}")
        return _record(delivery, number, started_at, result, sent=False)
    if _host_busy(delivery, now):
        _park(delivery, number)
        # A slot may have come free between the count and the parking.
        release_parked(delivery.host)
        return None
    event = delivery.event
    body = event.body.encode()
    # Same webhook-id on every attempt (receivers deduplicate on it); a
    # fresh timestamp each time, since receivers reject old ones.
    headers = signing.headers(signing_secrets(delivery), event.webhook_id, int(time.time()), body)
    result = transport.post(delivery.url, body, headers)
    return _record(delivery, number, started_at, result)


def _host_busy(delivery: Delivery, now) -> bool:
    """True when ``delivery``'s destination already had its share in flight before this claim.

    Counted after claiming, this claim included: of two workers claiming at
    once, each sees the other, so the cap is never exceeded (at worst both
    wait). Claims past their time belong to lost workers and do not count.
    """
    return _in_flight(delivery.host, now) > settings.WEBHOOK_MAX_IN_FLIGHT_PER_HOST


def _in_flight(host: str, now) -> int:
    """Deliveries holding a slot at ``host``: claimed by a worker, or handed a slot and not yet claimed."""
    return Delivery.objects.filter(host=host, claimed_until__gt=now).count()


def _park(delivery: Delivery, number: int) -> None:
    """Give the claim back, without using up an attempt, to wait for a slot at the destination."""
    Delivery.objects.filter(id=delivery.id, status=DeliveryStatus.SENDING, attempt_count=number).update(
        status=DeliveryStatus.PENDING,
        attempt_count=F("attempt_count") - 1,
        claimed_until=None,
        parked=True,
    )
    logger.info("webhook delivery %s: %s is busy, parked until a slot frees", delivery.id, delivery.host)


def release_parked(host: str) -> int:
    """Hand the free slots at ``host`` to its parked deliveries, oldest first; how many went."""
    parked = Delivery.objects.filter(host=host, parked=True, status=DeliveryStatus.PENDING).order_by(
        "created_at"
    )
    if not host or not parked.exists():
        return 0
    with transaction.atomic():
        _take_turns(host)
        now = timezone.now()
        free = settings.WEBHOOK_MAX_IN_FLIGHT_PER_HOST - _in_flight(host, now)
        if free <= 0:
            return 0
        ids = list(parked.select_for_update(skip_locked=True).values_list("id", flat=True)[:free])
        # A handed-on delivery holds its slot until its job claims it (or the
        # claim window passes, when the sweeper takes over).
        Delivery.objects.filter(id__in=ids).update(
            parked=False, next_attempt_at=now, claimed_until=now + _claim_window()
        )
    enqueue_deliveries([str(i) for i in ids])
    return len(ids)


def _take_turns(host: str) -> None:
    """Workers handing on slots at one destination do it one at a time (until commit), so each
    counts the slots the previous one handed on. SQLite runs one writer at a time anyway."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(hashtext(%s))", [f"webhook-host:{host}"])


def _verdict(number: int, result: transport.Result) -> tuple[str, str, str, float | None]:
    """(delivery status, attempt outcome, error, seconds until the next try) after attempt ``number``."""
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
    return status, outcome, error, delay


def _record(
    delivery: Delivery, number: int, started_at, result: transport.Result, *, sent: bool = True
) -> Attempt:
    now = timezone.now()
    status, outcome, error, delay = _verdict(number, result)
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
        if sent and delivery.endpoint_id is not None:
            track_endpoint_health(delivery, result, started_at, now)

    if result.outcome is transport.Outcome.SUCCESS:
        logger.info("webhook %s delivered to %s (attempt %d)", delivery.event_id, delivery.url, number)
    else:
        logger.warning(
            "webhook %s to %s, attempt %d: %s -> %s", delivery.event_id, delivery.url, number, error, status
        )
    if updated and status == DeliveryStatus.PENDING:
        enqueue_deliveries([str(delivery.id)], countdown=delay or 0)
    if sent:
        release_parked(delivery.host)  # this attempt's slot is free
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
    # A due PENDING delivery normally has its job already queued (with a
    # countdown). Only those overdue by the grace period are re-enqueued, so a
    # busy queue is not flooded with duplicates every sweep.
    grace = timedelta(seconds=settings.WEBHOOK_SWEEP_GRACE_SECONDS)
    overdue = Delivery.objects.filter(
        status=DeliveryStatus.PENDING, parked=False, next_attempt_at__lte=now - grace
    )
    overdue_ids = list(overdue.order_by("next_attempt_at").values_list("id", flat=True)[:batch])
    # Marked as due "now": while no worker takes them (workers down, broker
    # away) each is re-enqueued once per grace period, not on every sweep, and
    # the next sweep's batch moves on to the ones behind them.
    overdue.filter(id__in=overdue_ids).update(next_attempt_at=now)
    requeue += overdue_ids
    ids = [str(i) for i in dict.fromkeys(requeue)]
    enqueue_deliveries(ids)
    # Parked deliveries whose hand-off was lost with a worker (free slots, nobody handing them on).
    released = sum(release_parked(host) for host in _parked_hosts(batch))
    if ids or released:
        logger.info("webhook sweeper re-enqueued %d deliveries, released %d parked", len(ids), released)
    return len(ids) + released


def _parked_hosts(limit: int) -> list[str]:
    hosts = Delivery.objects.filter(parked=True, status=DeliveryStatus.PENDING).order_by("host")
    return list(hosts.values_list("host", flat=True).distinct()[:limit])

"""Delivering webhooks: attempts recorded, retried on a schedule, recovered by a sweeper.

Deliveries are sent per destination (``host:port``, see ``drain``): a job for
a destination claims its due deliveries a few at a time and sends them over
one kept-alive connection (jobs are enqueued by ``queueing``). This module
holds what every attempt shares: the retry schedule; ``record``, which writes
an Attempt row and the delivery's next state atomically as soon as the
receiver answered, so a worker killed mid-run repeats at most the one
request it was waiting for; and ``sweep_deliveries``, which takes back what
a lost worker or a lost message left behind.
"""

from __future__ import annotations

import contextlib
import hashlib
import logging
import random
from datetime import timedelta
from urllib.parse import urlsplit

from django.conf import settings
from django.core.cache import cache
from django.db import connection, transaction
from django.utils import timezone

from . import transport
from .health import track_endpoint_health
from .models import FINISHED, Attempt, AttemptOutcome, Delivery, DeliveryStatus
from .queueing import enqueue_destinations

logger = logging.getLogger(__name__)

# Retry delays are spread by ±10% so deliveries that failed together (a
# receiver outage) do not all come back in the same second.
JITTER = 0.10
SWEEP_BATCH = 500


def destination(url: str) -> str:
    """``host:port`` of ``url``: the unit deliveries are sent, and limited, by."""
    try:
        parts = urlsplit(url)
        port = parts.port or (443 if parts.scheme == "https" else 80)
    except ValueError:
        return ""
    return f"{(parts.hostname or '').lower()}:{port}"[:300]


# --- The retry schedule -----------------------------------------------------------


def claim_window() -> timedelta:
    """How long a claim lasts past the end of its worker's turn (``WEBHOOK_BATCH_SECONDS``).

    It outlives the longest a single attempt can take (connect timeout + read
    timeout) with room to spare; after that the sweeper takes it back.
    """
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


# --- Recording an attempt ---------------------------------------------------------


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


def record(
    delivery: Delivery, number: int, started_at, result: transport.Result, *, sent: bool = True
) -> tuple[Attempt, float | None]:
    """Log attempt ``number`` and move the delivery on, atomically.

    Returns the Attempt and, when the delivery is to be tried again, the
    seconds until then (the caller enqueues that job).
    """
    now = timezone.now()
    status, outcome, error, delay = _verdict(number, result)
    attempt = Attempt(
        delivery=delivery,
        number=number,
        started_at=started_at,
        duration_ms=result.duration_ms,
        status_code=result.status_code,
        response_excerpt=result.body_excerpt[: transport.EXCERPT_BYTES],
        error=error,
        outcome=outcome,
    )
    changes = {
        "status": status,
        "next_attempt_at": now + timedelta(seconds=delay) if delay is not None else now,
        "claimed_until": None,
        "claim": None,
        "last_status_code": result.status_code,
        "last_error": error,
        "completed_at": now if status in FINISHED else None,
    }
    health = sent and delivery.endpoint_id is not None
    one_statement = connection.vendor == "postgresql"
    # One statement is atomic by itself: no transaction (and no extra round
    # trips) unless the endpoint's health is written with it.
    with transaction.atomic() if health or not one_statement else contextlib.nullcontext():
        write = write_in_one_statement if one_statement else write_attempt
        updated = write(attempt, number, changes)
        if health:
            track_endpoint_health(delivery, result, started_at, now)

    if result.outcome is transport.Outcome.SUCCESS:
        logger.info("webhook %s delivered to %s (attempt %d)", delivery.event_id, delivery.url, number)
    else:
        logger.warning(
            "webhook %s to %s, attempt %d: %s -> %s", delivery.event_id, delivery.url, number, error, status
        )
    return attempt, (delay if updated and status == DeliveryStatus.PENDING else None)


# Which fields a newer result replaces on a "worker lost" attempt row the sweeper wrote.
ATTEMPT_RESULT = ["started_at", "duration_ms", "status_code", "response_excerpt", "error", "outcome"]


def write_attempt(attempt: Attempt, number: int, changes: dict) -> int:
    """Save ``attempt`` and apply ``changes`` to its delivery while it is still attempt ``number``'s.

    Returns 1 if the delivery was changed. Two statements: run it in a transaction.
    """
    # If the sweeper already wrote a "worker lost" row for this attempt
    # number, the real result replaces it.
    Attempt.objects.bulk_create(
        [attempt], update_conflicts=True, unique_fields=["delivery", "number"], update_fields=ATTEMPT_RESULT
    )
    # Only while the row is still this attempt's (attempt_count unchanged):
    # if the sweeper took it back and another worker claimed it since,
    # that worker owns the status now.
    mine = Delivery.objects.filter(id=attempt.delivery_id, attempt_count=number)
    return mine.exclude(status=DeliveryStatus.SUCCEEDED).update(**changes)


def write_in_one_statement(attempt: Attempt, number: int, changes: dict) -> int:
    """``write_attempt`` as one PostgreSQL statement (atomic alone, one round trip)."""
    deliveries, attempts = Delivery._meta, Attempt._meta
    assignments = ", ".join(f"{deliveries.get_field(name).column} = %s" for name in changes)
    fields = [attempts.get_field(name) for name in ["delivery", "number", *ATTEMPT_RESULT]]
    replaced = ", ".join(f"{f.column} = EXCLUDED.{f.column}" for f in fields[2:])
    # Table and column names come from the models; every value is a parameter.
    sql = f"""
        WITH moved AS (
            UPDATE {deliveries.db_table} SET {assignments}
            WHERE id = %s AND attempt_count = %s AND status <> %s
            RETURNING 1
        )
        INSERT INTO {attempts.db_table} ({", ".join(f.column for f in fields)})
        VALUES ({", ".join(["%s"] * len(fields))})
        ON CONFLICT ({fields[0].column}, {fields[1].column}) DO UPDATE SET {replaced}
        RETURNING (SELECT count(*) FROM moved)
    """  # noqa: S608
    values = [getattr(attempt, f.attname) for f in fields]
    params = [*changes.values(), attempt.delivery_id, number, DeliveryStatus.SUCCEEDED, *values]
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchone()[0]


# --- Recovering -------------------------------------------------------------------


def _recover_lost_claim(delivery_id, now) -> str | None:
    """Take back a delivery whose worker claimed it and never reported; its destination if requeued."""
    with transaction.atomic():
        delivery = (
            Delivery.objects.select_for_update()
            .filter(id=delivery_id, status=DeliveryStatus.SENDING, claimed_until__lt=now)
            .first()
        )
        if delivery is None:  # it finished (or was recovered) meanwhile
            return None
        exhausted = delivery.attempt_count >= max_attempts()
        error = "no result recorded: the worker was lost during this attempt"
        Attempt.objects.get_or_create(
            delivery=delivery,
            number=delivery.attempt_count,
            defaults={
                "started_at": delivery.claimed_until - claim_window(),
                "error": error,
                "outcome": AttemptOutcome.FAILED if exhausted else AttemptOutcome.RETRY,
            },
        )
        delivery.status = DeliveryStatus.FAILED if exhausted else DeliveryStatus.PENDING
        delivery.next_attempt_at = now
        delivery.claimed_until = None
        delivery.claim = None
        delivery.last_error = error
        delivery.completed_at = now if exhausted else None
        delivery.save(
            update_fields=[
                "status",
                "next_attempt_at",
                "claimed_until",
                "claim",
                "last_error",
                "completed_at",
            ]
        )
    logger.warning("webhook delivery %s: claim expired, %s", delivery_id, delivery.status)
    return None if exhausted else delivery.host


def sweep_deliveries(batch: int = SWEEP_BATCH) -> int:
    """Enqueue jobs for what a lost worker or a lost message left behind.

    Returns for how many destinations. Bounded per run; the next run picks up
    the rest.
    """
    now = timezone.now()
    lost = Delivery.objects.filter(status=DeliveryStatus.SENDING, claimed_until__lt=now).order_by(
        "claimed_until"
    )
    recovered = [_recover_lost_claim(d, now) for d in lost.values_list("id", flat=True)[:batch]]
    hosts = [host for host in recovered if host is not None]
    # A due delivery normally has a job on its way (its own, with a countdown,
    # or a worker already sending at its destination). Destinations with
    # deliveries overdue by the grace period get one more job, at most once
    # per grace period, so a queue nobody takes from is not flooded.
    grace = settings.WEBHOOK_SWEEP_GRACE_SECONDS
    overdue = Delivery.objects.filter(
        status=DeliveryStatus.PENDING, next_attempt_at__lte=now - timedelta(seconds=grace)
    )
    for host in overdue.order_by("host").values_list("host", flat=True).distinct()[:batch]:
        if _first_sweep_in_grace(host, grace):
            hosts.append(host)
    hosts = list(dict.fromkeys(hosts))
    enqueue_destinations(hosts)
    if hosts:
        logger.info("webhook sweeper enqueued jobs for %d destinations", len(hosts))
    return len(hosts)


def _first_sweep_in_grace(host: str, grace: int) -> bool:
    try:
        key = "webhooks:swept:" + hashlib.sha256(host.encode()).hexdigest()
        return cache.add(key, 1, timeout=grace)
    except Exception:  # the cache is the broker's Redis: if it is away, so is the queue
        return True

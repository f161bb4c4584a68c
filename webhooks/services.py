"""Webhook events as an outbox, and their delivery.

``emit`` writes the Event and its Delivery rows inside the business
transaction, so a rolled-back change sends nothing, and enqueues delivery only
once that transaction commits. ``attempt_delivery`` makes one attempt: it
claims the row with a conditional UPDATE (two workers never send the same
attempt), sends through ``transport``, records an Attempt, and schedules the
next try. ``sweep_deliveries`` re-enqueues what a lost worker or a lost
message left behind.

Around that core: signing with the current and any unexpired previous secret
(``rotate_*``), a cap on deliveries in flight per destination host (so one
slow receiver cannot hold every worker), and endpoint health (an endpoint
that keeps failing, or answers 410, is disabled and its admins are told).
"""

from __future__ import annotations

import logging
import random
import time
from dataclasses import dataclass
from datetime import datetime, timedelta
from urllib.parse import urlsplit

from django.conf import settings
from django.core.mail import send_mail
from django.db import transaction
from django.db.models import F
from django.utils import timezone

from accounts.models import new_webhook_secret
from interview_platform.jobs import enqueue

from . import signing, transport
from .models import Attempt, AttemptOutcome, Delivery, DeliveryStatus, Endpoint, Event, SigningSecret

logger = logging.getLogger(__name__)

# Retry delays are spread by ±10% so deliveries that failed together (a
# receiver outage) do not all come back in the same second.
JITTER = 0.10
SWEEP_BATCH = 500
# A delivery whose destination already has its share of deliveries in flight
# waits this long (seconds, random in the range so waiting ones spread out)
# and is tried again without using up an attempt.
HOST_BUSY_DELAY = (1.0, 3.0)
# How long a rotated-out secret keeps signing, unless the caller says otherwise.
DEFAULT_SECRET_OVERLAP = timedelta(hours=24)

FINISHED = (DeliveryStatus.SUCCEEDED, DeliveryStatus.FAILED)


class NotFinished(ValueError):
    """Only a delivery that succeeded or failed can be redelivered."""


class EndpointDisabled(ValueError):
    """A delivery to a disabled endpoint is not redelivered until the endpoint is re-enabled."""


def destination(url: str) -> str:
    """``host:port`` of ``url``: the unit the in-flight cap counts."""
    try:
        parts = urlsplit(url)
        port = parts.port or (443 if parts.scheme == "https" else 80)
    except ValueError:
        return ""
    return f"{(parts.hostname or '').lower()}:{port}"[:300]


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
        targets = [_delivery(event, interview.callback_url, now)]
    else:
        targets = [
            _delivery(event, endpoint.url, now, endpoint=endpoint)
            for endpoint in Endpoint.objects.filter(organization_id=interview.organization_id, is_active=True)
        ]
    deliveries = Delivery.objects.bulk_create(targets)
    if deliveries:
        ids = [str(d.id) for d in deliveries]
        transaction.on_commit(lambda: _enqueue_deliveries(ids))
    return event


def _delivery(event: Event, url: str, now, endpoint: Endpoint | None = None, **extra) -> Delivery:
    return Delivery(
        event=event, endpoint=endpoint, url=url, host=destination(url), next_attempt_at=now, **extra
    )


def _enqueue_deliveries(ids: list[str], countdown: float = 0) -> None:
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


# --- Delivering -------------------------------------------------------------------


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


def signing_secrets(delivery: Delivery, now: datetime | None = None) -> list[str]:
    """The secrets that sign ``delivery``: the current one first, then unexpired previous ones.

    A registered endpoint has its own secret; a per-interview callbackUrl is
    signed with the organization's.
    """
    now = now or timezone.now()
    if delivery.endpoint_id is not None:
        current = delivery.endpoint.secret
        previous = SigningSecret.objects.filter(endpoint_id=delivery.endpoint_id)
    else:
        current = delivery.event.organization.webhook_secret
        previous = SigningSecret.objects.filter(organization_id=delivery.event.organization_id)
    older = previous.filter(expires_at__gt=now).order_by("-created_at", "-id")
    return [current, *older.values_list("secret", flat=True)]


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
        # Another delivery got a 410 (or an admin disabled it): stop here.
        reason = delivery.endpoint.disabled_reason or "disabled"
        result = transport.Result(transport.Outcome.PERMANENT, error=f"endpoint disabled: {reason}")
        return _record(delivery, number, started_at, result, sent=False)
    if _host_busy(delivery, now):
        _postpone(delivery, number, now)
        return None
    event = delivery.event
    body = _body(event)
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
    in_flight = Delivery.objects.filter(
        host=delivery.host, status=DeliveryStatus.SENDING, claimed_until__gt=now
    ).count()
    return in_flight > settings.WEBHOOK_MAX_IN_FLIGHT_PER_HOST


def _postpone(delivery: Delivery, number: int, now) -> None:
    """Give the claim back and try again in a few seconds, without using up an attempt."""
    delay = random.uniform(*HOST_BUSY_DELAY)
    updated = Delivery.objects.filter(
        id=delivery.id, status=DeliveryStatus.SENDING, attempt_count=number
    ).update(
        status=DeliveryStatus.PENDING,
        attempt_count=F("attempt_count") - 1,
        claimed_until=None,
        next_attempt_at=now + timedelta(seconds=delay),
    )
    logger.info("webhook delivery %s: %s is busy, waiting %.1fs", delivery.id, delivery.host, delay)
    if updated:
        _enqueue_deliveries([str(delivery.id)], countdown=delay)


def _record(
    delivery: Delivery, number: int, started_at, result: transport.Result, *, sent: bool = True
) -> Attempt:
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
        if sent and delivery.endpoint_id is not None:
            _track_endpoint_health(delivery, result, started_at, now)

    if result.outcome is transport.Outcome.SUCCESS:
        logger.info("webhook %s delivered to %s (attempt %d)", delivery.event_id, delivery.url, number)
    else:
        logger.warning(
            "webhook %s to %s, attempt %d: %s -> %s", delivery.event_id, delivery.url, number, error, status
        )
    if updated and status == DeliveryStatus.PENDING:
        _enqueue_deliveries([str(delivery.id)], countdown=delay or 0)
    return attempt


# --- Endpoint health ----------------------------------------------------------------


def _track_endpoint_health(delivery: Delivery, result: transport.Result, started_at, now) -> None:
    """Keep the endpoint's failure streak; disable it on 410 or after days without a success.

    Conditional UPDATEs: of several workers recording at once, exactly one
    disables the endpoint, and only that one has the admins emailed.
    """
    endpoints = Endpoint.objects.filter(id=delivery.endpoint_id)
    if result.outcome is transport.Outcome.SUCCESS:
        endpoints.filter(failing_since__isnull=False).update(failing_since=None)
        return
    endpoints.filter(failing_since__isnull=True).update(failing_since=started_at)
    if result.outcome is transport.Outcome.GONE:
        reason = f"{delivery.url} answered 410 Gone at {_timestamp(now)} (delivery {delivery.id})"
        disabled = endpoints.filter(is_active=True).update(
            is_active=False, disabled_reason=reason[:300], disabled_at=now
        )
    else:
        days = settings.WEBHOOK_DISABLE_AFTER_DAYS
        reason = f"no successful delivery for {days} days (last error: {result.error})"
        disabled = endpoints.filter(is_active=True, failing_since__lte=now - timedelta(days=days)).update(
            is_active=False, disabled_reason=reason[:300], disabled_at=now
        )
    if disabled:
        endpoint_id = delivery.endpoint_id
        logger.warning("webhook endpoint %s (%s) disabled: %s", endpoint_id, delivery.url, reason)
        transaction.on_commit(lambda: notify_endpoint_disabled(endpoint_id))


def notify_endpoint_disabled(endpoint_id) -> int:
    """Email the organization's admins that an endpoint was disabled. Returns the number of recipients."""
    from accounts.models import Role, User

    endpoint = Endpoint.objects.select_related("organization").get(id=endpoint_id)
    recipients = list(
        User.objects.filter(
            organization_id=endpoint.organization_id, role=Role.ADMIN, is_active=True
        ).values_list("email", flat=True)
    )
    if not recipients:
        return 0
    base = settings.PUBLIC_BASE_URL
    label = f"{endpoint.url} ({endpoint.description})" if endpoint.description else endpoint.url
    body = (
        f"Webhooks for {endpoint.organization.name} are no longer sent to {label}.\n\n"
        f"Why: {endpoint.disabled_reason}\n\n"
        "Events that happen while it is disabled are not sent to it. Once the receiver works\n"
        "again, re-enable it (this also resets its failure count):\n\n"
        f'  PATCH {base}/api/v1/webhooks/endpoints/{endpoint.id}  {{"isActive": true}}\n\n'
        "or in the operators' admin at "
        f"{base}/ops/webhooks/endpoint/{endpoint.id}/change/, then redeliver what it missed:\n\n"
        f"  GET  {base}/api/v1/webhooks/deliveries?status=FAILED\n"
        f"  POST {base}/api/v1/webhooks/deliveries/<id>/redeliver\n"
    )
    try:
        send_mail(
            f"Webhook endpoint disabled: {endpoint.url}"[:200],
            body,
            settings.DEFAULT_FROM_EMAIL,
            recipients,
        )
    except Exception:
        # Runs after the commit: the endpoint is disabled either way, and the
        # reason is on it for anyone who looks; a mail server outage must not
        # fail the delivery job that noticed.
        logger.exception("could not email the admins about disabled endpoint %s", endpoint.id)
        return 0
    return len(recipients)


@transaction.atomic
def change_endpoint(
    endpoint: Endpoint, *, url: str | None = None, description: str | None = None
) -> Endpoint:
    """Change an endpoint's URL and/or description.

    Deliveries still waiting for a retry follow the endpoint to its new URL:
    a corrected URL is usually why it is changed.
    """
    changes = {}
    if url is not None and url != endpoint.url:
        changes["url"] = url
        Delivery.objects.filter(endpoint_id=endpoint.id, status=DeliveryStatus.PENDING).update(
            url=url, host=destination(url)
        )
    if description is not None:
        changes["description"] = description
    if changes:
        Endpoint.objects.filter(id=endpoint.id).update(**changes)
        endpoint.refresh_from_db()
    return endpoint


def reenable_endpoint(endpoint: Endpoint) -> Endpoint:
    """Turn an endpoint back on with a clean slate: its failure streak starts over."""
    Endpoint.objects.filter(id=endpoint.id).update(
        is_active=True, disabled_reason="", disabled_at=None, failing_since=None
    )
    endpoint.refresh_from_db()
    return endpoint


def disable_endpoint(endpoint: Endpoint, reason: str) -> Endpoint:
    """Stop sending to ``endpoint``. Disabling a disabled endpoint keeps its first reason."""
    Endpoint.objects.filter(id=endpoint.id, is_active=True).update(
        is_active=False, disabled_reason=reason[:300], disabled_at=timezone.now()
    )
    endpoint.refresh_from_db()
    return endpoint


# --- Secrets ---------------------------------------------------------------------


@dataclass(frozen=True)
class Rotation:
    secret: str  # the new secret, shown to the caller once
    previous_expires_at: datetime  # until then the old secret signs too


def _overlap(expires_in: timedelta | None) -> timedelta:
    expires_in = DEFAULT_SECRET_OVERLAP if expires_in is None else expires_in
    if expires_in < timedelta(0):
        raise ValueError("a previous secret cannot expire in the past")
    return expires_in


@transaction.atomic
def rotate_organization_secret(organization, *, expires_in: timedelta | None = None) -> Rotation:
    """Give ``organization`` a new signing secret; the old one keeps signing for ``expires_in``."""
    from accounts.models import Organization

    expires_at = timezone.now() + _overlap(expires_in)
    # Locked so two rotations at once do not lose a secret between them.
    locked = Organization.objects.select_for_update().get(pk=organization.pk)
    if expires_in != timedelta(0):
        SigningSecret.objects.create(organization=locked, secret=locked.webhook_secret, expires_at=expires_at)
    locked.webhook_secret = new_webhook_secret()
    locked.save(update_fields=["webhook_secret"])
    organization.webhook_secret = locked.webhook_secret
    return Rotation(locked.webhook_secret, expires_at)


@transaction.atomic
def rotate_endpoint_secret(endpoint: Endpoint, *, expires_in: timedelta | None = None) -> Rotation:
    """Give ``endpoint`` a new signing secret; the old one keeps signing for ``expires_in``."""
    expires_at = timezone.now() + _overlap(expires_in)
    locked = Endpoint.objects.select_for_update().get(pk=endpoint.pk)
    if expires_in != timedelta(0):
        SigningSecret.objects.create(endpoint=locked, secret=locked.secret, expires_at=expires_at)
    locked.secret = new_webhook_secret()
    locked.save(update_fields=["secret"])
    endpoint.secret = locked.secret
    return Rotation(locked.secret, expires_at)


def purge_expired_secrets(now: datetime | None = None) -> int:
    """Delete previous secrets past their expiry: they no longer sign, and need not be kept."""
    deleted, _ = SigningSecret.objects.filter(expires_at__lte=now or timezone.now()).delete()
    return deleted


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
    overdue = Delivery.objects.filter(status=DeliveryStatus.PENDING, next_attempt_at__lte=now - grace)
    overdue_ids = list(overdue.order_by("next_attempt_at").values_list("id", flat=True)[:batch])
    # Marked as due "now": while no worker takes them (workers down, broker
    # away) each is re-enqueued once per grace period, not on every sweep, and
    # the next sweep's batch moves on to the ones behind them.
    overdue.filter(id__in=overdue_ids).update(next_attempt_at=now)
    requeue += overdue_ids
    ids = [str(i) for i in dict.fromkeys(requeue)]
    _enqueue_deliveries(ids)
    if ids:
        logger.info("webhook sweeper re-enqueued %d deliveries", len(ids))
    return len(ids)


def redeliver(delivery: Delivery) -> Delivery:
    """Send a finished delivery's event again, as a new Delivery.

    To a registered endpoint's current URL (it may have been corrected since
    the first delivery, and the old one may now belong to someone else); to
    the same URL for a per-interview callbackUrl. The event is the same, so
    the webhook-id is the same: a receiver that already processed it can
    recognise the duplicate.
    """
    if delivery.status not in FINISHED:
        raise NotFinished(f"delivery {delivery.id} is {delivery.status}; it is still being delivered")
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
        transaction.on_commit(lambda: _enqueue_deliveries([str(new.id)]))
    return new

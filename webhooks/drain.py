"""Sending a destination's due deliveries: one worker, one slot, one kept-alive connection.

``drain(host)`` is the webhook job. It takes one of the destination's slots
(at most ``WEBHOOK_MAX_IN_FLIGHT_PER_HOST`` workers send to one destination
at once; a job that finds them all taken leaves at once and the holders send
its delivery), then claims the destination's due deliveries, oldest first, a
few at a time (``SELECT … FOR UPDATE SKIP LOCKED``, one UPDATE), and sends
them one after the other over one kept-alive connection. Each attempt is
recorded as soon as it is answered, before the next request goes out.

A worker's turn at a destination ends after ``WEBHOOK_BATCH_SECONDS`` or
``WEBHOOK_BATCH_DELIVERIES``: it gives back what it claimed and did not
send. If other webhook jobs wait for a worker, it frees its slot, queues a
job to go on after them and leaves, so other destinations' jobs run in
between; if none wait, it takes the next turn itself on the same slot and
connection (up to ``TURNS_PER_JOB``), which spares a job per turn for a
receiver slow enough that a turn holds one request. A slow receiver thus
holds at most its slots' workers, a turn at a time, while the other workers
keep sending elsewhere.

Nothing due is left without someone on it: a job that found every slot taken
leaves its deliveries to the holders, and each holder, after freeing its
slot, looks once more for due deliveries and takes a turn again for them.
"""

from __future__ import annotations

import logging
import time
import uuid
from dataclasses import dataclass, field
from datetime import timedelta

from django.conf import settings
from django.db import connection, transaction
from django.db.models import F
from django.utils import timezone

from . import signing, slots, statements, transport
from .delivery import claim_window, record
from .models import Delivery, DeliveryStatus, Endpoint
from .queueing import enqueue_destinations, enqueue_retry, others_waiting
from .secrets import owner as secret_owner
from .secrets import signing_secrets

logger = logging.getLogger(__name__)

# At most this many deliveries are claimed at once; fewer when the receiver's
# answers take long enough that they would not all be sent within the turn.
CLAIM_SIZE = 25
# With no other webhook job waiting for a worker, a job takes up to this many
# turns in a row before it queues the rest (10 s with the default 2 s turns):
# a receiver that takes seconds per request costs a job per several requests,
# not one each, and a worker stopping waits at most that long for it.
TURNS_PER_JOB = 5


def drain(host: str) -> int:
    """Send what is due at ``host``, turn after turn while there is more; returns the attempts made."""
    attempts, turns, slot = 0, 0, None
    give_way_at = time.monotonic() + settings.WEBHOOK_BATCH_SECONDS
    with transport.Sender() as sender:
        try:
            while True:
                turns += 1
                # The turn ends before the slot's time is up (and with it, every claim's).
                deadline = time.monotonic() + settings.WEBHOOK_BATCH_SECONDS
                slot = slot or slots.take(host)
                if slot is None:
                    return attempts
                turn = _take_turn(host, deadline, sender)
                attempts += turn.attempts
                for delivery_id, delay in turn.retries:
                    enqueue_retry(delivery_id, delay)
                if turn.ended_early and turns < TURNS_PER_JOB and not others_waiting():
                    # More is due and no other job waits: the next turn, on the same slot
                    # (unless it expired meanwhile and another worker holds it now).
                    slot = slot if slots.extend(slot) else None
                    continue
                slots.give_back(slot)
                slot = None
                if not turn.ended_early and not _any_due(host):
                    return attempts
                if turn.ended_early or time.monotonic() >= give_way_at:
                    # The rest after the other destinations' jobs queued meanwhile.
                    enqueue_destinations([host])
                    return attempts
        finally:
            if slot is not None:
                slots.give_back(slot)


def _due(host: str, now=None):
    return Delivery.objects.filter(
        host=host, status=DeliveryStatus.PENDING, next_attempt_at__lte=now or timezone.now()
    )


def _any_due(host: str) -> bool:
    if statements.available():
        return statements.any_due(host, timezone.now())
    return _due(host).exists()


@dataclass
class _Turn:
    """One worker's turn at a destination: what it did, what it knows for the turn's length."""

    host: str
    deadline: float  # time.monotonic() when the turn is over
    attempts: int = 0
    seconds_sending: float = 0.0
    retries: list[tuple[object, float]] = field(default_factory=list)  # (delivery id, seconds until)
    ended_early: bool = False  # time or count was up while deliveries were still due
    drained: bool = False  # the last claim found nothing due beyond what it took
    # Per turn (a few seconds at most): the signing secrets of each owner, and
    # endpoints found disabled during the turn (is_active, reason).
    secrets: dict[tuple[str, object], list[str]] = field(default_factory=dict)
    endpoints: dict[object, tuple[bool, str]] = field(default_factory=dict)

    def over(self) -> bool:
        return time.monotonic() >= self.deadline or self.attempts >= settings.WEBHOOK_BATCH_DELIVERIES

    def claim_size(self) -> int:
        """As many as fit in the rest of the turn at the pace so far (one to start with)."""
        if not self.attempts:
            return 1
        room = settings.WEBHOOK_BATCH_DELIVERIES - self.attempts
        pace = self.seconds_sending / self.attempts
        fit = int((self.deadline - time.monotonic()) / pace) if pace > 0 else CLAIM_SIZE
        return max(1, min(CLAIM_SIZE, room, fit))

    def signing_secrets(self, delivery: Delivery) -> list[str]:
        key = secret_owner(delivery)
        if key not in self.secrets:
            self.secrets[key] = signing_secrets(delivery)
        return self.secrets[key]

    def endpoint_state(self, delivery: Delivery) -> tuple[bool, str]:
        """(active, why not) of the delivery's endpoint, as of the claim or a 410 seen since."""
        endpoint = delivery.endpoint
        return self.endpoints.get(endpoint.id, (endpoint.is_active, endpoint.disabled_reason))


def _take_turn(host: str, deadline: float, sender: transport.Sender) -> _Turn:
    turn = _Turn(host, deadline)
    while True:
        if turn.over():
            turn.ended_early = _any_due(host)
            break
        claimed = _claim(turn, turn.claim_size())
        if not claimed:
            break
        _send_claimed(turn, claimed, sender)
        if turn.ended_early or turn.drained:
            break
    return turn


def _claim(turn: _Turn, size: int) -> list[Delivery]:
    """Up to ``size`` due deliveries of the turn's destination, oldest first, now SENDING for this worker."""
    now = timezone.now()
    token = uuid.uuid4()
    # Claims last past the end of the turn by one attempt's time: the last
    # request may start just before the turn ends.
    until = now + timedelta(seconds=max(0.0, turn.deadline - time.monotonic())) + claim_window()
    if statements.available():
        # One statement: locked, claimed and read with the events, endpoints and secrets.
        claimed, turn.drained, secrets = statements.claim(turn.host, now, until, token, size)
        turn.secrets.update(secrets)
        return claimed
    due = _due(turn.host, now).order_by("next_attempt_at", "created_at")
    with transaction.atomic():
        if connection.features.has_select_for_update_skip_locked:
            # Workers claiming at once skip each other's rows instead of
            # waiting. Locked by this SELECT, then updated by id: as a subquery
            # of the UPDATE the SELECT may be run more than once, and claim more.
            due = due.select_for_update(skip_locked=True)
        # (SQLite: the transaction takes the write lock as it begins, so claims
        # run one at a time.) One more than wanted: if it is not there, nothing
        # else is due and the turn needs no further claim to find that out.
        ids = list(due.values_list("id", flat=True)[: size + 1])
        turn.drained = len(ids) <= size
        picked = Delivery.objects.filter(id__in=ids[:size])
        # The claim also numbers the attempt: a worker that dies after claiming
        # still used up an attempt (it may have sent the request), and a stale
        # worker's late result can be told apart from a newer claim's.
        claimed = picked.filter(status=DeliveryStatus.PENDING).update(
            status=DeliveryStatus.SENDING,
            claim=token,
            claimed_until=until,
            attempt_count=F("attempt_count") + 1,
        )
    if not claimed:
        return []
    mine = Delivery.objects.filter(claim=token, status=DeliveryStatus.SENDING)
    return list(
        mine.select_related("event__organization", "endpoint")
        .defer("event__payload")
        .order_by("next_attempt_at", "created_at")
    )


def _send_claimed(turn: _Turn, claimed: list[Delivery], sender: transport.Sender) -> None:
    waiting = list(claimed)
    try:
        while waiting:
            if turn.over():
                turn.ended_early = True
                break
            _attempt(turn, waiting.pop(0), sender)
    finally:
        # Never sent: back to waiting, without using up an attempt. (One that
        # failed mid-attempt stays claimed: the sweeper takes it back.)
        if waiting:
            Delivery.objects.filter(
                id__in=[d.id for d in waiting], claim=waiting[0].claim, status=DeliveryStatus.SENDING
            ).update(
                status=DeliveryStatus.PENDING,
                attempt_count=F("attempt_count") - 1,
                claimed_until=None,
                claim=None,
            )


def _attempt(turn: _Turn, delivery: Delivery, sender: transport.Sender) -> None:
    number = delivery.attempt_count
    started_at, began = timezone.now(), time.monotonic()
    if delivery.endpoint_id is not None:
        active, reason = turn.endpoint_state(delivery)
        if not active:
            # A 410 (or an admin) disabled it: stop here, without a request.
            result = transport.Result(
                transport.Outcome.PERMANENT, error=f"endpoint disabled: {reason or 'disabled'}"
            )
            record(delivery, number, started_at, result, sent=False)
            turn.attempts += 1
            return
    event = delivery.event
    body = event.body.encode()
    # Same webhook-id on every attempt (receivers deduplicate on it); a
    # fresh timestamp each time, since receivers reject old ones.
    headers = signing.headers(turn.signing_secrets(delivery), event.webhook_id, int(time.time()), body)
    result = transport.post(delivery.url, body, headers, sender=sender)
    _, delay = record(delivery, number, started_at, result)
    turn.attempts += 1
    turn.seconds_sending += time.monotonic() - began
    if delay is not None:
        turn.retries.append((delivery.id, delay))
    if result.outcome is not transport.Outcome.SUCCESS and delivery.endpoint_id is not None:
        # This failure may have disabled the endpoint (a 410, or days of failures).
        state = Endpoint.objects.filter(id=delivery.endpoint_id).values_list("is_active", "disabled_reason")
        turn.endpoints[delivery.endpoint_id] = state.first() or (False, "")

"""Recording an attempt: the Attempt row and the delivery's next state, written together.

PostgreSQL writes both in one statement; other databases in a transaction of
two. Both ways must leave the same rows.
"""

from __future__ import annotations

import uuid
from datetime import timedelta

import pytest
from django.db import connection, transaction
from django.utils import timezone

from webhooks import services
from webhooks.delivery import write_attempt, write_in_one_statement
from webhooks.models import Attempt, Delivery, DeliveryStatus

pytestmark = pytest.mark.django_db


@pytest.fixture(params=["two statements", "one statement"])
def write(request):
    if request.param == "one statement":
        if connection.vendor != "postgresql":
            pytest.skip("one statement is PostgreSQL's way")
        return write_in_one_statement
    return write_attempt


def _claimed(make_interview, attempt: int) -> Delivery:
    with transaction.atomic():
        event = services.emit(make_interview("https://93.184.216.34/hook"), "interview.started", {})
    until = timezone.now() + timedelta(seconds=60)
    Delivery.objects.filter(event=event).update(
        status=DeliveryStatus.SENDING, attempt_count=attempt, claim=uuid.uuid4(), claimed_until=until
    )
    return Delivery.objects.get(event=event)


def _attempt(delivery, number, **result) -> Attempt:
    fields = {"status_code": 200, "response_excerpt": "ok", "error": "", "outcome": "succeeded"}
    return Attempt(
        delivery=delivery, number=number, started_at=timezone.now(), duration_ms=7, **{**fields, **result}
    )


def _changes(status: str, **more) -> dict:
    now = timezone.now()
    return {
        "status": status,
        "next_attempt_at": now,
        "claimed_until": None,
        "claim": None,
        "last_status_code": 200,
        "last_error": "",
        "completed_at": now,
        **more,
    }


def test_a_result_moves_its_delivery_on(write, make_interview):
    delivery = _claimed(make_interview, attempt=1)
    with transaction.atomic():
        assert write(_attempt(delivery, 1), 1, _changes(DeliveryStatus.SUCCEEDED)) == 1
    delivery.refresh_from_db()
    assert (delivery.status, delivery.claim, delivery.claimed_until) == (DeliveryStatus.SUCCEEDED, None, None)
    assert delivery.completed_at is not None and delivery.last_status_code == 200
    [attempt] = delivery.attempts.all()
    assert (attempt.number, attempt.status_code, attempt.duration_ms, attempt.response_excerpt) == (
        1,
        200,
        7,
        "ok",
    )


def test_a_late_result_replaces_the_lost_attempts_row_and_leaves_the_newer_claim_alone(write, make_interview):
    """The sweeper took attempt 1 back (writing "worker lost") and attempt 2 is under way."""
    delivery = _claimed(make_interview, attempt=2)
    Attempt.objects.create(delivery=delivery, number=1, error="worker lost", outcome="retry")
    late = _attempt(
        delivery, 1, status_code=None, response_excerpt="", error="connection failed", outcome="retry"
    )
    with transaction.atomic():
        assert write(late, 1, _changes(DeliveryStatus.PENDING, last_status_code=None)) == 0
    delivery.refresh_from_db()
    assert (delivery.status, delivery.attempt_count) == (DeliveryStatus.SENDING, 2)
    [attempt] = delivery.attempts.all()
    assert (attempt.number, attempt.error, attempt.duration_ms) == (1, "connection failed", 7)


def test_a_delivery_that_succeeded_stays_succeeded(write, make_interview):
    delivery = _claimed(make_interview, attempt=1)
    Delivery.objects.filter(id=delivery.id).update(status=DeliveryStatus.SUCCEEDED)
    with transaction.atomic():
        assert write(_attempt(delivery, 1, outcome="failed"), 1, _changes(DeliveryStatus.FAILED)) == 0
    assert Delivery.objects.get(id=delivery.id).status == DeliveryStatus.SUCCEEDED

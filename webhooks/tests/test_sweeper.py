"""The sweeper: lost claims taken back, overdue deliveries re-enqueued, at a bounded pace."""

from __future__ import annotations

import time
from datetime import timedelta

import pytest
from django.db import transaction
from django.utils import timezone
from standardwebhooks.webhooks import Webhook

from tests.receiver import Receiver
from webhooks import queueing, services, transport
from webhooks.delivery import sweep_deliveries
from webhooks.drain import drain
from webhooks.models import AttemptOutcome, Delivery, DeliveryStatus

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("allow_loopback")]


def test_sweeper_takes_back_a_lost_claim_and_delivers(org, receiver, make_interview):
    with transaction.atomic():
        event = services.emit(make_interview(receiver.url + "/hook"), "interview.started", {})
    # A worker claimed it (attempt 1) and vanished.
    Delivery.objects.filter(event=event).update(
        status=DeliveryStatus.SENDING,
        attempt_count=1,
        claimed_until=timezone.now() - timedelta(seconds=1),
    )
    assert sweep_deliveries() == 1

    [request] = receiver.requests
    Webhook(org.webhook_secret).verify(request.body, request.headers)
    delivery = Delivery.objects.get(event=event)
    assert (delivery.status, delivery.attempt_count) == (DeliveryStatus.SUCCEEDED, 2)
    attempts = list(delivery.attempts.values_list("number", "outcome"))
    assert attempts == [(1, "retry"), (2, "succeeded")]
    assert "worker was lost" in delivery.attempts.first().error


def test_sweeper_leaves_live_claims_alone(receiver, make_interview):
    with transaction.atomic():
        event = services.emit(make_interview(receiver.url + "/hook"), "interview.started", {})
    Delivery.objects.filter(event=event).update(
        status=DeliveryStatus.SENDING, attempt_count=1, claimed_until=timezone.now() + timedelta(seconds=30)
    )
    assert sweep_deliveries() == 0
    assert receiver.requests == []
    assert Delivery.objects.get(event=event).status == DeliveryStatus.SENDING


def test_sweeper_fails_a_lost_claim_that_was_the_last_attempt(receiver, make_interview, settings):
    settings.WEBHOOK_RETRY_SCHEDULE = [0]
    with transaction.atomic():
        event = services.emit(make_interview(receiver.url + "/hook"), "interview.started", {})
    Delivery.objects.filter(event=event).update(
        status=DeliveryStatus.SENDING, attempt_count=2, claimed_until=timezone.now() - timedelta(seconds=1)
    )
    assert sweep_deliveries() == 0
    delivery = Delivery.objects.get(event=event)
    assert delivery.status == DeliveryStatus.FAILED and delivery.completed_at is not None
    assert receiver.requests == []


def test_sweeper_enqueues_destinations_with_overdue_deliveries(receiver, make_interview):
    with Receiver() as other:
        with transaction.atomic():
            overdue = services.emit(make_interview(receiver.url + "/a"), "interview.started", {})
            future = services.emit(make_interview(receiver.url + "/c"), "interview.started", {})
            just_due = services.emit(make_interview(other.url + "/b"), "interview.started", {})
        now = timezone.now()
        Delivery.objects.filter(event=overdue).update(next_attempt_at=now - timedelta(minutes=5))
        Delivery.objects.filter(event=future).update(next_attempt_at=now + timedelta(minutes=5))
        # Due moments ago: its own job is presumably still queued, so no duplicate.
        Delivery.objects.filter(event=just_due).update(next_attempt_at=now - timedelta(seconds=1))
        assert sweep_deliveries() == 1
        assert other.requests == []
    assert receiver.paths() == ["/a"]


def test_sweep_is_bounded(make_interview):
    with Receiver() as one, Receiver() as two, Receiver() as three:
        with transaction.atomic():
            for receiver in (one, two, three):
                services.emit(make_interview(receiver.url + "/hook"), "interview.started", {})
        Delivery.objects.update(next_attempt_at=timezone.now() - timedelta(minutes=5))
        assert sweep_deliveries(batch=2) == 2
        assert sweep_deliveries(batch=2) == 1
        assert [len(r.requests) for r in (one, two, three)] == [1, 1, 1]


def test_late_result_of_a_lost_worker_does_not_clobber_a_newer_claim(receiver, make_interview, monkeypatch):
    """Worker A's claim expires mid-request; the sweeper and worker B move on; A's answer is logged only."""
    with transaction.atomic():
        event = services.emit(make_interview(receiver.url + "/hook"), "interview.started", {})
    delivery = Delivery.objects.get(event=event)
    real_post = transport.post

    def slow_worker_a(*args, **kwargs):
        monkeypatch.setattr(transport, "post", real_post)  # worker B sends for real
        Delivery.objects.filter(id=delivery.id).update(claimed_until=timezone.now() - timedelta(seconds=1))
        sweep_deliveries()  # takes it back; worker B (eager) delivers attempt 2
        return transport.Result(transport.Outcome.TEMPORARY, error="connection failed: reset")

    monkeypatch.setattr(transport, "post", slow_worker_a)
    drain(delivery.host)

    delivery.refresh_from_db()
    assert (delivery.status, delivery.attempt_count) == (DeliveryStatus.SUCCEEDED, 2)
    attempts = {a.number: a for a in delivery.attempts.all()}
    assert attempts[1].error == "connection failed: reset"  # A's real result replaced "worker lost"
    assert attempts[2].outcome == AttemptOutcome.SUCCEEDED


def test_a_stuck_destination_gets_one_job_per_grace_period(make_interview, monkeypatch, settings):
    """With no worker taking jobs, a sweep neither piles up a job per delivery nor one per sweep."""
    settings.WEBHOOK_SWEEP_GRACE_SECONDS = 1
    with transaction.atomic():
        for _ in range(3):
            services.emit(make_interview("https://93.184.216.34/hook"), "interview.started", {})
    Delivery.objects.update(next_attempt_at=timezone.now() - timedelta(minutes=5))
    enqueued = []

    def record(task, *args, countdown=0):
        enqueued.append((task, *args))

    monkeypatch.setattr(queueing, "enqueue", record)
    assert sweep_deliveries() == 1
    assert sweep_deliveries() == 0
    time.sleep(1.1)  # the grace period, in real time: the sweeper remembers it in the cache
    assert sweep_deliveries() == 1
    assert enqueued == [("webhooks.tasks.drain", "93.184.216.34:443")] * 2
    assert list(Delivery.objects.values_list("status", "attempt_count")) == [("PENDING", 0)] * 3

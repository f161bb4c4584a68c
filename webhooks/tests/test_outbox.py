"""The outbox: events leave only after their transaction commits, and each attempt is sent once."""

from __future__ import annotations

import json
import time
from datetime import timedelta

import pytest
import time_machine
from django.db import connection, transaction
from django.utils import timezone

from webhooks import queueing, services, transport
from webhooks.delivery import sweep_deliveries
from webhooks.drain import drain
from webhooks.models import Attempt, Delivery, DeliveryStatus, Event
from webhooks.tasks import deliver
from webhooks.tasks import drain as drain_task

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("allow_loopback")]


def test_two_workers_on_one_delivery_send_once(receiver, make_interview, monkeypatch):
    with transaction.atomic():
        event = services.emit(make_interview(receiver.url + "/hook"), "interview.started", {})
    delivery = Delivery.objects.get(event=event)
    real_post = transport.post
    concurrent = []

    def post_while_another_worker_tries(*args, **kwargs):
        # A second worker drains the same destination while the first is mid-request.
        concurrent.append(drain(delivery.host))
        return real_post(*args, **kwargs)

    monkeypatch.setattr(transport, "post", post_while_another_worker_tries)
    first = drain(delivery.host)
    second = drain(delivery.host)  # and once more after it finished

    assert (first, concurrent, second) == (1, [0], 0)
    assert len(receiver.requests) == 1
    assert list(Attempt.objects.filter(delivery=delivery).values_list("outcome", flat=True)) == ["succeeded"]


def test_running_the_jobs_twice_sends_once(receiver, make_interview):
    with transaction.atomic():
        event = services.emit(make_interview(receiver.url + "/hook"), "interview.started", {})
    delivery = Delivery.objects.get(event=event)
    drain_task.apply(args=[delivery.host])
    drain_task.apply(args=[delivery.host])
    deliver.apply(args=[str(delivery.id)])  # the job an earlier version queued for it
    assert len(receiver.requests) == 1


def test_rolled_back_change_sends_nothing(receiver, make_interview, django_capture_on_commit_callbacks):
    interview = make_interview(receiver.url + "/hook")
    with (
        django_capture_on_commit_callbacks(execute=True) as callbacks,
        pytest.raises(RuntimeError),
        transaction.atomic(),
    ):
        services.emit(interview, "interview.plan_generated", {"planId": "p"})
        assert Delivery.objects.count() == 1  # written in the transaction ...
        raise RuntimeError("the business change failed after emit()")
    assert callbacks == []
    assert Delivery.objects.count() == 0 and Event.objects.count() == 0  # ... and rolled back with it
    time.sleep(0.2)
    assert receiver.requests == []

    # The same without the failure does send: the test above can fail.
    with django_capture_on_commit_callbacks(execute=True) as callbacks, transaction.atomic():
        services.emit(interview, "interview.plan_generated", {"planId": "p"})
    assert len(callbacks) == 1
    assert len(receiver.requests) == 1


def test_nothing_is_sent_before_commit(receiver, make_interview, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=False) as callbacks, transaction.atomic():
        services.emit(make_interview(receiver.url + "/hook"), "interview.started", {})
    assert len(callbacks) == 1 and receiver.requests == []
    callbacks[0]()
    assert len(receiver.requests) == 1


def test_emit_needs_a_transaction(make_interview):
    with pytest.raises(AssertionError):
        # pytest-django wraps the test in a transaction; leave it to test the guard.
        connection.in_atomic_block, saved = False, connection.in_atomic_block
        try:
            services.emit(make_interview(), "interview.started", {})
        finally:
            connection.in_atomic_block = saved


def test_events_are_numbered_per_interview(receiver, make_interview, emit_event):
    interview = make_interview(receiver.url + "/hook")
    emit_event(interview, "interview.plan_generated", {"planId": "p"})
    emit_event(interview, "interview.plan_approved", {"interviewLink": "http://x/join/t"})
    sequences = [json.loads(r.body)["data"]["sequence"] for r in receiver.requests]
    assert sequences == [1, 2]
    interview.refresh_from_db()
    assert interview.event_sequence == 2


def test_broker_outage_at_commit_loses_nothing(
    receiver, make_interview, monkeypatch, settings, django_capture_on_commit_callbacks
):
    """The change commits even if its jobs cannot be enqueued; the sweeper sends them later."""
    real_enqueue = queueing.enqueue

    def broker_down(*args, **kwargs):
        raise ConnectionRefusedError("Error 111 connecting to 127.0.0.1:6379")

    monkeypatch.setattr(queueing, "enqueue", broker_down)
    with django_capture_on_commit_callbacks(execute=True), transaction.atomic():
        first = services.emit(make_interview(receiver.url + "/a"), "interview.started", {})
        second = services.emit(make_interview(receiver.url + "/b"), "interview.started", {})
    assert receiver.requests == []
    assert Delivery.objects.filter(status=DeliveryStatus.PENDING).count() == 2

    monkeypatch.setattr(queueing, "enqueue", real_enqueue)
    grace = settings.WEBHOOK_SWEEP_GRACE_SECONDS
    with time_machine.travel(timezone.now() + timedelta(seconds=grace + 1)):
        assert sweep_deliveries() == 1  # one job for their destination sends both
    assert sorted(receiver.paths()) == ["/a", "/b"]
    assert {r.headers["webhook-id"] for r in receiver.requests} == {first.webhook_id, second.webhook_id}

"""A worker's turn at a destination: claimed oldest first, sent over one connection, and bounded.

Jobs run in this process here (eager); the tests that start a real worker are
in test_drain_worker.py and test_isolation.py.
"""

from __future__ import annotations

import time
import uuid
from datetime import timedelta

import pytest
from django.db import transaction
from django.utils import timezone

from tests.receiver import Receiver, Reply
from webhooks import drain as drain_module
from webhooks import services, slots
from webhooks.delivery import destination
from webhooks.drain import drain
from webhooks.models import Attempt, Delivery, DeliveryStatus, DestinationSlot, Endpoint

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("allow_loopback")]


def _waiting(make_interview, url: str, count: int) -> list[Delivery]:
    """``count`` deliveries to ``url``/0, ``url``/1, …, recorded but with no job run for them."""
    with transaction.atomic():
        for n in range(count):
            services.emit(make_interview(f"{url}/{n}"), "interview.started", {})
    return list(Delivery.objects.order_by("created_at"))


@pytest.fixture
def queued(monkeypatch):
    """Jobs a turn queues for later, recorded instead of run: (task, args).

    Other webhook jobs wait for a worker meanwhile, so a job that used its turn
    queues the rest (the next tests choose otherwise).
    """
    jobs = []
    monkeypatch.setattr(drain_module, "others_waiting", lambda: True)
    monkeypatch.setattr(drain_module, "enqueue_destinations", lambda hosts: jobs.append(("drain", *hosts)))
    monkeypatch.setattr(
        drain_module, "enqueue_retry", lambda d, countdown: jobs.append(("retry", d, countdown))
    )
    return jobs


def test_a_turn_sends_oldest_first_over_one_connection(receiver, make_interview):
    deliveries = _waiting(make_interview, receiver.url, 6)
    assert drain(deliveries[0].host) == 6
    assert receiver.paths() == [f"/{n}" for n in range(6)]
    assert {r.connection for r in receiver.requests} == {1}, "one kept-alive connection"
    done = Delivery.objects.values_list("status", "attempt_count", "claim", "claimed_until")
    assert set(done) == {(DeliveryStatus.SUCCEEDED, 1, None, None)}
    assert Attempt.objects.filter(outcome="succeeded").count() == 6


def test_a_claim_takes_the_oldest_due_deliveries_and_no_more(receiver, make_interview):
    deliveries = _waiting(make_interview, receiver.url, 5)
    later = timezone.now() + timedelta(minutes=5)
    Delivery.objects.filter(id=deliveries[1].id).update(next_attempt_at=later)  # a retry, not due yet
    turn = drain_module._Turn(deliveries[0].host, deadline=time.monotonic() + 2)
    claimed = drain_module._claim(turn, 3)
    assert [d.id for d in claimed] == [deliveries[n].id for n in (0, 2, 3)]
    assert {(d.status, d.attempt_count) for d in claimed} == {(DeliveryStatus.SENDING, 1)}
    assert len({d.claim for d in claimed}) == 1
    rest = Delivery.objects.exclude(id__in=[d.id for d in claimed])
    assert set(rest.values_list("status", "attempt_count", "claim")) == {(DeliveryStatus.PENDING, 0, None)}
    assert receiver.requests == []


def test_a_turn_ends_after_its_share_and_queues_the_rest(receiver, make_interview, queued, settings):
    settings.WEBHOOK_BATCH_DELIVERIES = 3
    host = _waiting(make_interview, receiver.url, 7)[0].host
    assert drain(host) == 3
    assert queued == [("drain", host)]  # the rest after the jobs queued meanwhile
    waiting = Delivery.objects.filter(status=DeliveryStatus.PENDING)
    assert set(waiting.values_list("attempt_count", "claim")) == {(0, None)}
    assert waiting.count() == 4
    assert drain(host) == 3
    assert drain(host) == 1
    assert queued == [("drain", host)] * 2  # the last turn found nothing more
    assert receiver.paths() == [f"/{n}" for n in range(7)]


def test_with_no_other_job_waiting_a_job_takes_its_next_turns_itself(
    receiver, make_interview, queued, settings, monkeypatch
):
    settings.WEBHOOK_BATCH_DELIVERIES = 3
    looked, taken, extended = [], [], []
    monkeypatch.setattr(drain_module, "others_waiting", lambda: looked.append(1) or False)
    take, extend = slots.take, slots.extend
    monkeypatch.setattr(slots, "take", lambda host: taken.append(host) or take(host))
    monkeypatch.setattr(slots, "extend", lambda slot: extended.append(slot) or extend(slot))
    host = _waiting(make_interview, receiver.url, 7)[0].host
    assert drain(host) == 7  # three turns, one job
    assert queued == []
    assert len(looked) == 2  # after each turn that ended with more to send
    # One slot for the whole job, held on from turn to turn; one kept-alive connection.
    assert len(taken) == 1 and len(extended) == 2 and len(set(extended)) == 1
    assert {r.connection for r in receiver.requests} == {1}
    assert receiver.paths() == [f"/{n}" for n in range(7)]
    assert set(Delivery.objects.values_list("status", "attempt_count")) == {(DeliveryStatus.SUCCEEDED, 1)}
    slots_now = DestinationSlot.objects.filter(host=host).values_list("holder", "held_until")
    assert set(slots_now) == {(None, None)}


def test_a_job_whose_slot_expired_and_was_taken_meanwhile_takes_another(
    receiver, make_interview, queued, settings, monkeypatch
):
    settings.WEBHOOK_BATCH_DELIVERIES = 3
    monkeypatch.setattr(drain_module, "others_waiting", lambda: False)
    held, take, extend = [], slots.take, slots.extend

    def taken_meanwhile(slot):
        # Another worker holds it now: extending fails and the job must not send on it.
        DestinationSlot.objects.filter(host=slot.host, number=slot.number).update(holder=uuid.uuid4())
        held.append(slot)
        return extend(slot)

    taken = []
    monkeypatch.setattr(slots, "extend", taken_meanwhile)
    monkeypatch.setattr(slots, "take", lambda host: taken.append(take(host)) or taken[-1])
    host = _waiting(make_interview, receiver.url, 5)[0].host
    assert drain(host) == 5
    assert len(held) == 1 and len(taken) == 2
    assert (taken[1].number, taken[1].holder) != (held[0].number, held[0].holder)
    assert set(Delivery.objects.values_list("status", "attempt_count")) == {(DeliveryStatus.SUCCEEDED, 1)}


def test_a_single_delivery_takes_one_claim(receiver, make_interview, monkeypatch):
    claims = []
    claim = drain_module._claim
    monkeypatch.setattr(drain_module, "_claim", lambda turn, size: claims.append(size) or claim(turn, size))
    host = _waiting(make_interview, receiver.url, 1)[0].host
    assert drain(host) == 1
    assert claims == [1]  # the claim saw nothing else due: no second one to find that out
    assert receiver.paths() == ["/0"]


def test_a_job_gives_way_as_soon_as_another_waits(receiver, make_interview, queued, settings, monkeypatch):
    settings.WEBHOOK_BATCH_DELIVERIES = 3
    answers = iter([False, True])
    monkeypatch.setattr(drain_module, "others_waiting", lambda: next(answers))
    host = _waiting(make_interview, receiver.url, 9)[0].host
    assert drain(host) == 6
    assert queued == [("drain", host)]
    assert Delivery.objects.filter(status=DeliveryStatus.PENDING, attempt_count=0, claim=None).count() == 3


def test_a_job_queues_the_rest_after_its_last_turn_even_with_no_one_waiting(
    receiver, make_interview, queued, settings, monkeypatch
):
    settings.WEBHOOK_BATCH_DELIVERIES = 2
    monkeypatch.setattr(drain_module, "others_waiting", lambda: False)
    monkeypatch.setattr(drain_module, "TURNS_PER_JOB", 3)
    host = _waiting(make_interview, receiver.url, 10)[0].host
    assert drain(host) == 6
    assert queued == [("drain", host)]
    assert drain(host) == 4
    assert queued == [("drain", host)]  # the last job found nothing more
    assert receiver.paths() == [f"/{n}" for n in range(10)]


def test_a_turn_out_of_time_gives_back_what_it_claimed_and_did_not_send(
    receiver, make_interview, queued, settings
):
    # The first answer is quick, so the next claim takes all that fit at that pace;
    # the second takes longer than the whole turn.
    settings.WEBHOOK_BATCH_SECONDS = 0.3
    receiver.script([200, Reply(200, delay=0.5)])
    host = _waiting(make_interview, receiver.url, 10)[0].host
    assert drain(host) == 2
    assert queued == [("drain", host)]
    assert receiver.paths() == ["/0", "/1"]
    untouched = Delivery.objects.exclude(status=DeliveryStatus.SUCCEEDED)
    assert untouched.count() == 8
    assert set(untouched.values_list("status", "attempt_count", "claim", "claimed_until")) == {
        (DeliveryStatus.PENDING, 0, None, None)
    }
    assert not Attempt.objects.filter(delivery__in=untouched).exists()


def test_a_retry_gets_its_own_job_and_the_turn_goes_on(receiver, make_interview, queued, settings):
    settings.WEBHOOK_RETRY_SCHEDULE = [60]
    receiver.script([503])
    deliveries = _waiting(make_interview, receiver.url, 3)
    assert drain(deliveries[0].host) == 3
    [(kind, delivery_id, countdown)] = queued
    assert (kind, delivery_id) == ("retry", deliveries[0].id)
    assert 54 <= countdown <= 66
    first = Delivery.objects.get(id=deliveries[0].id)
    assert (first.status, first.attempt_count, first.claim) == (DeliveryStatus.PENDING, 1, None)
    assert Delivery.objects.filter(status=DeliveryStatus.SUCCEEDED).count() == 2


def test_a_410_stops_the_rest_of_the_turn_to_that_endpoint(org, receiver, make_interview):
    Endpoint.objects.create(organization=org, url=receiver.url + "/default")
    with transaction.atomic():
        for _ in range(3):
            services.emit(make_interview(), "interview.started", {})  # to the registered endpoint
    receiver.script([410])
    assert drain(destination(receiver.url)) == 3
    assert len(receiver.requests) == 1
    failed = Delivery.objects.order_by("created_at").values_list("status", "last_error")
    assert [status for status, _ in failed] == [DeliveryStatus.FAILED] * 3
    assert [error.startswith("endpoint disabled: ") for _, error in failed] == [False, True, True]


def test_a_job_that_finds_every_slot_taken_leaves_without_using_an_attempt(
    receiver, make_interview, emit_event, settings
):
    settings.WEBHOOK_MAX_IN_FLIGHT_PER_HOST = 2
    host = destination(receiver.url)
    held = [slots.take(host), slots.take(host)]
    assert None not in held and slots.take(host) is None
    with Receiver() as other:
        waiting = emit_event(make_interview(receiver.url + "/hook"))
        emit_event(make_interview(other.url + "/hook"))
        assert len(other.requests) == 1  # another destination is not held up
    delivery = Delivery.objects.get(event=waiting)
    assert (delivery.status, delivery.attempt_count, delivery.claim) == (DeliveryStatus.PENDING, 0, None)
    assert receiver.requests == [] and not delivery.attempts.exists()

    slots.give_back(held[0])
    assert drain(host) == 1
    assert receiver.paths() == ["/hook"]


def test_what_arrives_as_the_last_slot_is_given_back_is_still_sent(
    receiver, make_interview, settings, monkeypatch
):
    """The holder's last claim found nothing; then a delivery arrives and its job finds the slot
    still held. The holder looks again once its slot is free, and sends it."""
    settings.WEBHOOK_MAX_IN_FLIGHT_PER_HOST = 1
    host = _waiting(make_interview, receiver.url + "/first", 1)[0].host
    real_give_back, late_jobs = slots.give_back, []

    def give_back_after_an_arrival(slot):
        if not late_jobs:
            with transaction.atomic():
                services.emit(make_interview(receiver.url + "/late"), "interview.started", {})
            late_jobs.append(drain(host))  # the late delivery's own job
        real_give_back(slot)

    monkeypatch.setattr(slots, "give_back", give_back_after_an_arrival)
    assert drain(host) == 2
    assert late_jobs == [0]
    assert receiver.paths() == ["/first/0", "/late"]


def test_a_lost_workers_slot_is_free_again_at_its_time(receiver, make_interview, emit_event, settings):
    settings.WEBHOOK_MAX_IN_FLIGHT_PER_HOST = 1
    host = destination(receiver.url)
    soon = timezone.now() + timedelta(seconds=30)
    DestinationSlot.objects.create(host=host, number=0, holder=uuid.uuid4(), held_until=soon)
    emit_event(make_interview(receiver.url + "/hook"))
    assert receiver.requests == []

    DestinationSlot.objects.filter(host=host).update(held_until=timezone.now() - timedelta(seconds=1))
    assert drain(host) == 1
    assert receiver.paths() == ["/hook"]
    assert DestinationSlot.objects.get(host=host).holder is None  # given back after the turn


def test_a_turn_holds_its_slot_for_at_most_a_turn_and_an_attempt(
    receiver, make_interview, settings, monkeypatch
):
    settings.WEBHOOK_BATCH_SECONDS = 2
    settings.WEBHOOK_TIMEOUT_SECONDS = 10
    settings.WEBHOOK_CLAIM_MARGIN_SECONDS = 60
    host = _waiting(make_interview, receiver.url, 1)[0].host
    seen = []
    real_post = drain_module.transport.post

    def post_and_look(*args, **kwargs):
        slot = DestinationSlot.objects.get(host=host, holder__isnull=False)
        claimed = Delivery.objects.get(status=DeliveryStatus.SENDING)
        seen.append((slot.held_until - timezone.now(), claimed.claimed_until - timezone.now()))
        return real_post(*args, **kwargs)

    monkeypatch.setattr(drain_module.transport, "post", post_and_look)
    assert drain(host) == 1
    [(slot_left, claim_left)] = seen
    # 2 s of turn + 2 x 10 s of one attempt + 60 s margin, less what has passed.
    assert timedelta(seconds=80) < slot_left <= timedelta(seconds=82)
    assert timedelta(seconds=79) < claim_left <= slot_left

"""The webhook job's statements written once (PostgreSQL): the ORM's rows and models, fewer and cheaper.

A job for a single delivery used to run eleven ORM statements, and compiling
them cost its worker more than running them.
"""

from __future__ import annotations

import threading
import uuid
from datetime import timedelta

import pytest
from django.db import connection, connections, transaction
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from tests.services import require_postgres
from webhooks import secrets, services, slots, statements
from webhooks.drain import drain
from webhooks.models import Delivery, DeliveryStatus, DestinationSlot, Endpoint

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("allow_loopback")]

# Take a slot, claim (with the event, endpoint and secrets), record the attempt,
# give the slot back, look for more. The ORM queries were eleven.
STATEMENTS_PER_SINGLE_DELIVERY = 5


@pytest.fixture(autouse=True)
def postgres():
    require_postgres()


def _emit(make_interview, url: str = "", count: int = 1) -> list[Delivery]:
    with transaction.atomic():
        for _ in range(count):
            services.emit(make_interview(url), "interview.started", {})
    return list(Delivery.objects.order_by("created_at"))


def _claim(host: str, size: int):
    now = timezone.now()
    return statements.claim(host, now, now + timedelta(minutes=1), uuid.uuid4(), size)


def _fields(instance) -> dict:
    return {f.attname: getattr(instance, f.attname) for f in instance._meta.concrete_fields}


def test_a_claim_builds_the_models_the_orm_would_with_both_owners_secrets(org, receiver, make_interview):
    endpoint = Endpoint.objects.create(organization=org, url=receiver.url + "/registered")
    old_endpoint_secret = endpoint.secret
    secrets.rotate_endpoint_secret(endpoint)
    old_org_secret = org.webhook_secret
    secrets.rotate_organization_secret(org)
    with transaction.atomic():
        services.emit(make_interview(receiver.url + "/callback"), "interview.started", {})
        services.emit(make_interview(), "interview.started", {})  # no callbackUrl: the endpoint
    host = Delivery.objects.first().host

    claimed, drained, owners = _claim(host, 5)

    assert drained is True
    assert len(claimed) == 2
    for delivery in claimed:
        orm = Delivery.objects.select_related("event", "endpoint").get(id=delivery.id)
        assert _fields(delivery) == _fields(orm)
        assert delivery.status == DeliveryStatus.SENDING and delivery.attempt_count == 1
        with CaptureQueriesContext(connection) as reads:
            event, endpoint_of = delivery.event, delivery.endpoint
            assert event.body and event.webhook_id == orm.event.webhook_id
        assert reads.captured_queries == [], "the event and endpoint came with the claim"
        assert event.get_deferred_fields() == {"payload"}
        assert {k: v for k, v in _fields(event).items() if k != "payload"} == {
            k: v for k, v in _fields(orm.event).items() if k != "payload"
        }
        assert (endpoint_of and _fields(endpoint_of)) == (orm.endpoint and _fields(orm.endpoint))
        # The secrets the ORM would look up, current first, then the unexpired previous one.
        assert owners[secrets.owner(delivery)] == secrets.signing_secrets(orm)
    assert owners == {
        ("endpoint", endpoint.id): [Endpoint.objects.get(id=endpoint.id).secret, old_endpoint_secret],
        ("organization", org.id): [type(org).objects.get(id=org.id).webhook_secret, old_org_secret],
    }


def test_a_claim_takes_the_oldest_due_and_tells_whether_more_is_due(receiver, make_interview):
    deliveries = _emit(make_interview, receiver.url, 4)
    host = deliveries[0].host
    Delivery.objects.filter(id=deliveries[0].id).update(next_attempt_at=timezone.now() + timedelta(minutes=5))

    first, drained, _ = _claim(host, 2)
    assert [d.id for d in first] == [deliveries[1].id, deliveries[2].id]
    assert drained is False  # one more was due
    second, drained, _ = _claim(host, 2)
    assert [d.id for d in second] == [deliveries[3].id]
    assert drained is True
    assert _claim(host, 2) == ([], True, {})
    assert Delivery.objects.get(id=deliveries[0].id).status == DeliveryStatus.PENDING
    assert len({d.claim for d in first} | {d.claim for d in second}) == 2


@pytest.mark.django_db(transaction=True)
def test_a_claim_skips_what_another_worker_has_locked(receiver, make_interview, monkeypatch):
    monkeypatch.setattr(services, "enqueue_on_commit", lambda hosts: None)  # committed here: no job
    deliveries = _emit(make_interview, receiver.url, 3)
    locked, release = threading.Event(), threading.Event()

    def other_worker():
        try:
            with transaction.atomic():
                Delivery.objects.select_for_update().get(id=deliveries[0].id)
                locked.set()
                release.wait(10)
        finally:
            connections.close_all()

    thread = threading.Thread(target=other_worker)
    thread.start()
    try:
        assert locked.wait(10)
        claimed, drained, _ = _claim(deliveries[0].host, 5)
    finally:
        release.set()
        thread.join()
    assert [d.id for d in claimed] == [deliveries[1].id, deliveries[2].id]
    assert drained is True
    assert Delivery.objects.get(id=deliveries[0].id).status == DeliveryStatus.PENDING


def test_a_job_for_one_delivery_runs_five_statements(receiver, make_interview):
    host = _emit(make_interview, receiver.url)[0].host
    DestinationSlot.objects.bulk_create(
        [DestinationSlot(host=host, number=n) for n in range(4)]
    )  # made by the destination's first job
    with CaptureQueriesContext(connection) as statements_run:
        assert drain(host) == 1
    assert len(statements_run.captured_queries) == STATEMENTS_PER_SINGLE_DELIVERY, [
        q["sql"][:80] for q in statements_run.captured_queries
    ]
    assert len(receiver.requests) == 1
    assert Delivery.objects.get().status == DeliveryStatus.SUCCEEDED
    assert set(DestinationSlot.objects.values_list("holder", "held_until")) == {(None, None)}


def test_a_slot_is_taken_in_one_statement_once_the_destinations_slots_are_made(settings):
    settings.WEBHOOK_MAX_IN_FLIGHT_PER_HOST = 2
    host = "receiver.example:443"
    first = slots.take(host)  # the first time: the slots are made
    assert DestinationSlot.objects.filter(host=host).count() == 2
    with CaptureQueriesContext(connection) as run:
        second = slots.take(host)
    assert len(run.captured_queries) == 1
    assert {first.number, second.number} == {0, 1}
    with CaptureQueriesContext(connection) as run:
        assert slots.take(host) is None  # both held
    assert len(run.captured_queries) == 1
    # A holder that vanished: its slot is free again once its time is up.
    DestinationSlot.objects.filter(host=host, number=first.number).update(
        held_until=timezone.now() - timedelta(seconds=1)
    )
    again = slots.take(host)
    assert again.number == first.number and again.holder != first.holder
    slots.give_back(first)  # the old holder's give-back frees nothing now
    assert DestinationSlot.objects.get(host=host, number=first.number).holder == again.holder
    slots.give_back(again)
    assert DestinationSlot.objects.get(host=host, number=first.number).holder is None

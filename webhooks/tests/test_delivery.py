"""Delivery through the outbox: attempts, retries, failures, claims, sweeps, redelivery."""

from __future__ import annotations

import json
import time
from datetime import timedelta

import pytest
import time_machine
from django.db import transaction
from django.utils import timezone
from standardwebhooks.webhooks import Webhook

from tests.receiver import REDIRECT_PATH, Reply
from webhooks import services, transport
from webhooks.models import Attempt, AttemptOutcome, Delivery, DeliveryStatus, Endpoint, Event

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("allow_loopback")]

ZEROS = [0] * 7


def _verify(secret, request):
    return Webhook(secret).verify(request.body, request.headers)


def test_event_is_delivered_signed_with_the_org_secret(org, receiver, make_interview, emit_event):
    interview = make_interview(receiver.url + "/hook")
    event = emit_event(interview, "interview.plan_generated", {"planId": "plan-1"})

    [request] = receiver.requests
    assert request.path == "/hook"
    assert request.headers["webhook-id"] == event.webhook_id == f"msg_{event.id.hex}"
    assert request.headers["content-type"] == "application/json"
    assert request.body == event.body.encode()
    body = _verify(org.webhook_secret, request)
    assert body == {
        "event": "interview.plan_generated",
        "runId": str(interview.run_id),
        "interviewId": str(interview.id),
        "state": "PENDING",
        "timestamp": event.payload["timestamp"],
        "data": {"planId": "plan-1", "sequence": 1},
    }
    # Compact JSON, keys in the documented order.
    assert request.body.startswith(b'{"event":"interview.plan_generated","runId":')

    delivery = Delivery.objects.get(event=event)
    assert (delivery.status, delivery.attempt_count, delivery.last_status_code) == ("SUCCEEDED", 1, 200)
    assert delivery.completed_at is not None and delivery.claimed_until is None
    [attempt] = delivery.attempts.all()
    assert (attempt.number, attempt.status_code, attempt.outcome) == (1, 200, AttemptOutcome.SUCCEEDED)
    assert attempt.response_excerpt == "ok"


def test_temporary_failures_are_retried_with_the_same_id(org, receiver, make_interview, emit_event, settings):
    # A schedule of zeros: in eager mode each retry runs at once, bounded by the schedule.
    settings.WEBHOOK_RETRY_SCHEDULE = ZEROS
    receiver.script([500, 500, 500, 200])
    event = emit_event(make_interview(receiver.url + "/hook"))

    requests = receiver.requests
    assert len(requests) == 4
    assert {r.headers["webhook-id"] for r in requests} == {event.webhook_id}
    assert {r.body for r in requests} == {event.body.encode()}
    for request in requests:
        _verify(org.webhook_secret, request)
    delivery = Delivery.objects.get(event=event)
    assert (delivery.status, delivery.attempt_count) == (DeliveryStatus.SUCCEEDED, 4)
    attempts = list(delivery.attempts.values_list("number", "status_code", "outcome"))
    assert attempts == [
        (1, 500, "retry"),
        (2, 500, "retry"),
        (3, 500, "retry"),
        (4, 200, "succeeded"),
    ]


def test_each_attempt_is_timestamped_afresh_and_waits_its_turn(
    org, receiver, make_interview, emit_event, settings
):
    settings.WEBHOOK_RETRY_SCHEDULE = [60, 300, 1800]
    receiver.script([503, 503, 503, 200])
    with time_machine.travel("2025-03-01 09:00:00Z", tick=False) as traveller:
        event = emit_event(make_interview(receiver.url + "/hook"))
        delivery = Delivery.objects.get(event=event)
        # Verified when it arrives: receivers reject timestamps older than 5 minutes.
        _verify(org.webhook_secret, receiver.requests[-1])
        for expected_delay in [60, 300, 1800]:
            delivery.refresh_from_db()
            assert delivery.status == DeliveryStatus.PENDING
            delay = (delivery.next_attempt_at - timezone.now()).total_seconds()
            assert expected_delay * 0.9 <= delay <= expected_delay * 1.1
            # Not due yet: nothing is sent.
            assert services.attempt_delivery(delivery.id) is None
            traveller.shift(delay + 1)
            assert services.attempt_delivery(delivery.id) is not None
            _verify(org.webhook_secret, receiver.requests[-1])
    requests = receiver.requests
    assert len(requests) == 4
    stamps = [int(r.headers["webhook-timestamp"]) for r in requests]
    assert stamps == sorted(stamps) and len(set(stamps)) == 4
    assert stamps[1] - stamps[0] >= 54 and stamps[3] - stamps[2] >= 1620
    assert {r.headers["webhook-id"] for r in requests} == {event.webhook_id}
    delivery.refresh_from_db()
    assert delivery.status == DeliveryStatus.SUCCEEDED


def test_retries_stop_when_the_schedule_is_exhausted(receiver, make_interview, emit_event, settings):
    settings.WEBHOOK_RETRY_SCHEDULE = [0, 0]
    receiver.script([500] * 10)
    event = emit_event(make_interview(receiver.url + "/hook"))
    assert len(receiver.requests) == 3
    delivery = Delivery.objects.get(event=event)
    assert (delivery.status, delivery.attempt_count) == (DeliveryStatus.FAILED, 3)
    assert "gave up after 3 attempts" in delivery.last_error
    assert delivery.attempts.last().outcome == AttemptOutcome.FAILED


def test_default_schedule_is_eight_attempts(settings):
    assert settings.WEBHOOK_RETRY_SCHEDULE == [5, 300, 1800, 7200, 18000, 36000, 36000]
    assert services.max_attempts() == 8
    assert services.retry_delay(7) is not None and services.retry_delay(8) is None


def test_retry_delay_jitter_and_retry_after(settings):
    settings.WEBHOOK_RETRY_SCHEDULE = [100, 1000]
    delays = [services.retry_delay(1) for _ in range(200)]
    assert all(90 <= d <= 110 for d in delays)
    assert len({round(d, 3) for d in delays}) > 50, "jittered, not constant"
    assert 900 <= services.retry_delay(2) <= 1100
    assert services.retry_delay(1, retry_after=500) == 500  # larger Retry-After wins
    assert 90 <= services.retry_delay(1, retry_after=5) <= 110  # smaller one does not
    assert services.retry_delay(1, retry_after=10**9) == settings.WEBHOOK_RETRY_AFTER_CAP == 3600
    assert services.retry_delay(3) is None


def test_retry_after_from_the_receiver_is_honoured(receiver, make_interview, emit_event, settings):
    settings.WEBHOOK_RETRY_SCHEDULE = [5]
    receiver.script([Reply(429, headers={"Retry-After": "600"})])
    before = timezone.now()
    event = emit_event(make_interview(receiver.url + "/hook"))
    delivery = Delivery.objects.get(event=event)
    assert delivery.status == DeliveryStatus.PENDING
    assert delivery.next_attempt_at >= before + timedelta(seconds=600)
    assert len(receiver.requests) == 1


def test_client_error_fails_at_once(receiver, make_interview, emit_event, settings):
    settings.WEBHOOK_RETRY_SCHEDULE = ZEROS
    receiver.script([Reply(400, body=b'{"error":"bad payload"}')])
    event = emit_event(make_interview(receiver.url + "/hook"))
    assert len(receiver.requests) == 1
    delivery = Delivery.objects.get(event=event)
    assert (delivery.status, delivery.attempt_count, delivery.last_status_code) == ("FAILED", 1, 400)
    [attempt] = delivery.attempts.all()
    assert attempt.outcome == AttemptOutcome.FAILED
    assert attempt.response_excerpt == '{"error":"bad payload"}'
    assert attempt.error == "HTTP 400"


def test_gone_disables_the_endpoint(org, receiver, make_interview, emit_event, settings):
    settings.WEBHOOK_RETRY_SCHEDULE = ZEROS
    endpoint = Endpoint.objects.create(organization=org, url=receiver.url + "/default")
    interview = make_interview(callback_url="")  # no callbackUrl: the org's endpoint
    receiver.script([410])
    event = emit_event(interview)

    [request] = receiver.requests
    assert request.path == "/default"
    Webhook(endpoint.secret).verify(request.body, request.headers)  # the endpoint's own secret
    delivery = Delivery.objects.get(event=event)
    assert (delivery.status, delivery.endpoint_id, delivery.last_status_code) == ("FAILED", endpoint.id, 410)
    endpoint.refresh_from_db()
    assert endpoint.is_active is False
    assert "410" in endpoint.disabled_reason and str(delivery.id) in endpoint.disabled_reason

    # Later events are not sent to a disabled endpoint.
    emit_event(interview, "interview.cancelled", {})
    assert len(receiver.requests) == 1


def test_pending_delivery_to_a_disabled_endpoint_stops_without_sending(org, receiver, make_interview):
    endpoint = Endpoint.objects.create(organization=org, url=receiver.url + "/default")
    with transaction.atomic():
        event = services.emit(make_interview(), "interview.started", {})
    endpoint.is_active = False
    endpoint.disabled_reason = "turned off by an operator"
    endpoint.save()
    delivery = Delivery.objects.get(event=event)
    services.attempt_delivery(delivery.id)
    delivery.refresh_from_db()
    assert delivery.status == DeliveryStatus.FAILED
    assert "turned off by an operator" in delivery.last_error
    assert receiver.requests == []


def test_redirect_fails_and_is_not_followed(receiver, make_interview, emit_event, settings):
    settings.WEBHOOK_RETRY_SCHEDULE = ZEROS
    receiver.script([302])
    event = emit_event(make_interview(receiver.url + "/hook"))
    time.sleep(0.2)
    assert receiver.paths() == ["/hook"]
    assert REDIRECT_PATH not in receiver.paths()
    delivery = Delivery.objects.get(event=event)
    assert (delivery.status, delivery.attempt_count, delivery.last_status_code) == ("FAILED", 1, 302)
    assert "redirects are not followed" in delivery.last_error


def test_slow_receiver_times_out_and_is_retried_later(receiver, make_interview, emit_event, settings):
    settings.WEBHOOK_TIMEOUT_SECONDS = 1
    settings.WEBHOOK_RETRY_SCHEDULE = [3600]
    receiver.script([Reply(200, delay=2.5)])
    event = emit_event(make_interview(receiver.url + "/hook"))
    delivery = Delivery.objects.get(event=event)
    assert delivery.status == DeliveryStatus.PENDING
    assert delivery.next_attempt_at > timezone.now() + timedelta(seconds=3000)
    [attempt] = delivery.attempts.all()
    assert attempt.outcome == AttemptOutcome.RETRY
    assert attempt.status_code is None
    assert attempt.error.startswith("timeout after 1s")
    assert 900 <= attempt.duration_ms < 2400


def test_refused_address_is_a_permanent_failure(receiver, make_interview, emit_event, settings):
    settings.WEBHOOK_ALLOWED_NETWORKS = []
    settings.WEBHOOK_RETRY_SCHEDULE = ZEROS
    event = emit_event(make_interview(receiver.url + "/hook"))
    delivery = Delivery.objects.get(event=event)
    assert (delivery.status, delivery.attempt_count) == (DeliveryStatus.FAILED, 1)
    assert "refused" in delivery.last_error and "loopback" in delivery.last_error
    time.sleep(0.2)
    assert receiver.requests == []


def test_connect_time_refusal_fails_the_delivery(receiver, make_interview, emit_event, settings, monkeypatch):
    import socket

    real = socket.getaddrinfo
    answers = iter(["93.184.216.34"])  # the check sees a public address ...

    def rebinding(host, port, *args, **kwargs):
        if host != "rebind.example":
            return real(host, port, *args, **kwargs)
        ip = next(answers, "127.0.0.1")  # ... the connection gets loopback
        return [(socket.AF_INET, socket.SOCK_STREAM, socket.IPPROTO_TCP, "", (ip, port))]

    monkeypatch.setattr(socket, "getaddrinfo", rebinding)
    settings.WEBHOOK_ALLOWED_NETWORKS = []
    settings.WEBHOOK_RETRY_SCHEDULE = ZEROS
    event = emit_event(make_interview(f"http://rebind.example:{receiver.port}/hook"))
    delivery = Delivery.objects.get(event=event)
    assert (delivery.status, delivery.attempt_count) == (DeliveryStatus.FAILED, 1)
    assert "connected to 127.0.0.1" in delivery.last_error
    time.sleep(0.2)
    assert receiver.requests == []


def test_two_workers_on_one_delivery_send_once(receiver, make_interview, monkeypatch):
    with transaction.atomic():
        event = services.emit(make_interview(receiver.url + "/hook"), "interview.started", {})
    delivery = Delivery.objects.get(event=event)
    real_post = transport.post
    concurrent = []

    def post_while_another_worker_tries(*args, **kwargs):
        # A second worker runs the same job while the first is mid-request.
        concurrent.append(services.attempt_delivery(delivery.id))
        return real_post(*args, **kwargs)

    monkeypatch.setattr(transport, "post", post_while_another_worker_tries)
    first = services.attempt_delivery(delivery.id)
    second = services.attempt_delivery(delivery.id)  # and once more after it finished

    assert first is not None and first.outcome == AttemptOutcome.SUCCEEDED
    assert concurrent == [None] and second is None
    assert len(receiver.requests) == 1
    assert Attempt.objects.filter(delivery=delivery).count() == 1


def test_running_the_task_twice_sends_once(receiver, make_interview):
    from webhooks.tasks import deliver

    with transaction.atomic():
        event = services.emit(make_interview(receiver.url + "/hook"), "interview.started", {})
    delivery_id = str(Delivery.objects.get(event=event).id)
    deliver.apply(args=[delivery_id])
    deliver.apply(args=[delivery_id])
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
        from django.db import connection

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


def test_sweeper_takes_back_a_lost_claim_and_delivers(org, receiver, make_interview):
    with transaction.atomic():
        event = services.emit(make_interview(receiver.url + "/hook"), "interview.started", {})
    # A worker claimed it (attempt 1) and vanished.
    Delivery.objects.filter(event=event).update(
        status=DeliveryStatus.SENDING,
        attempt_count=1,
        claimed_until=timezone.now() - timedelta(seconds=1),
    )
    assert services.sweep_deliveries() == 1

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
    assert services.sweep_deliveries() == 0
    assert receiver.requests == []
    assert Delivery.objects.get(event=event).status == DeliveryStatus.SENDING


def test_sweeper_fails_a_lost_claim_that_was_the_last_attempt(receiver, make_interview, settings):
    settings.WEBHOOK_RETRY_SCHEDULE = [0]
    with transaction.atomic():
        event = services.emit(make_interview(receiver.url + "/hook"), "interview.started", {})
    Delivery.objects.filter(event=event).update(
        status=DeliveryStatus.SENDING, attempt_count=2, claimed_until=timezone.now() - timedelta(seconds=1)
    )
    assert services.sweep_deliveries() == 0
    delivery = Delivery.objects.get(event=event)
    assert delivery.status == DeliveryStatus.FAILED and delivery.completed_at is not None
    assert receiver.requests == []


def test_sweeper_enqueues_overdue_pending_deliveries(receiver, make_interview):
    with transaction.atomic():
        overdue = services.emit(make_interview(receiver.url + "/a"), "interview.started", {})
        just_due = services.emit(make_interview(receiver.url + "/b"), "interview.started", {})
        future = services.emit(make_interview(receiver.url + "/c"), "interview.started", {})
    now = timezone.now()
    Delivery.objects.filter(event=overdue).update(next_attempt_at=now - timedelta(minutes=5))
    # Due moments ago: its own job is presumably still queued, so no duplicate.
    Delivery.objects.filter(event=just_due).update(next_attempt_at=now - timedelta(seconds=1))
    Delivery.objects.filter(event=future).update(next_attempt_at=now + timedelta(minutes=5))
    assert services.sweep_deliveries() == 1
    assert receiver.paths() == ["/a"]


def test_sweep_is_bounded(receiver, make_interview):
    with transaction.atomic():
        for _ in range(3):
            services.emit(make_interview(receiver.url + "/hook"), "interview.started", {})
    Delivery.objects.update(next_attempt_at=timezone.now() - timedelta(minutes=5))
    assert services.sweep_deliveries(batch=2) == 2
    assert services.sweep_deliveries(batch=2) == 1
    assert len(receiver.requests) == 3


def test_late_result_of_a_lost_worker_does_not_clobber_a_newer_claim(receiver, make_interview, monkeypatch):
    """Worker A's claim expires mid-request; the sweeper and worker B move on; A's answer is logged only."""
    with transaction.atomic():
        event = services.emit(make_interview(receiver.url + "/hook"), "interview.started", {})
    delivery = Delivery.objects.get(event=event)
    real_post = transport.post

    def slow_worker_a(*args, **kwargs):
        monkeypatch.setattr(transport, "post", real_post)  # worker B sends for real
        Delivery.objects.filter(id=delivery.id).update(claimed_until=timezone.now() - timedelta(seconds=1))
        services.sweep_deliveries()  # takes it back; worker B (eager) delivers attempt 2
        return transport.Result(transport.Outcome.TEMPORARY, error="connection failed: reset")

    monkeypatch.setattr(transport, "post", slow_worker_a)
    services.attempt_delivery(delivery.id)

    delivery.refresh_from_db()
    assert (delivery.status, delivery.attempt_count) == (DeliveryStatus.SUCCEEDED, 2)
    attempts = {a.number: a for a in delivery.attempts.all()}
    assert attempts[1].error == "connection failed: reset"  # A's real result replaced "worker lost"
    assert attempts[2].outcome == AttemptOutcome.SUCCEEDED


def test_redeliver_sends_the_same_event_again(
    org, receiver, make_interview, emit_event, django_capture_on_commit_callbacks
):
    event = emit_event(make_interview(receiver.url + "/hook"))
    original = Delivery.objects.get(event=event)
    assert original.status == DeliveryStatus.SUCCEEDED
    with django_capture_on_commit_callbacks(execute=True):
        again = services.redeliver(original)
    assert again.id != original.id and again.redelivery_of_id == original.id
    again.refresh_from_db()
    assert (again.status, again.url, again.attempt_count) == (DeliveryStatus.SUCCEEDED, original.url, 1)
    first, second = receiver.requests
    assert first.headers["webhook-id"] == second.headers["webhook-id"] == event.webhook_id
    assert first.body == second.body
    Webhook(org.webhook_secret).verify(second.body, second.headers)


def test_redeliver_to_an_endpoint_goes_to_its_current_url(
    org, receiver, make_interview, emit_event, django_capture_on_commit_callbacks
):
    endpoint = Endpoint.objects.create(organization=org, url=receiver.url + "/old")
    event = emit_event(make_interview())  # no callbackUrl: the organization's endpoint
    original = Delivery.objects.get(event=event)
    assert (original.status, original.endpoint_id) == (DeliveryStatus.SUCCEEDED, endpoint.id)
    # The URL was corrected since; the old one may not even be the receiver's any more.
    services.change_endpoint(endpoint, url=receiver.url + "/new")
    with django_capture_on_commit_callbacks(execute=True):
        again = services.redeliver(original)
    again.refresh_from_db()
    assert (again.url, again.host, again.endpoint_id) == (
        receiver.url + "/new",
        services.destination(receiver.url),
        endpoint.id,
    )
    assert again.status == DeliveryStatus.SUCCEEDED
    assert receiver.paths() == ["/old", "/new"]
    Webhook(endpoint.secret).verify(receiver.requests[1].body, receiver.requests[1].headers)


def test_redeliver_refuses_a_disabled_endpoint(org, receiver, make_interview, emit_event):
    endpoint = Endpoint.objects.create(organization=org, url=receiver.url + "/hook")
    original = Delivery.objects.get(event=emit_event(make_interview()))
    services.disable_endpoint(endpoint, "turned off by an operator")
    with pytest.raises(services.EndpointDisabled):
        services.redeliver(original)
    assert not Delivery.objects.filter(redelivery_of=original).exists()


def test_redeliver_refuses_a_delivery_in_progress(receiver, make_interview):
    with transaction.atomic():
        event = services.emit(make_interview(receiver.url + "/hook"), "interview.started", {})
    with pytest.raises(services.NotFinished):
        services.redeliver(Delivery.objects.get(event=event))


def test_sweeper_re_enqueues_a_stuck_delivery_once_per_grace_period(make_interview, monkeypatch, settings):
    """With no worker taking jobs, each sweep must not pile up another copy of every job."""
    settings.WEBHOOK_SWEEP_GRACE_SECONDS = 60
    with transaction.atomic():
        event = services.emit(make_interview("https://93.184.216.34/hook"), "interview.started", {})
    enqueued = []

    def record(task, delivery_id, countdown=0):
        enqueued.append(delivery_id)

    monkeypatch.setattr(services, "enqueue", record)
    with time_machine.travel(timezone.now() + timedelta(minutes=5), tick=False) as traveller:
        assert services.sweep_deliveries() == 1
        assert services.sweep_deliveries() == 0
        traveller.shift(59)
        assert services.sweep_deliveries() == 0
        traveller.shift(2)
        assert services.sweep_deliveries() == 1
    delivery = Delivery.objects.get(event=event)
    assert enqueued == [str(delivery.id)] * 2
    assert delivery.status == DeliveryStatus.PENDING and delivery.attempt_count == 0


def test_broker_outage_at_commit_loses_nothing(
    receiver, make_interview, monkeypatch, settings, django_capture_on_commit_callbacks
):
    """The change commits even if its jobs cannot be enqueued; the sweeper sends them later."""
    real_enqueue = services.enqueue

    def broker_down(*args, **kwargs):
        raise ConnectionRefusedError("Error 111 connecting to 127.0.0.1:6379")

    monkeypatch.setattr(services, "enqueue", broker_down)
    with django_capture_on_commit_callbacks(execute=True), transaction.atomic():
        first = services.emit(make_interview(receiver.url + "/a"), "interview.started", {})
        second = services.emit(make_interview(receiver.url + "/b"), "interview.started", {})
    assert receiver.requests == []
    assert Delivery.objects.filter(status=DeliveryStatus.PENDING).count() == 2

    monkeypatch.setattr(services, "enqueue", real_enqueue)
    grace = settings.WEBHOOK_SWEEP_GRACE_SECONDS
    with time_machine.travel(timezone.now() + timedelta(seconds=grace + 1)):
        assert services.sweep_deliveries() == 2
    assert sorted(receiver.paths()) == ["/a", "/b"]
    assert {r.headers["webhook-id"] for r in receiver.requests} == {first.webhook_id, second.webhook_id}

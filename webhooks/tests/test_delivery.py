"""Delivering an event: signed attempts, the retry schedule, and the failures that end it."""

from __future__ import annotations

import socket
import time
from datetime import timedelta

import pytest
import time_machine
from django.db import transaction
from django.utils import timezone
from standardwebhooks.webhooks import Webhook

from tests.receiver import REDIRECT_PATH, Reply
from webhooks import services
from webhooks.delivery import max_attempts, retry_delay
from webhooks.drain import drain
from webhooks.models import AttemptOutcome, Delivery, DeliveryStatus, Endpoint

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("allow_loopback")]

ZEROS = [0] * 7


def _verify(secret, request):
    return Webhook(secret).verify(request.body, request.headers)


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
            assert drain(delivery.host) == 0
            traveller.shift(delay + 1)
            assert drain(delivery.host) == 1
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
    assert max_attempts() == 8
    assert retry_delay(7) is not None and retry_delay(8) is None


def test_retry_delay_jitter_and_retry_after(settings):
    settings.WEBHOOK_RETRY_SCHEDULE = [100, 1000]
    delays = [retry_delay(1) for _ in range(200)]
    assert all(90 <= d <= 110 for d in delays)
    assert len({round(d, 3) for d in delays}) > 50, "jittered, not constant"
    assert 900 <= retry_delay(2) <= 1100
    assert retry_delay(1, retry_after=500) == 500  # larger Retry-After wins
    assert 90 <= retry_delay(1, retry_after=5) <= 110  # smaller one does not
    assert retry_delay(1, retry_after=10**9) == settings.WEBHOOK_RETRY_AFTER_CAP == 3600
    assert retry_delay(3) is None


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
    assert drain(delivery.host) == 1
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

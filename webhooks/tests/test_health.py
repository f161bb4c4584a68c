"""Endpoint health: days of failures (or a 410) disable an endpoint, and its admins hear of it once."""

from __future__ import annotations

from datetime import timedelta

import pytest
import time_machine
from django.core import mail

from accounts.models import Role, User
from tests.receiver import Reply
from webhooks import health, services
from webhooks.drain import drain
from webhooks.models import Delivery, DeliveryStatus, Endpoint

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("allow_loopback")]

START = "2025-06-02 09:00:00Z"


@pytest.fixture
def people(org, other_org):
    """Who should and should not be told: only the organization's active admins."""

    # No passwords: nobody signs in here, and hashing five of them per test is slow.
    def person(organization, email, role, active=True):
        return User.objects.create(email=email, organization=organization, role=role, is_active=active)

    person(org, "alice@acme.test", Role.RECRUITER)
    person(org, "former@acme.test", Role.ADMIN, active=False)
    person(other_org, "olga@outsider.test", Role.ADMIN)
    return [person(org, "ada@acme.test", Role.ADMIN), person(org, "bob@acme.test", Role.ADMIN)]


@pytest.fixture
def failing(org, receiver, settings):
    # Two hours: a retry is due at the next event a day or more later, not at one an hour later.
    settings.WEBHOOK_RETRY_SCHEDULE = [7200]
    receiver.default = Reply(500)
    return Endpoint.objects.create(organization=org, url=receiver.url + "/hook", description="Lever")


def test_five_days_without_success_disables_and_emails_the_admins_once(
    people, failing, receiver, make_interview, emit_event
):
    interview = make_interview()  # no callbackUrl: the registered endpoint
    with time_machine.travel(START, tick=False) as traveller:
        emit_event(interview, "interview.started", {})
        failing.refresh_from_db()
        first_failure = failing.failing_since
        assert first_failure is not None and failing.is_active

        traveller.shift(timedelta(days=4, hours=23))
        emit_event(interview, "interview.completed", {})
        failing.refresh_from_db()
        assert failing.is_active and failing.failing_since == first_failure  # the streak, not the latest
        assert mail.outbox == []

        traveller.shift(timedelta(hours=1, seconds=1))
        emit_event(interview, "interview.assessment_generated", {"assessmentId": "a"})
        failing.refresh_from_db()
        assert not failing.is_active
        assert failing.disabled_reason.startswith("no successful delivery for 5 days (last error: HTTP 500")
        assert failing.disabled_at is not None

        [message] = mail.outbox
        assert sorted(message.to) == ["ada@acme.test", "bob@acme.test"]
        assert message.subject == f"Webhook endpoint disabled: {failing.url}"
        assert "Lever" in message.body and failing.disabled_reason in message.body
        assert f"/api/v1/webhooks/endpoints/{failing.id}" in message.body

        # Retries still waiting stop without a request, and nobody is emailed again.
        sent = len(receiver.requests)
        traveller.shift(timedelta(hours=3))  # both retries are due, whatever their jitter
        waiting = Delivery.objects.filter(status=DeliveryStatus.PENDING).count()
        assert waiting == 2
        assert drain(failing.deliveries.first().host) == waiting
        emit_event(interview, "interview.cancelled", {})  # and new events are not sent to it
        assert len(receiver.requests) == sent
        assert not Delivery.objects.filter(status=DeliveryStatus.PENDING).exists()
        assert len(mail.outbox) == 1


def test_a_success_starts_the_count_again(people, failing, receiver, make_interview, emit_event):
    interview = make_interview()
    with time_machine.travel(START, tick=False) as traveller:
        emit_event(interview, "interview.started", {})
        traveller.shift(timedelta(days=3))
        receiver.script([200, 200])  # the first event's retry, due by now, and the new one
        emit_event(interview, "interview.completed", {})
        failing.refresh_from_db()
        assert failing.failing_since is None

        traveller.shift(timedelta(days=2, hours=1))  # 5 days after the first failure
        emit_event(interview, "interview.cancelled", {})
        failing.refresh_from_db()
        assert failing.is_active
        assert failing.failing_since is not None
    assert mail.outbox == []


def test_reenabling_resets_the_streak(people, failing, make_interview, emit_event):
    interview = make_interview()
    with time_machine.travel(START, tick=False) as traveller:
        emit_event(interview, "interview.started", {})
        traveller.shift(timedelta(days=5, seconds=1))
        emit_event(interview, "interview.completed", {})
        failing.refresh_from_db()
        assert not failing.is_active

        services.endpoint_enable(failing)
        assert (failing.is_active, failing.failing_since, failing.disabled_reason) == (True, None, "")
        # A failure right after re-enabling starts a new streak instead of disabling again.
        emit_event(interview, "interview.cancelled", {})
        failing.refresh_from_db()
        assert failing.is_active and failing.failing_since is not None
    assert len(mail.outbox) == 1


def test_gone_disables_and_emails_the_admins(people, org, receiver, make_interview, emit_event):
    endpoint = Endpoint.objects.create(organization=org, url=receiver.url + "/hook")
    receiver.script([410])
    emit_event(make_interview())
    endpoint.refresh_from_db()
    assert not endpoint.is_active and "410 Gone" in endpoint.disabled_reason
    [message] = mail.outbox
    assert sorted(message.to) == ["ada@acme.test", "bob@acme.test"]
    assert "410 Gone" in message.body


def test_callback_url_failures_leave_endpoints_alone(people, org, receiver, make_interview, emit_event):
    endpoint = Endpoint.objects.create(organization=org, url="https://93.184.216.34/hook")
    receiver.script([410])
    emit_event(make_interview(receiver.url + "/callback"))
    endpoint.refresh_from_db()
    assert endpoint.is_active and endpoint.failing_since is None
    assert mail.outbox == []


def test_a_mail_outage_does_not_fail_the_delivery_job(
    people, org, receiver, make_interview, emit_event, monkeypatch
):
    attempts = []

    def broken_send_mail(*args, **kwargs):
        attempts.append(args)
        raise ConnectionRefusedError("SMTP is down")

    monkeypatch.setattr(health, "send_mail", broken_send_mail)
    endpoint = Endpoint.objects.create(organization=org, url=receiver.url + "/hook")
    receiver.script([410])
    event = emit_event(make_interview())
    endpoint.refresh_from_db()
    assert not endpoint.is_active
    assert Delivery.objects.get(event=event).status == DeliveryStatus.FAILED
    assert len(attempts) == 1  # it was tried, failed, and was logged

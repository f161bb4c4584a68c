"""Secret rotation: the old secret keeps signing next to the new one until it expires."""

from __future__ import annotations

from datetime import timedelta

import pytest
import time_machine
from django.db import IntegrityError, transaction
from django.utils import timezone
from standardwebhooks.webhooks import Webhook, WebhookVerificationError

from accounts.models import new_webhook_secret
from interview_platform.api import Invalid
from webhooks import secrets, signing
from webhooks.models import Endpoint, SigningSecret
from webhooks.tasks import sweep_deliveries

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("allow_loopback")]


def _signatures(request) -> list[str]:
    return request.headers["webhook-signature"].split(" ")


def _expected(secret: str, request) -> str:
    headers = request.headers
    return signing.sign(secret, headers["webhook-id"], int(headers["webhook-timestamp"]), request.body)


def test_signature_header_lists_each_secret_once_in_order():
    new, old = new_webhook_secret(), new_webhook_secret()
    header = signing.signature([new, old, new], "msg_1", 1700000000, b"{}")
    expected = [signing.sign(secret, "msg_1", 1700000000, b"{}") for secret in (new, old)]
    assert header == " ".join(expected)
    assert signing.signature(new, "msg_1", 1, b"x") == signing.sign(new, "msg_1", 1, b"x")
    with pytest.raises(ValueError):
        signing.signature([], "msg_1", 1, b"x")


def test_endpoint_rotation_sends_both_signatures_until_the_old_secret_expires(
    org, receiver, make_interview, emit_event
):
    endpoint = Endpoint.objects.create(organization=org, url=receiver.url + "/hook")
    old = endpoint.secret
    with time_machine.travel("2025-05-01 08:00:00Z", tick=False) as traveller:
        rotation = secrets.rotate_endpoint_secret(endpoint)
        assert rotation.secret == endpoint.secret != old
        assert rotation.previous_expires_at == timezone.now() + timedelta(hours=24)

        interview = make_interview()  # no callbackUrl: the registered endpoint
        emit_event(interview, "interview.started", {})
        request = receiver.requests[-1]
        assert _signatures(request) == [_expected(rotation.secret, request), _expected(old, request)]
        # Receivers on either secret accept it.
        Webhook(rotation.secret).verify(request.body, request.headers)
        Webhook(old).verify(request.body, request.headers)

        traveller.shift(timedelta(hours=24, seconds=1))
        emit_event(interview, "interview.completed", {})
        request = receiver.requests[-1]
        assert _signatures(request) == [_expected(rotation.secret, request)]
        Webhook(rotation.secret).verify(request.body, request.headers)
        with pytest.raises(WebhookVerificationError):
            Webhook(old).verify(request.body, request.headers)


def test_organization_rotation_signs_callback_deliveries_only(org, receiver, make_interview, emit_event):
    endpoint = Endpoint.objects.create(organization=org, url=receiver.url + "/registered")
    old = org.webhook_secret
    rotation = secrets.rotate_organization_secret(org, expires_in=timedelta(hours=2))
    org.refresh_from_db()
    assert org.webhook_secret == rotation.secret != old
    assert SigningSecret.objects.get(organization=org).secret == old

    emit_event(make_interview(receiver.url + "/callback"))
    emit_event(make_interview())
    by_path = {r.path: r for r in receiver.requests}
    callback, registered = by_path["/callback"], by_path["/registered"]
    assert _signatures(callback) == [_expected(rotation.secret, callback), _expected(old, callback)]
    # The endpoint has its own secret, untouched by the organization's rotation.
    assert _signatures(registered) == [_expected(endpoint.secret, registered)]


def test_rotating_again_keeps_each_promise(org, receiver, make_interview, emit_event):
    first = org.webhook_secret
    with time_machine.travel("2025-05-01 08:00:00Z", tick=False) as traveller:
        secrets.rotate_organization_secret(org)  # first: valid until +24 h
        second = org.webhook_secret
        traveller.shift(timedelta(hours=1))
        secrets.rotate_organization_secret(org, expires_in=timedelta(hours=2))  # second: until +3 h
        third = org.webhook_secret
        interview = make_interview(receiver.url + "/hook")

        emit_event(interview, "interview.started", {})
        request = receiver.requests[-1]
        assert _signatures(request) == [_expected(s, request) for s in (third, second, first)]

        traveller.shift(timedelta(hours=3))  # the second has expired, the first has not
        emit_event(interview, "interview.completed", {})
        request = receiver.requests[-1]
        assert _signatures(request) == [_expected(s, request) for s in (third, first)]


def test_zero_overlap_drops_the_old_secret_at_once(org, receiver, make_interview, emit_event):
    old = org.webhook_secret
    secrets.rotate_organization_secret(org, expires_in=timedelta(0))
    assert not SigningSecret.objects.exists()
    emit_event(make_interview(receiver.url + "/hook"))
    [request] = receiver.requests
    assert _signatures(request) == [_expected(org.webhook_secret, request)]
    with pytest.raises(WebhookVerificationError):
        Webhook(old).verify(request.body, request.headers)
    with pytest.raises(Invalid):
        secrets.rotate_organization_secret(org, expires_in=timedelta(hours=-1))


def test_expired_secrets_are_purged_by_the_sweep(org):
    endpoint = Endpoint.objects.create(organization=org, url="https://93.184.216.34/hook")
    secrets.rotate_endpoint_secret(endpoint, expires_in=timedelta(hours=1))
    secrets.rotate_organization_secret(org, expires_in=timedelta(hours=5))
    with time_machine.travel(timezone.now() + timedelta(hours=2)):
        sweep_deliveries.apply()
        assert list(SigningSecret.objects.values_list("organization_id", flat=True)) == [org.id]
    with time_machine.travel(timezone.now() + timedelta(hours=6)):
        assert secrets.purge_expired_secrets() == 1
    assert not SigningSecret.objects.exists()


def test_a_previous_secret_has_exactly_one_owner(org):
    endpoint = Endpoint.objects.create(organization=org, url="https://93.184.216.34/hook")
    for owners in ({}, {"organization": org, "endpoint": endpoint}):
        with pytest.raises(IntegrityError), transaction.atomic():
            SigningSecret.objects.create(secret="whsec_x", expires_at=timezone.now(), **owners)

"""Webhook tests build bare interviews and emit events the way the business code does."""

from __future__ import annotations

import pytest
from django.db import transaction

from interviews.models import Interview
from webhooks.models import Delivery, DeliveryStatus
from webhooks.services import emit


@pytest.fixture
def make_interview(org):
    def make(callback_url: str = "", organization=None):
        return Interview.objects.create(
            organization=organization or org,
            state="PENDING",
            callback_url=callback_url,
            position="X",
            level="SENIOR",
        )

    return make


@pytest.fixture
def emit_event(capture):
    """Emit like the business code does: in a transaction, deliveries enqueued on commit."""

    def do(interview, event_type: str = "interview.plan_generated", data: dict | None = None):
        with capture(execute=True), transaction.atomic():
            return emit(interview, event_type, data or {"planId": "p-1"})

    return do


@pytest.fixture
def failed_delivery(receiver, make_interview, emit_event):
    """A delivery the receiver refused with a 400: FAILED, with its attempt."""
    receiver.script([400])
    event = emit_event(make_interview(receiver.url + "/hook"))
    delivery = Delivery.objects.get(event=event)
    assert delivery.status == DeliveryStatus.FAILED
    return delivery

from __future__ import annotations

import ipaddress

import pytest

from tests.receiver import Receiver

LOOPBACK = [ipaddress.ip_network("127.0.0.0/8")]


@pytest.fixture
def receiver():
    with Receiver() as r:
        yield r


@pytest.fixture
def allow_loopback(settings):
    """Let deliveries reach the local receiver; everything else stays refused."""
    settings.WEBHOOK_ALLOWED_NETWORKS = LOOPBACK


@pytest.fixture
def make_interview(org):
    from interviews.models import Interview

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
def emit_event(django_capture_on_commit_callbacks):
    """Emit like the business code does: in a transaction, deliveries enqueued on commit."""
    from django.db import transaction

    from webhooks.services import emit

    def do(interview, event_type: str = "interview.plan_generated", data: dict | None = None):
        with django_capture_on_commit_callbacks(execute=True), transaction.atomic():
            return emit(interview, event_type, data or {"planId": "p-1"})

    return do

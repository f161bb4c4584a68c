"""Endpoint health: an endpoint that answers 410, or keeps failing for days, is disabled.

Its organization's admins are emailed once it is, with the way back: re-enable
it and redeliver what it missed.
"""

from __future__ import annotations

import logging
from datetime import timedelta
from functools import partial

from django.conf import settings
from django.core.mail import send_mail
from django.db import transaction

from accounts.models import Role, User

from . import transport
from .models import Delivery, Endpoint
from .signing import iso_time

logger = logging.getLogger(__name__)


def track_endpoint_health(delivery: Delivery, result: transport.Result, started_at, now) -> None:
    """Keep the endpoint's failure streak; disable it on 410 or after days without a success.

    Conditional UPDATEs: of several workers recording at once, exactly one
    disables the endpoint, and only that one has the admins emailed.
    """
    endpoints = Endpoint.objects.filter(id=delivery.endpoint_id)
    if result.outcome is transport.Outcome.SUCCESS:
        endpoints.filter(failing_since__isnull=False).update(failing_since=None)
        return
    endpoints.filter(failing_since__isnull=True).update(failing_since=started_at)
    if result.outcome is transport.Outcome.GONE:
        reason = f"{delivery.url} answered 410 Gone at {iso_time(now)} (delivery {delivery.id})"
        disabled = endpoints.filter(is_active=True).update(
            is_active=False, disabled_reason=reason[:300], disabled_at=now
        )
    else:
        days = settings.WEBHOOK_DISABLE_AFTER_DAYS
        reason = f"no successful delivery for {days} days (last error: {result.error})"
        disabled = endpoints.filter(is_active=True, failing_since__lte=now - timedelta(days=days)).update(
            is_active=False, disabled_reason=reason[:300], disabled_at=now
        )
    if disabled:
        logger.warning("webhook endpoint %s (%s) disabled: %s", delivery.endpoint_id, delivery.url, reason)
        transaction.on_commit(partial(notify_endpoint_disabled, delivery.endpoint_id))


def notify_endpoint_disabled(endpoint_id) -> int:
    """Email the organization's admins that an endpoint was disabled. Returns the number of recipients."""
    endpoint = Endpoint.objects.select_related("organization").get(id=endpoint_id)
    recipients = list(
        User.objects.filter(
            organization_id=endpoint.organization_id, role=Role.ADMIN, is_active=True
        ).values_list("email", flat=True)
    )
    if not recipients:
        return 0
    try:
        send_mail(
            f"Webhook endpoint disabled: {endpoint.url}"[:200],
            _disabled_mail_body(endpoint),
            settings.DEFAULT_FROM_EMAIL,
            recipients,
        )
    except Exception:
        # Runs after the commit: the endpoint is disabled either way, and the
        # reason is on it for anyone who looks; a mail server outage must not
        # fail the delivery job that noticed.
        logger.exception("could not email the admins about disabled endpoint %s", endpoint.id)
        return 0
    return len(recipients)


def _disabled_mail_body(endpoint: Endpoint) -> str:
    base = settings.PUBLIC_BASE_URL
    label = f"{endpoint.url} ({endpoint.description})" if endpoint.description else endpoint.url
    return (
        f"Webhooks for {endpoint.organization.name} are no longer sent to {label}.\n\n"
        f"Why: {endpoint.disabled_reason}\n\n"
        "Events that happen while it is disabled are not sent to it. Once the receiver works\n"
        "again, re-enable it (this also resets its failure count):\n\n"
        f'  PATCH {base}/api/v1/webhooks/endpoints/{endpoint.id}  {{"isActive": true}}\n\n'
        "or in the operators' admin at "
        f"{base}/ops/webhooks/endpoint/{endpoint.id}/change/, then redeliver what it missed:\n\n"
        f"  GET  {base}/api/v1/webhooks/deliveries?status=FAILED\n"
        f"  POST {base}/api/v1/webhooks/deliveries/<id>/redeliver\n"
    )

"""Signing secrets: which ones sign a delivery, and rotating them without breaking receivers.

A rotated-out secret keeps signing, next to the new one, until it expires, so
a receiver can switch secrets without rejecting anything.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.db import transaction
from django.utils import timezone

from accounts.models import Organization, new_webhook_secret
from interview_platform.api import Invalid

from .models import Delivery, Endpoint, SigningSecret

# How long a rotated-out secret keeps signing, unless the caller says otherwise.
DEFAULT_SECRET_OVERLAP = timedelta(hours=24)


@dataclass(frozen=True)
class Rotation:
    secret: str  # the new secret, shown to the caller once
    previous_expires_at: datetime  # until then the old secret signs too


def owner(delivery: Delivery) -> tuple[str, object]:
    """Whose secrets sign ``delivery``: ``("endpoint", id)``, or ``("organization", id)`` for a callback."""
    if delivery.endpoint_id is not None:
        return ("endpoint", delivery.endpoint_id)
    return ("organization", delivery.event.organization_id)


def signing_secrets(delivery: Delivery, now: datetime | None = None) -> list[str]:
    """The secrets that sign ``delivery``: the current one first, then unexpired previous ones.

    A registered endpoint has its own secret; a per-interview callbackUrl is
    signed with the organization's.
    """
    now = now or timezone.now()
    if delivery.endpoint_id is not None:
        current = delivery.endpoint.secret
        previous = SigningSecret.objects.filter(endpoint_id=delivery.endpoint_id)
    else:
        current = delivery.event.organization.webhook_secret
        previous = SigningSecret.objects.filter(organization_id=delivery.event.organization_id)
    older = previous.filter(expires_at__gt=now).order_by("-created_at", "-id")
    return [current, *older.values_list("secret", flat=True)]


def _overlap(expires_in: timedelta | None) -> timedelta:
    expires_in = DEFAULT_SECRET_OVERLAP if expires_in is None else expires_in
    if expires_in < timedelta(0):
        raise Invalid("a previous secret cannot expire in the past")
    return expires_in


@transaction.atomic
def rotate_organization_secret(organization, *, expires_in: timedelta | None = None) -> Rotation:
    """Give ``organization`` a new signing secret; the old one keeps signing for ``expires_in``."""
    expires_at = timezone.now() + _overlap(expires_in)
    # Locked so two rotations at once do not lose a secret between them.
    locked = Organization.objects.select_for_update().get(pk=organization.pk)
    if expires_in != timedelta(0):
        SigningSecret.objects.create(organization=locked, secret=locked.webhook_secret, expires_at=expires_at)
    locked.webhook_secret = new_webhook_secret()
    locked.save(update_fields=["webhook_secret"])
    organization.webhook_secret = locked.webhook_secret
    return Rotation(locked.webhook_secret, expires_at)


@transaction.atomic
def rotate_endpoint_secret(endpoint: Endpoint, *, expires_in: timedelta | None = None) -> Rotation:
    """Give ``endpoint`` a new signing secret; the old one keeps signing for ``expires_in``."""
    expires_at = timezone.now() + _overlap(expires_in)
    locked = Endpoint.objects.select_for_update().get(pk=endpoint.pk)
    if expires_in != timedelta(0):
        SigningSecret.objects.create(endpoint=locked, secret=locked.secret, expires_at=expires_at)
    locked.secret = new_webhook_secret()
    locked.save(update_fields=["secret"])
    endpoint.secret = locked.secret
    return Rotation(locked.secret, expires_at)


def purge_expired_secrets(now: datetime | None = None) -> int:
    """Delete previous secrets past their expiry: they no longer sign, and need not be kept."""
    deleted, _ = SigningSecret.objects.filter(expires_at__lte=now or timezone.now()).delete()
    return deleted

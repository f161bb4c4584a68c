from __future__ import annotations

import uuid

from django.db import models
from django.db.models import Q
from django.utils import timezone

from accounts.models import new_webhook_secret


class Endpoint(models.Model):
    """An organization's registered webhook receiver (used when a request has no callbackUrl)."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    organization = models.ForeignKey(
        "accounts.Organization", on_delete=models.CASCADE, related_name="webhook_endpoints"
    )
    url = models.URLField(max_length=2000)
    description = models.CharField(max_length=200, blank=True)
    secret = models.CharField(max_length=100, default=new_webhook_secret)
    is_active = models.BooleanField(default=True)
    disabled_reason = models.CharField(max_length=300, blank=True)
    disabled_at = models.DateTimeField(null=True, blank=True)
    # When the current run of failed attempts began; cleared by any success
    # (and by re-enabling). A run this long disables the endpoint.
    failing_since = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now, editable=False)

    class Meta:
        ordering = ["created_at"]

    def __str__(self) -> str:
        return self.url


class SigningSecret(models.Model):
    """A previous signing secret that still signs until ``expires_at`` (after a rotation).

    Belongs to an organization (its ``webhook_secret`` signs callbackUrl
    deliveries) or to an endpoint. While it is unexpired, every delivery
    carries a signature with it next to the one with the current secret, so
    a receiver can switch secrets without rejecting anything.
    """

    organization = models.ForeignKey(
        "accounts.Organization",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="previous_webhook_secrets",
    )
    endpoint = models.ForeignKey(
        Endpoint, null=True, blank=True, on_delete=models.CASCADE, related_name="previous_secrets"
    )
    secret = models.CharField(max_length=100)
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    expires_at = models.DateTimeField()

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(organization__isnull=False, endpoint__isnull=True)
                | Q(organization__isnull=True, endpoint__isnull=False),
                name="signing_secret_has_one_owner",
            )
        ]

    def __str__(self) -> str:
        return f"previous secret, expires {self.expires_at:%Y-%m-%d %H:%M}"


class Event(models.Model):
    """One thing that happened, as the ATS will see it. Its id is the webhook-id."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    organization = models.ForeignKey("accounts.Organization", on_delete=models.CASCADE, related_name="+")
    interview = models.ForeignKey(
        "interviews.Interview", null=True, on_delete=models.CASCADE, related_name="events"
    )
    type = models.CharField(max_length=64, db_index=True)
    sequence = models.PositiveIntegerField()
    payload = models.JSONField()
    # The exact bytes sent (compact JSON of payload), fixed when the event is
    # recorded: every retry and redelivery signs and sends the same body, even
    # on databases that reorder JSON keys (PostgreSQL jsonb).
    body = models.TextField(blank=True, editable=False)
    created_at = models.DateTimeField(default=timezone.now, editable=False)

    class Meta:
        ordering = ["created_at"]

    def __str__(self) -> str:
        return f"{self.type} #{self.sequence}"

    @property
    def webhook_id(self) -> str:
        return f"msg_{self.id.hex}"


class DeliveryStatus(models.TextChoices):
    PENDING = "PENDING"  # waiting for its next attempt
    SENDING = "SENDING"  # claimed by a worker
    SUCCEEDED = "SUCCEEDED"
    FAILED = "FAILED"  # gave up: permanent error or retries exhausted


# A delivery in one of these states is done: only these can be redelivered.
FINISHED = (DeliveryStatus.SUCCEEDED, DeliveryStatus.FAILED)


class Delivery(models.Model):
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    event = models.ForeignKey(Event, on_delete=models.CASCADE, related_name="deliveries")
    endpoint = models.ForeignKey(
        Endpoint, null=True, blank=True, on_delete=models.SET_NULL, related_name="deliveries"
    )
    url = models.URLField(max_length=2000)
    # "host:port" of ``url``: deliveries are sent, and limited, per destination.
    host = models.CharField(max_length=300, blank=True, editable=False)
    # Set on a delivery someone asked for again (API, /ops/ or the interview page).
    redelivery_of = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.SET_NULL, related_name="redeliveries"
    )
    status = models.CharField(max_length=16, choices=DeliveryStatus.choices, default=DeliveryStatus.PENDING)
    attempt_count = models.PositiveSmallIntegerField(default=0)
    next_attempt_at = models.DateTimeField(default=timezone.now)
    # A claimed delivery whose worker vanished is taken back after this time.
    claimed_until = models.DateTimeField(null=True, blank=True)
    # Which claim took it (a worker claims a few due deliveries of a destination at once).
    claim = models.UUIDField(null=True, blank=True, editable=False)
    last_status_code = models.PositiveSmallIntegerField(null=True, blank=True)
    last_error = models.TextField(blank=True)
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    completed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name_plural = "deliveries"
        indexes = [
            models.Index(
                fields=["next_attempt_at"],
                name="delivery_due_idx",
                condition=Q(status__in=["PENDING", "SENDING"]),
            ),
            # What a worker claims at a destination: its due deliveries, oldest first.
            models.Index(
                fields=["host", "next_attempt_at"],
                name="delivery_claim_idx",
                condition=Q(status="PENDING"),
            ),
            models.Index(fields=["claim"], name="delivery_claim_token_idx", condition=Q(claim__isnull=False)),
        ]

    def __str__(self) -> str:
        return f"{self.event.type} → {self.url} ({self.status})"


class DestinationSlot(models.Model):
    """One of the ``WEBHOOK_MAX_IN_FLIGHT_PER_HOST`` turns at a destination (``host:port``).

    A worker sends to a destination only while it holds one of its slots, so a
    slow receiver occupies at most that many workers. The holder gives it back
    when done; a worker that vanished loses it at ``held_until``.
    """

    host = models.CharField(max_length=300)
    number = models.PositiveSmallIntegerField()
    holder = models.UUIDField(null=True, blank=True)
    held_until = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["host", "number"], name="destination_slot_unique")]

    def __str__(self) -> str:
        return f"{self.host} #{self.number}"


class AttemptOutcome(models.TextChoices):
    SUCCEEDED = "succeeded"
    RETRY = "retry"  # a temporary failure; another attempt is scheduled
    FAILED = "failed"  # the delivery gave up after this attempt


class Attempt(models.Model):
    delivery = models.ForeignKey(Delivery, on_delete=models.CASCADE, related_name="attempts")
    number = models.PositiveSmallIntegerField()
    started_at = models.DateTimeField(default=timezone.now)
    duration_ms = models.PositiveIntegerField(default=0)
    status_code = models.PositiveSmallIntegerField(null=True, blank=True)
    response_excerpt = models.TextField(blank=True)
    error = models.TextField(blank=True)
    outcome = models.CharField(max_length=16, choices=AttemptOutcome.choices)

    class Meta:
        ordering = ["delivery", "number"]
        constraints = [models.UniqueConstraint(fields=["delivery", "number"], name="attempt_number_unique")]

    def __str__(self) -> str:
        return f"attempt {self.number}: {self.status_code or self.error[:40]}"

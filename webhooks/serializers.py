"""Input and output shapes of the webhook management API (camelCase on the wire)."""

from __future__ import annotations

import json

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from interview_platform.api import StrictBooleanField, StrictCharField, StrictIntegerField

from . import transport
from .models import Attempt, Delivery, DeliveryStatus


class EndpointUrlField(serializers.URLField):
    """An http(s) URL webhooks may be sent to (the SSRF guard's check, as at delivery)."""

    def to_internal_value(self, data):
        if not isinstance(data, str):
            self.fail("invalid")
        value = super().to_internal_value(data.strip())
        try:
            transport.check_url(value)
        except transport.UnsafeUrl as exc:
            raise serializers.ValidationError(exc.message) from None
        return value


# --- Endpoints -------------------------------------------------------------------


class EndpointOut(serializers.Serializer):
    id = serializers.UUIDField()
    url = serializers.URLField()
    description = serializers.CharField()
    isActive = serializers.BooleanField(source="is_active")
    disabledReason = serializers.CharField(source="disabled_reason")
    disabledAt = serializers.DateTimeField(source="disabled_at", allow_null=True)
    failingSince = serializers.DateTimeField(
        source="failing_since",
        allow_null=True,
        help_text="Start of the current run of failed attempts (null after a success).",
    )
    createdAt = serializers.DateTimeField(source="created_at")


class EndpointCreatedOut(EndpointOut):
    secret = serializers.CharField(help_text="The endpoint's whsec_ signing secret. Shown only now.")


class EndpointCreateIn(serializers.Serializer):
    url = EndpointUrlField(max_length=2000)
    description = StrictCharField(max_length=200, required=False, allow_blank=True, default="")


class EndpointPatchIn(serializers.Serializer):
    url = EndpointUrlField(max_length=2000, required=False)
    description = StrictCharField(max_length=200, required=False, allow_blank=True)
    isActive = StrictBooleanField(
        required=False,
        help_text="false disables the endpoint; true re-enables it and resets its failure count.",
    )

    def to_internal_value(self, data):
        if not isinstance(data, dict):
            raise serializers.ValidationError({"nonFieldErrors": "The body must be a JSON object."})
        unknown = sorted(set(data) - set(self.fields))
        if unknown:
            # A typo ("active") would otherwise be a silent no-op.
            raise serializers.ValidationError({name: "Not a field that can be changed." for name in unknown})
        return super().to_internal_value(data)


class DisableIn(serializers.Serializer):
    reason = StrictCharField(max_length=250, required=False, allow_blank=True, default="")


class RotateIn(serializers.Serializer):
    expiresInHours = StrictIntegerField(
        min_value=0,
        max_value=720,
        required=False,
        default=24,
        help_text="How long the old secret keeps signing next to the new one (0: stop at once).",
    )


class RotateOut(serializers.Serializer):
    secret = serializers.CharField(help_text="The new whsec_ secret. Shown only now.")
    previousSecretExpiresAt = serializers.DateTimeField(
        source="previous_expires_at",
        help_text="Until then every webhook carries both signatures (v1,<new> v1,<old>).",
    )


# --- Deliveries ------------------------------------------------------------------


class DeliveryFilterIn(serializers.Serializer):
    status = serializers.ChoiceField(choices=DeliveryStatus.choices, required=False)
    event = serializers.CharField(max_length=64, required=False, help_text="e.g. interview.plan_generated")
    runId = serializers.UUIDField(required=False)
    endpointId = serializers.UUIDField(required=False)

    def to_internal_value(self, data):
        data = data.copy()
        if isinstance(data.get("status"), str):
            data["status"] = data["status"].upper()
        return super().to_internal_value(data)


class AttemptSummaryOut(serializers.Serializer):
    number = serializers.IntegerField()
    startedAt = serializers.DateTimeField(source="started_at")
    durationMs = serializers.IntegerField(source="duration_ms")
    statusCode = serializers.IntegerField(source="status_code", allow_null=True)
    outcome = serializers.ChoiceField(choices=Attempt._meta.get_field("outcome").choices)


class AttemptOut(AttemptSummaryOut):
    error = serializers.CharField()
    responseExcerpt = serializers.CharField(source="response_excerpt")


class DeliveryOut(serializers.Serializer):
    id = serializers.UUIDField()
    event = serializers.CharField(source="event.type")
    webhookId = serializers.CharField(source="event.webhook_id", help_text="The webhook-id header.")
    sequence = serializers.IntegerField(source="event.sequence")
    runId = serializers.SerializerMethodField()
    interviewId = serializers.UUIDField(source="event.interview_id", allow_null=True)
    endpointId = serializers.UUIDField(source="endpoint_id", allow_null=True)
    url = serializers.URLField()
    status = serializers.ChoiceField(choices=DeliveryStatus.choices)
    attemptCount = serializers.IntegerField(source="attempt_count")
    nextAttemptAt = serializers.SerializerMethodField()
    lastStatusCode = serializers.IntegerField(source="last_status_code", allow_null=True)
    lastError = serializers.CharField(source="last_error")
    redeliveryOf = serializers.UUIDField(source="redelivery_of_id", allow_null=True)
    createdAt = serializers.DateTimeField(source="created_at")
    completedAt = serializers.DateTimeField(source="completed_at", allow_null=True)
    attempts = AttemptSummaryOut(many=True)

    @extend_schema_field({"type": "string", "format": "uuid", "nullable": True})
    def get_runId(self, delivery: Delivery) -> str | None:
        interview = delivery.event.interview
        return str(interview.run_id) if interview is not None else None

    @extend_schema_field({"type": "string", "format": "date-time", "nullable": True})
    def get_nextAttemptAt(self, delivery: Delivery) -> str | None:
        # Only meaningful while the delivery may still be sent.
        if delivery.status in (DeliveryStatus.SUCCEEDED, DeliveryStatus.FAILED):
            return None
        return serializers.DateTimeField().to_representation(delivery.next_attempt_at)


class DeliveryDetailOut(DeliveryOut):
    attempts = AttemptOut(many=True)
    payload = serializers.SerializerMethodField(help_text="The body as sent (the same bytes on every try).")

    @extend_schema_field(OpenApiTypes.OBJECT)
    def get_payload(self, delivery: Delivery) -> dict:
        event = delivery.event
        return json.loads(event.body) if event.body else event.payload


class EndpointListOut(serializers.Serializer):
    results = EndpointOut(many=True)

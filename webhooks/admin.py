"""Operators' view of webhooks at /ops/: endpoints, the event log, every attempt, and redelivery.

Events, deliveries and attempts are a log: they are read here, never edited.
"""

from __future__ import annotations

from django import forms
from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest

from interview_platform.admin import ReadOnlyMixin
from interview_platform.logging import hint, redact

from . import secrets, services, transport
from .models import Attempt, Delivery, Endpoint, Event


class EndpointForm(forms.ModelForm):
    url = forms.URLField(max_length=2000, assume_scheme="https")

    class Meta:
        model = Endpoint
        fields = ["organization", "url", "description", "is_active", "disabled_reason"]

    def clean_url(self) -> str:
        url = self.cleaned_data["url"]
        try:
            transport.check_url(url)
        except transport.UnsafeUrl as exc:
            raise forms.ValidationError(exc.message) from None
        return url


@admin.register(Endpoint)
class EndpointAdmin(admin.ModelAdmin):
    form = EndpointForm
    list_display = ["url", "organization", "is_active", "disabled_reason", "failing_since", "created_at"]
    list_filter = ["is_active"]
    search_fields = ["url", "organization__name"]
    list_select_related = ["organization"]
    # The signing secret is generated and shown once (when created or rotated);
    # afterwards only its start, so reading /ops/ is not enough to forge webhooks.
    readonly_fields = ["secret_hint", "disabled_at", "failing_since", "created_at"]
    fields = [
        "organization",
        "url",
        "description",
        "is_active",
        "disabled_reason",
        "disabled_at",
        "failing_since",
        "secret_hint",
        "created_at",
    ]
    actions = ["rotate_secret"]

    @admin.display(description="signing secret")
    def secret_hint(self, obj: Endpoint) -> str:
        return hint(obj.secret)

    def get_readonly_fields(self, request: HttpRequest, obj: Endpoint | None = None) -> list[str]:
        # An endpoint stays with its organization: moved, it would receive the
        # retries of the old organization's events, signed with its secret.
        return self.readonly_fields if obj is None else ["organization", *self.readonly_fields]

    def save_model(self, request: HttpRequest, obj: Endpoint, form, change: bool) -> None:
        # Saved through the services, as from the API: a new URL takes the
        # deliveries waiting for a retry with it, and turning it back on
        # starts its failure streak over. ``obj`` holds the form's values;
        # afterwards it is reloaded so the admin shows (and links to) the row
        # the services wrote.
        if change:
            stored = Endpoint.objects.get(pk=obj.pk)
            services.endpoint_update(
                stored,
                by=str(request.user),
                url=obj.url,
                description=obj.description,
                is_active=obj.is_active,
                reason=obj.disabled_reason or None,
            )
        else:
            obj.pk = services.endpoint_create(
                organization_id=obj.organization_id,
                url=obj.url,
                description=obj.description,
                is_active=obj.is_active,
                reason=obj.disabled_reason or f"disabled by {request.user}",
            ).pk
        obj.refresh_from_db()
        if not change:
            _show_secret_once(request, obj)

    @admin.action(description="Rotate signing secret (the old one keeps signing for 24 hours)")
    def rotate_secret(self, request: HttpRequest, queryset: QuerySet[Endpoint]) -> None:
        for endpoint in queryset:
            secrets.rotate_endpoint_secret(endpoint)
            _show_secret_once(request, endpoint)
        self.message_user(
            request,
            f"Rotated {len(queryset)} secrets. Hand each receiver its new secret (shown above, once); "
            "until then both signatures are sent.",
            messages.SUCCESS,
        )


def _show_secret_once(request: HttpRequest, endpoint: Endpoint) -> None:
    messages.warning(
        request,
        f"Signing secret for {endpoint.url} (copy it now, it will not be shown again): {endpoint.secret}",
    )


class DeliveryInline(ReadOnlyMixin, admin.TabularInline):
    model = Delivery
    fk_name = "event"
    extra = 0
    can_delete = False
    show_change_link = True
    fields = ["url", "status", "attempt_count", "next_attempt_at", "last_status_code", "last_error"]
    readonly_fields = fields


@admin.register(Event)
class EventAdmin(ReadOnlyMixin, admin.ModelAdmin):
    list_display = ["type", "sequence", "interview", "organization", "created_at"]
    list_filter = ["type"]
    search_fields = ["type", "id", "interview__id", "interview__run_id"]
    list_select_related = ["interview", "organization"]
    date_hierarchy = "created_at"
    readonly_fields = [
        "id",
        "webhook_id",
        "organization",
        "interview",
        "type",
        "sequence",
        "body_redacted",
        "created_at",
    ]
    fields = readonly_fields
    inlines = [DeliveryInline]

    @admin.display(description="body")
    def body_redacted(self, obj: Event) -> str:
        # The body as sent, less the live candidate link a plan_approved event carries.
        return redact(obj.body or "")

    @admin.display(description="webhook-id")
    def webhook_id(self, obj: Event) -> str:
        return obj.webhook_id


class AttemptInline(ReadOnlyMixin, admin.TabularInline):
    model = Attempt
    extra = 0
    can_delete = False
    fields = ["number", "started_at", "duration_ms", "status_code", "outcome", "error", "response_excerpt"]
    readonly_fields = fields


@admin.register(Delivery)
class DeliveryAdmin(ReadOnlyMixin, admin.ModelAdmin):
    list_display = [
        "event_type",
        "url",
        "status",
        "attempt_count",
        "next_attempt_at",
        "last_status_code",
        "created_at",
    ]
    list_filter = ["status"]
    search_fields = ["url", "event__type"]
    list_select_related = ["event"]
    readonly_fields = [
        "id",
        "event",
        "endpoint",
        "url",
        "redelivery_of",
        "status",
        "attempt_count",
        "next_attempt_at",
        "claimed_until",
        "last_status_code",
        "last_error",
        "created_at",
        "completed_at",
    ]
    fields = readonly_fields
    inlines = [AttemptInline]
    actions = ["redeliver_selected"]

    @admin.display(description="event", ordering="event__type")
    def event_type(self, obj: Delivery) -> str:
        return obj.event.type

    def has_redeliver_permission(self, request: HttpRequest) -> bool:
        # The log itself is read-only for everyone; sending again is an
        # operation, granted with the usual "change delivery" permission.
        return request.user.has_perm("webhooks.change_delivery")

    @admin.action(description="Redeliver selected", permissions=["redeliver"])
    def redeliver_selected(self, request: HttpRequest, queryset: QuerySet[Delivery]) -> None:
        queued = in_progress = disabled = 0
        for delivery in queryset:
            try:
                services.redeliver(delivery)
            except services.NotFinished:
                in_progress += 1
            except services.EndpointDisabled:
                disabled += 1
            else:
                queued += 1
        if queued:
            self.message_user(request, f"Queued {queued} redeliveries (same webhook-id).", messages.SUCCESS)
        if in_progress:
            self.message_user(
                request,
                f"Skipped {in_progress} still in progress: only succeeded or failed deliveries "
                "can be redelivered.",
                messages.WARNING,
            )
        if disabled:
            self.message_user(
                request,
                f"Skipped {disabled} to disabled endpoints: re-enable the endpoint first.",
                messages.WARNING,
            )

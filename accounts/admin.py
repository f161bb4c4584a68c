from functools import wraps

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.forms import AdminAuthenticationForm
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.db import models
from django.utils import timezone

from interview_platform.admin import ReadOnlyMixin
from interview_platform.logging import hint

from . import (
    admin_tokens,  # noqa: F401  (refresh tokens in /ops/, without the tokens)
    api_keys,
    mfa,
)
from .models import ApiKey, Organization, TokenFamily, User
from .web_views import ThrottledSignInMixin, throttled_status


class OpsAuthenticationForm(ThrottledSignInMixin, AdminAuthenticationForm):
    """/ops/ sign-in, under the same limits on wrong passwords as the dashboard's and the API's.

    An operator with an authenticator app types its code with the password;
    one without is sent to set one up right after (accounts/mfa.py).
    """

    channel = "ops"

    otp_token = forms.CharField(
        label="Code",
        required=False,
        max_length=32,
        help_text="From your authenticator app, or a recovery code.",
        widget=forms.TextInput(attrs={"autocomplete": "one-time-code"}),
    )

    def clean(self):
        cleaned = super().clean()
        user = self.get_user()
        if user is not None and mfa.has_factor(user):
            try:
                user.otp_device = mfa.check(self.request, user, cleaned.get("otp_token"))
            except mfa.CodeRefused as refused:
                self.throttled = refused.wait if refused.reason == "throttled" else 0
                raise forms.ValidationError(refused.message, code=f"otp_{refused.reason}") from None
        return cleaned


def _throttled_login(login):
    @wraps(login)
    def view(request, extra_context=None):
        return throttled_status(login(request, extra_context))

    return view


def _verified_staff(has_permission):
    @wraps(has_permission)
    def check(request):
        # django-otp's OTPAdminSite rule: staff whose session a second factor verified.
        return has_permission(request) and mfa.is_verified(request)

    return check


# The default admin site, configured rather than replaced: /ops/ stays admin.site.
admin.site.login_form = OpsAuthenticationForm
admin.site.login_template = "admin/ops_login.html"
admin.site.login = _throttled_login(admin.site.login)
admin.site.has_permission = _verified_staff(admin.site.has_permission)


@admin.register(Organization)
class OrganizationAdmin(admin.ModelAdmin):
    list_display = (
        "name",
        "slug",
        "interviewer_name",
        "contact_email",
        "send_candidate_emails",
        "created_at",
    )
    search_fields = ("name", "slug")
    # The signing secret is shown once, by the API that creates or rotates it; here only its start.
    readonly_fields = ("id", "webhook_secret_hint", "created_at")
    prepopulated_fields = {"slug": ("name",)}
    # The privacy policy's address: a bare host means https.
    formfield_overrides = {models.URLField: {"assume_scheme": "https"}}
    fieldsets = (
        (None, {"fields": ("id", "name", "slug", "interviewer_name", "webhook_secret_hint", "created_at")}),
        (
            "Candidates",
            {"fields": ("contact_email", "send_candidate_emails", "privacy_notice", "privacy_url")},
        ),
    )

    @admin.display(description="webhook secret")
    def webhook_secret_hint(self, obj):
        return hint(obj.webhook_secret)


@admin.register(User)
class UserAdmin(BaseUserAdmin):
    ordering = ("email",)
    list_display = ("email", "full_name", "organization", "role", "is_active", "is_staff", "last_login")
    list_filter = ("role", "is_active", "is_staff", "organization")
    search_fields = ("email", "full_name")
    readonly_fields = ("id", "last_login", "date_joined")
    fieldsets = (
        (None, {"fields": ("id", "email", "password")}),
        ("Profile", {"fields": ("full_name", "organization", "role")}),
        ("Access", {"fields": ("is_active", "is_staff", "is_superuser", "groups", "user_permissions")}),
        ("Dates", {"fields": ("last_login", "date_joined")}),
    )
    add_fieldsets = (
        (None, {"classes": ("wide",), "fields": ("email", "organization", "role", "password1", "password2")}),
    )


class ApiKeyForm(forms.ModelForm):
    class Meta:
        model = ApiKey
        fields = ("organization", "name")


@admin.register(ApiKey)
class ApiKeyAdmin(admin.ModelAdmin):
    form = ApiKeyForm
    list_display = ("name", "organization", "prefix", "created_at", "last_used_at", "revoked_at")
    list_filter = ("organization", ("revoked_at", admin.EmptyFieldListFilter))
    search_fields = ("name", "prefix")
    readonly_fields = ("prefix", "created_at", "last_used_at", "revoked_at")
    actions = ("revoke", "rotate")

    def get_fields(self, request, obj=None):
        return ("organization", "name") if obj is None else ("organization", "name", *self.readonly_fields)

    def get_readonly_fields(self, request, obj=None):
        return self.readonly_fields if obj is None else ("organization", *self.readonly_fields)

    def save_model(self, request, obj, form, change):
        if change:
            super().save_model(request, obj, form, change)
            return
        key, raw = ApiKey.create_with_raw(obj.organization, obj.name)
        obj.pk, obj.prefix, obj.key_hash = key.pk, key.prefix, key.key_hash
        obj._state.adding = False
        # Shown once; only the hash is kept.
        messages.warning(request, f"New API key (copy it now, it will not be shown again): {raw}")

    @admin.action(description="Revoke selected keys")
    def revoke(self, request, queryset):
        count = api_keys.revoke(queryset)
        messages.success(request, f"Revoked {count} key(s).")

    @admin.action(description="Rotate selected keys (a new key each; the old one stops working)")
    def rotate(self, request, queryset):
        for key in queryset.filter(revoked_at__isnull=True).select_related("organization"):
            new_key, raw = api_keys.rotate(key)
            # Shown once; only the hash is kept.
            messages.warning(
                request, f"New key for {new_key} (copy it now, it will not be shown again): {raw}"
            )


@admin.register(TokenFamily)
class TokenFamilyAdmin(ReadOnlyMixin, admin.ModelAdmin):
    """API sign-ins: who, since when, until when, and whether and why they ended."""

    list_display = ("user", "created_at", "expires_at", "revoked_at", "revoked_reason")
    list_filter = ("revoked_reason", ("revoked_at", admin.EmptyFieldListFilter))
    search_fields = ("user__email",)
    list_select_related = ("user",)
    actions = ("end",)

    @admin.action(description="End the selected sign-ins now")
    def end(self, request, queryset):
        count = queryset.filter(revoked_at__isnull=True).update(
            revoked_at=timezone.now(), revoked_reason=TokenFamily.Reason.OPERATOR
        )
        messages.success(request, f"Ended {count} sign-in(s).")

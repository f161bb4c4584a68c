"""The second-factor pages, mounted in the dashboard under /admin/account/."""

from django.urls import path

from . import mfa_views

app_name = "mfa"

urlpatterns = [
    path("two-factor", mfa_views.setup, name="setup"),
    path("two-factor/confirm", mfa_views.confirm, name="confirm"),
    path("two-factor/recovery-codes", mfa_views.recovery_codes, name="recovery-codes"),
    path("two-factor/recovery-codes/new", mfa_views.regenerate, name="regenerate"),
    path("two-factor/remove", mfa_views.remove, name="remove"),
]

"""Signing in to the recruiter dashboard (session login; the API uses JWTs instead)."""

from __future__ import annotations

from urllib.parse import urlsplit

from django import forms
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.contrib.auth.forms import AuthenticationForm, PasswordChangeForm, PasswordResetForm
from django.shortcuts import redirect, render
from django.urls import reverse, reverse_lazy
from django.views import View

from . import signin, throttling
from .models import User

THROTTLED = 429


class ThrottledSignInMixin:
    """The sign-in limits (accounts/signin.py) on a session sign-in form.

    For AuthenticationForm and its subclasses (the dashboard's and /ops/'s).
    ``throttled`` is the wait in seconds, for the view to answer 429.
    """

    throttled = 0
    channel = "page"

    def clean(self):
        email = self.cleaned_data.get("username")
        attempt = signin.Attempt(self.request, email, channel=self.channel)
        refusal = attempt.refusal()
        if refusal:
            # Checked before authenticate(): over a limit, no password is tried.
            self.throttled = refusal.wait
            attempt.refused(refusal)
            raise forms.ValidationError(refusal.message, code="throttled")
        try:
            cleaned = super().clean()
        except forms.ValidationError as exc:
            if exc.code == "invalid_login":
                attempt.failed(User.objects.filter(email__iexact=email or "").first())
            raise
        attempt.succeeded()
        return cleaned


def throttled_status(response):
    """429 instead of 200 when the sign-in page is shown again because of the limit."""
    form = (getattr(response, "context_data", None) or {}).get("form")
    if getattr(form, "throttled", 0):
        response.status_code = THROTTLED
    return response


class EmailAuthenticationForm(ThrottledSignInMixin, AuthenticationForm):
    """Django's login form, with the email label and a check that the account has an organization."""

    username = forms.EmailField(
        label="Email",
        max_length=254,
        widget=forms.EmailInput(attrs={"autofocus": True, "autocomplete": "email"}),
    )

    error_messages = {
        **AuthenticationForm.error_messages,
        "invalid_login": "That email and password do not match an account. Check both and try again.",
        "no_organization": (
            "This account does not belong to an organization, so it cannot use the recruiter "
            "dashboard. Ask an administrator of your organization to add you. Operators sign in at /ops/."
        ),
    }

    def confirm_login_allowed(self, user):
        super().confirm_login_allowed(user)
        if user.organization_id is None:
            raise forms.ValidationError(self.error_messages["no_organization"], code="no_organization")


class LoginView(auth_views.LoginView):
    form_class = EmailAuthenticationForm
    template_name = "registration/login.html"
    redirect_authenticated_user = True

    def get_redirect_url(self):
        url = super().get_redirect_url()
        # A next that is this page would send a signed-in user back here
        # forever (Django raises on it): go to the default page instead.
        if url and urlsplit(url).path.rstrip("/") == reverse("login").rstrip("/"):
            return ""
        return url

    def form_invalid(self, form):
        return throttled_status(super().form_invalid(form))


class LogoutView(auth_views.LogoutView):
    """POST only (Django's own rule): a link or an image cannot sign anyone out."""

    next_page = reverse_lazy("login")

    def post(self, request, *args, **kwargs):
        response = super().post(request, *args, **kwargs)
        messages.info(request, "You are signed out.")
        return response


class EmailPasswordResetForm(PasswordResetForm):
    email = forms.EmailField(
        label="Email",
        max_length=254,
        widget=forms.EmailInput(attrs={"autocomplete": "email", "autofocus": True}),
    )


class PasswordResetView(auth_views.PasswordResetView):
    form_class = EmailPasswordResetForm
    template_name = "registration/password_reset_form.html"
    email_template_name = "registration/password_reset_email.html"
    subject_template_name = "registration/password_reset_subject.txt"

    @property
    def extra_email_context(self):
        # Links start with the public address, never the Host header a request happened to send.
        return {"base_url": settings.PUBLIC_BASE_URL.rstrip("/")}

    def form_valid(self, form):
        # Every request counts, for a known email or not: the page must look
        # the same either way, and each could send an email.
        idents = throttling.idents(self.request, form.cleaned_data["email"])
        wait = throttling.PASSWORD_RESET.wait(idents)
        if wait:
            form.add_error(None, throttling.message(wait))
            return self.render_to_response(self.get_context_data(form=form), status=THROTTLED)
        throttling.PASSWORD_RESET.hit(idents)
        return super().form_valid(form)


class LimitedPasswordChangeForm(PasswordChangeForm):
    """Wrong current passwords count like wrong sign-ins: a borrowed session cannot guess the password."""

    throttled = 0

    def __init__(self, user, *args, request=None, **kwargs):
        super().__init__(user, *args, **kwargs)
        self.request = request

    def clean_old_password(self):
        attempt = signin.Attempt(self.request, self.user.email, channel="password-change")
        refusal = attempt.refusal()
        if refusal:
            self.throttled = refusal.wait
            attempt.refused(refusal)
            raise forms.ValidationError(refusal.message, code="throttled")
        try:
            old = super().clean_old_password()
        except forms.ValidationError:
            attempt.failed(self.user)
            raise
        attempt.succeeded()
        return old


class PasswordChangeView(auth_views.PasswordChangeView):
    """A signed-in person's new password: this session stays, every other one and every API sign-in end."""

    template_name = "registration/password_change_form.html"
    form_class = LimitedPasswordChangeForm

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "request": self.request}

    def form_invalid(self, form):
        return throttled_status(super().form_invalid(form))

    success_url = reverse_lazy("dashboard:queue")

    def form_valid(self, form):
        response = super().form_valid(form)
        messages.success(
            self.request, "Your password is changed. Other sessions and API sign-ins have ended."
        )
        return response


class UnlockView(View):
    """The emailed link that lifts a sign-in lock: a page with a button, since mail scanners follow links."""

    template_name = "registration/unlock.html"

    def get(self, request, token):
        return render(request, self.template_name, {"invalid": False})

    def post(self, request, token):
        user = signin.unlock(request, token)
        if user is None:
            return render(request, self.template_name, {"invalid": True}, status=400)
        messages.success(request, "Your account is unlocked. Sign in.")
        return redirect("login")

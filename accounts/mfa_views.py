"""The second-factor pages: enrolment and management in the dashboard, the code step of sign-in."""

from __future__ import annotations

from urllib.parse import urlencode

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_POST

from . import mfa

THROTTLED = 429
CODES_SESSION_KEY = "mfa_new_recovery_codes"


class CodeForm(forms.Form):
    code = forms.CharField(
        label="Code",
        max_length=32,
        help_text="The 6-digit code your authenticator app shows now.",
        widget=forms.TextInput(
            attrs={"autocomplete": "one-time-code", "inputmode": "numeric", "autofocus": True}
        ),
    )


class SignInCodeForm(CodeForm):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["code"].widget.attrs["inputmode"] = "text"
        self.fields["code"].help_text = "The 6-digit code from your authenticator app, or a recovery code."


class RemoveForm(forms.Form):
    confirmation = forms.CharField(
        label="Current code or password",
        max_length=256,
        strip=False,
        help_text="Prove it is you: a code from your authenticator app, or your password.",
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
    )


def _next_url(request, default: str) -> str:
    url = request.POST.get("next") or request.GET.get("next") or ""
    if url and url_has_allowed_host_and_scheme(url, {request.get_host()}, require_https=request.is_secure()):
        return url
    return default


def _home(user) -> str:
    return reverse("dashboard:queue") if user.organization_id else "/ops/"


def _refused(form, field: str, refused: mfa.CodeRefused) -> int:
    form.add_error(field, refused.message)
    return THROTTLED if refused.reason == "throttled" else 400


# --- the code step of signing in ------------------------------------------------------------


@never_cache
@require_http_methods(["GET", "POST"])
def login_code(request):
    """After the password: the code from the app (or a recovery code) verifies the session."""
    if not request.user.is_authenticated:
        return redirect("login")
    next_url = _next_url(request, _home(request.user))
    if mfa.is_verified(request) or not mfa.has_factor(request.user):
        return redirect(next_url)
    form = SignInCodeForm(request.POST or None)
    status = 200
    if request.method == "POST" and form.is_valid():
        try:
            mfa.sign_in_with_code(request, form.cleaned_data["code"])
        except mfa.CodeRefused as refused:
            status = _refused(form, "code", refused)
        else:
            return redirect(next_url)
    elif request.method == "POST":
        status = 400
    return render(request, "registration/login_code.html", {"form": form, "next": next_url}, status=status)


# --- enrolment and management in the dashboard ------------------------------------------------


def _setup_context(request, **extra) -> dict:
    user = request.user
    context = {"next": _next_url(request, ""), "required": mfa.requires_factor(user), **extra}
    device = mfa.app_device(user)
    if device is not None:
        context.update(device=device, codes_left=mfa.recovery_codes_left(user))
        context.setdefault("remove_form", RemoveForm())
    else:
        pending = mfa.pending_device(user)
        context.update(pending=pending, qr_svg=mfa.qr_svg(pending), secret=mfa.secret_for_people(pending))
        context.setdefault("form", CodeForm())
    return context


@never_cache
@login_required
@require_http_methods(["GET", "HEAD"])
def setup(request):
    return render(request, "account/two_factor.html", _setup_context(request))


@never_cache
@login_required
@require_POST
def confirm(request):
    if mfa.has_factor(request.user):
        return redirect("mfa:setup")
    form = CodeForm(request.POST)
    status = 400
    if form.is_valid():
        try:
            codes = mfa.confirm(request, mfa.pending_device(request.user), form.cleaned_data["code"])
        except mfa.CodeRefused as refused:
            status = _refused(form, "code", refused)
        else:
            return _show_codes(request, codes, "Two-step sign-in is on.")
    return render(request, "account/two_factor.html", _setup_context(request, form=form), status=status)


def _show_codes(request, codes: list[str], message: str):
    request.session[CODES_SESSION_KEY] = codes
    messages.success(request, message)
    url = reverse("mfa:recovery-codes")
    next_url = _next_url(request, "")
    return redirect(f"{url}?{urlencode({'next': next_url}, safe='/')}" if next_url else url)


@never_cache
@login_required
@require_http_methods(["GET", "HEAD"])
def recovery_codes(request):
    """The new recovery codes, shown once: reloading the page does not show them again."""
    codes = request.session.pop(CODES_SESSION_KEY, None)
    if not codes:
        messages.info(request, "Recovery codes are shown only once. Make new ones if you lost them.")
        return redirect("mfa:setup")
    context = {"codes": codes, "next": _next_url(request, _home(request.user))}
    return render(request, "account/recovery_codes.html", context)


@never_cache
@login_required
@require_POST
def regenerate(request):
    if not mfa.has_factor(request.user):
        return redirect("mfa:setup")
    codes = mfa.new_recovery_codes(request.user)
    return _show_codes(request, codes, "New recovery codes made. The old ones no longer work.")


@never_cache
@login_required
@require_POST
def remove(request):
    user = request.user
    if not mfa.has_factor(user):
        return redirect("mfa:setup")
    form = RemoveForm(request.POST)
    status = 400
    if form.is_valid():
        value = form.cleaned_data["confirmation"]
        try:
            if not user.check_password(value):
                mfa.check(request, user, value)
        except mfa.CodeRefused as refused:
            status = _refused(form, "confirmation", refused)
            if refused.reason == "invalid":
                form.errors["confirmation"] = ["That is neither a current code nor your password."]
        else:
            mfa.remove(user)
            messages.success(request, "Two-step sign-in is off, and the recovery codes no longer work.")
            return redirect("mfa:setup")
    context = _setup_context(request, remove_form=form)
    return render(request, "account/two_factor.html", context, status=status)

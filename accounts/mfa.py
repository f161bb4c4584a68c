"""The second factor: a TOTP authenticator app, with one-time recovery codes as a backup.

Devices are django-otp's: a ``TOTPDevice`` (confirmed once the person typed a
code from their app) and a ``StaticDevice`` holding the recovery codes. ADMINs
and operators (``is_staff``) must have one; recruiters may. A session is
*verified* once a code was accepted in it (django-otp keeps the device's id in
the session); ``SecondFactorMiddleware`` keeps unverified sessions out of the
dashboard and /ops/.
"""

from __future__ import annotations

import re
from urllib.parse import urlencode

from django.contrib.auth import SESSION_KEY
from django.contrib.auth.models import AnonymousUser
from django.db import transaction
from django.shortcuts import redirect
from django.urls import reverse
from django_otp import DEVICE_ID_SESSION_KEY
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from . import signin
from .models import Role

RECOVERY_CODE_COUNT = 10
APP_DEVICE_NAME = "Authenticator app"
RECOVERY_DEVICE_NAME = "Recovery codes"
SETUP_PREFIX = "/admin/account/two-factor"
_SEPARATORS = re.compile(r"[\s-]+")


class CodeRefused(Exception):
    """A code was not accepted: ``reason`` is ``missing``, ``invalid`` or ``throttled``."""

    def __init__(self, reason: str, message: str, wait: int = 0):
        super().__init__(message)
        self.reason = reason
        self.message = message
        self.wait = wait


def requires_factor(user) -> bool:
    """ADMINs of an organization and operators of /ops/ must use a second factor."""
    return bool(user.is_staff or user.is_superuser or getattr(user, "role", None) == Role.ADMIN)


def app_device(user, *, confirmed: bool | None = True) -> TOTPDevice | None:
    devices = TOTPDevice.objects.filter(user=user)
    if confirmed is not None:
        devices = devices.filter(confirmed=confirmed)
    return devices.order_by("-id").first()


def has_factor(user) -> bool:
    return TOTPDevice.objects.filter(user=user, confirmed=True).exists()


def is_verified(request) -> bool:
    user = request.user
    return bool(getattr(user, "is_verified", None) and user.is_verified())


def recovery_codes_left(user) -> int:
    return StaticToken.objects.filter(device__user=user, device__confirmed=True).count()


# --- enrolment ---------------------------------------------------------------------------


def pending_device(user) -> TOTPDevice:
    """The unconfirmed device being enrolled: the same secret until it is confirmed."""
    device = app_device(user, confirmed=False)
    if device is None:
        device = TOTPDevice.objects.create(user=user, name=APP_DEVICE_NAME, confirmed=False)
    return device


def secret_for_people(device: TOTPDevice) -> str:
    """The base32 secret authenticator apps take for manual entry, in groups of four."""
    from base64 import b32encode

    secret = b32encode(device.bin_key).decode().rstrip("=")
    return " ".join(secret[i : i + 4] for i in range(0, len(secret), 4))


def qr_svg(device: TOTPDevice) -> str:
    """The device's otpauth:// URL as an inline SVG QR code (drawn here, nothing fetched)."""
    import segno

    qr = segno.make(device.config_url, error="m")
    return qr.svg_inline(scale=5, border=2, title="QR code for your authenticator app")


def confirm(request, device: TOTPDevice, code: str) -> list[str]:
    """Confirm ``device`` with a current code; returns the first recovery codes.

    The session counts as verified from now on: the person just proved they
    hold the app.
    """
    with transaction.atomic():
        device = TOTPDevice.objects.select_for_update().get(pk=device.pk)
        refused = _attempt(device, code)
        if refused is None:
            TOTPDevice.objects.filter(user=device.user).exclude(pk=device.pk).delete()
            device.confirmed = True
            device.save(update_fields=["confirmed"])
    # Raised after the commit, so the device's count of wrong codes is kept.
    if refused is not None:
        raise refused
    _mark_verified(request, device)
    return new_recovery_codes(device.user)


@transaction.atomic
def new_recovery_codes(user) -> list[str]:
    """Replace the user's recovery codes; the old ones stop working."""
    device, _ = StaticDevice.objects.get_or_create(
        user=user, name=RECOVERY_DEVICE_NAME, defaults={"confirmed": True}
    )
    StaticDevice.objects.filter(user=user).exclude(pk=device.pk).delete()
    device.token_set.all().delete()
    codes = [_recovery_code() for _ in range(RECOVERY_CODE_COUNT)]
    StaticToken.objects.bulk_create(StaticToken(device=device, token=code) for code in codes)
    return [f"{code[:4]}-{code[4:]}" for code in codes]


def _recovery_code() -> str:
    """Eight base32 characters (40 random bits), at least one a letter."""
    while (code := StaticToken.random_token()).isdigit():
        pass
    return code


@transaction.atomic
def remove(user) -> None:
    TOTPDevice.objects.filter(user=user).delete()
    StaticDevice.objects.filter(user=user).delete()


# --- checking a code ---------------------------------------------------------------------


def _normalise(code: str | None) -> str:
    return _SEPARATORS.sub("", code or "").lower()


def _attempt(device, code: str) -> CodeRefused | None:
    """Try ``code`` on ``device``: None when accepted, else why not (not raised, see callers)."""
    allowed, _ = device.verify_is_allowed()
    if not allowed:
        wait = _wait_of(device)
        seconds = f"{wait} second{'s' if wait != 1 else ''}"
        return CodeRefused("throttled", f"Too many wrong codes. Try again in {seconds}.", wait)
    if not device.verify_token(_normalise(code)):
        return CodeRefused("invalid", "That code is not right or has already been used.")
    return None


def _wait_of(device) -> int:
    from django.utils import timezone

    if device.throttling_failure_timestamp is None:
        return 1
    delay = device.get_throttle_factor() * (2 ** (device.throttling_failure_count - 1))
    passed = (timezone.now() - device.throttling_failure_timestamp).total_seconds()
    return max(1, int(delay - passed + 0.999))


def check(request, user, code: str | None):
    """The device that accepts ``code`` for ``user``; raises ``CodeRefused`` otherwise.

    Six digits are checked against the authenticator app, anything else against
    the recovery codes (each works once). Wrong codes count toward the sign-in
    limit for the client's address and the account, like wrong passwords.
    """
    code = _normalise(code)
    if not code:
        raise CodeRefused("missing", "Enter the code from your authenticator app, or a recovery code.")
    attempt = signin.Attempt(request, user.email, channel="second-factor")
    refusal = attempt.refusal()
    if refusal:
        attempt.refused(refusal)
        raise CodeRefused("throttled", refusal.message, refusal.wait)
    # Recovery codes always have a letter (see _recovery_code), app codes never do.
    model = TOTPDevice if code.isdigit() else StaticDevice
    with transaction.atomic():
        device = model.objects.select_for_update().filter(user=user, confirmed=True).first()
        if device is None:
            refused = CodeRefused("invalid", "That code is not right or has already been used.")
        else:
            refused = _attempt(device, code)
    # Raised after the commit, so the device's count of wrong codes is kept.
    if refused is not None:
        attempt.failed(user)
        raise refused
    return device


def _mark_verified(request, device) -> None:
    if request is not None and hasattr(request, "session"):
        request.session[DEVICE_ID_SESSION_KEY] = device.persistent_id
        request.session.cycle_key()
        request.user.otp_device = device


def sign_in_with_code(request, code: str | None):
    """Verify the signed-in user's session with ``code`` (the step after the password)."""
    device = check(request, request.user, code)
    _mark_verified(request, device)
    return device


# --- the dashboard and /ops/ ---------------------------------------------------------------


def _guarded(path: str) -> bool:
    """The pages an unverified session is sent away from: the dashboard and the operators' admin."""
    return path.startswith(("/admin/", "/ops/")) or path == "/admin"


_SIGN_OUT = ("/accounts/logout/", "/ops/logout/")


class SecondFactorMiddleware:
    """After ``OTPMiddleware``: a session that still owes a second factor reaches only its pages.

    - a person with a confirmed device whose session is not verified yet (the
      password step only) owes a code: sent to the code page (``login-code``);
    - an ADMIN or operator without a device owes enrolment: sent to set one up.
    Elsewhere (e.g. an API endpoint that accepts the dashboard's session) such a
    session counts as nobody. Sessions that owe nothing are untouched.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        owed = self._owed(request) if request.path_info not in _SIGN_OUT else None
        if owed is not None:
            path = request.path_info
            page = reverse("login-code") if owed == "code" else reverse("mfa:setup")
            if path == reverse("login-code") or (owed == "enrol" and path.startswith(SETUP_PREFIX)):
                pass  # the page that settles what is owed
            elif _guarded(path):
                return redirect(f"{page}?{urlencode({'next': request.get_full_path()}, safe='/')}")
            else:
                request.user = AnonymousUser()
        return self.get_response(request)

    @staticmethod
    def _owed(request) -> str | None:
        if SESSION_KEY not in getattr(request, "session", {}):
            return None  # no one signed in: no query
        user = request.user
        if not user.is_authenticated or is_verified(request):
            return None
        if has_factor(user):
            return "code"
        return "enrol" if requires_factor(user) else None


# --- the API's sign-in -----------------------------------------------------------------------


def require_code_for_api(request, user, code: str | None) -> None:
    """POST /auth/login: a user with a confirmed device sends its current code as ``otp``.

    Missing → 401 ``otp_required``, wrong → 401 ``otp_invalid``, too many
    wrong ones → 429. Users without a device sign in with the password alone.
    """
    from rest_framework.exceptions import Throttled

    from interview_platform.api import Unauthenticated

    if not has_factor(user):
        return
    try:
        check(request, user, code)
    except CodeRefused as refused:
        if refused.reason == "throttled":
            raise Throttled(wait=refused.wait, detail=refused.message) from None
        api_code = "otp_required" if refused.reason == "missing" else "otp_invalid"
        message = (
            "This account uses two-step sign-in: send the current code from the authenticator app "
            "(or a recovery code) as otp."
            if refused.reason == "missing"
            else "The otp code is not right or has already been used."
        )
        raise Unauthenticated(message, code=api_code, fields={"otp": [message]}) from None

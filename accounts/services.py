from __future__ import annotations

import logging

from django.contrib.auth import authenticate
from django.contrib.auth.models import update_last_login
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import transaction
from rest_framework import exceptions
from rest_framework_simplejwt.exceptions import TokenError
from rest_framework_simplejwt.token_blacklist.models import BlacklistedToken, OutstandingToken

from interview_platform.api import Unauthenticated

from . import signin, tokens
from .models import TokenFamily, User

security_log = logging.getLogger("accounts.security")


class SignInThrottled(exceptions.Throttled):
    def __init__(self, refusal: signin.Refusal):
        super().__init__(wait=refusal.wait)
        self.detail = exceptions.ErrorDetail(refusal.message, code="throttled")


def login(request, email: str, password: str) -> tuple[User, tokens.RefreshToken]:
    attempt = signin.Attempt(request, email, channel="api")
    refusal = attempt.refusal()
    if refusal:
        # Over a limit: no password is checked, right or wrong.
        attempt.refused(refusal)
        raise SignInThrottled(refusal)
    user = authenticate(request, username=email, password=password)
    if user is None:
        attempt.failed(User.objects.filter(email__iexact=email).first())
        # One message for unknown email and wrong password: no account probing.
        raise Unauthenticated("Email or password is incorrect.", code="invalid_credentials")
    attempt.succeeded()
    if user.organization_id is None:
        raise exceptions.PermissionDenied("This account does not belong to an organization.")
    update_last_login(None, user)
    return user, tokens.sign_in(user)


def _parse_refresh(raw: str) -> tokens.RefreshToken:
    try:
        return tokens.RefreshToken(raw)
    except TokenError as exc:
        raise Unauthenticated(f"Refresh token rejected: {exc}", code="invalid_token") from None


@transaction.atomic
def _rotate(old: tokens.RefreshToken) -> tokens.RefreshToken | str:
    """The next refresh token of ``old``'s family, or why there is none.

    The family's row is locked while the token is checked and blacklisted, so
    of two refreshes with one token the second sees it blacklisted: a replay.
    """
    try:
        family = (
            TokenFamily.objects.select_for_update(of=("self",))
            .select_related("user")
            .filter(pk=old.get(tokens.FAMILY_CLAIM), user_id=old.get("sub"))
            .first()
        )
    except (ValueError, DjangoValidationError):  # "fam" or "sub" not a UUID
        family = None
    if family is None:
        return "This refresh token does not belong to a sign-in. Sign in again."
    if family.revoked_at is not None:
        return "This sign-in has ended (signed out, password changed or revoked). Sign in again."
    if BlacklistedToken.objects.filter(token__jti=old["jti"]).exists():
        # A rotated token came back: whoever holds the family's newest token
        # may be a thief. End the whole family, stolen copies included.
        family.revoke(TokenFamily.Reason.REUSE)
        security_log.warning("refresh_token_reused user=%s family=%s", family.user_id, family.pk)
        return "This refresh token was already used; the sign-in it belongs to has been ended. Sign in again."
    if not family.user.is_active:
        return "The account behind this token is not active."
    outstanding, _ = OutstandingToken.objects.get_or_create(
        jti=old["jti"],
        defaults={"user": family.user, "token": str(old), "expires_at": family.expires_at},
    )
    BlacklistedToken.objects.get_or_create(token=outstanding)
    return tokens.RefreshToken.for_family(family)


def refresh(raw_refresh: str) -> tuple[str, str]:
    """Rotate a refresh token: the old one is blacklisted, a new pair returned."""
    outcome = _rotate(_parse_refresh(raw_refresh))
    if isinstance(outcome, str):
        raise Unauthenticated(outcome, code="invalid_token")
    return str(outcome.access_token), str(outcome)


@transaction.atomic
def logout(user: User, raw_refresh: str, access) -> None:
    """End this sign-in: the refresh token's family and the access token's, at once."""
    try:
        token = tokens.RefreshToken(raw_refresh)
    except TokenError as exc:
        raise exceptions.ValidationError({"refreshToken": f"Refresh token rejected: {exc}"}) from None
    if str(token.payload.get("sub")) != str(user.pk):
        raise exceptions.PermissionDenied("This refresh token belongs to another user.")
    families = {token.get(tokens.FAMILY_CLAIM), access.get(tokens.FAMILY_CLAIM) if access else None}
    for family in TokenFamily.objects.filter(user=user, pk__in=[f for f in families if f]):
        family.revoke(TokenFamily.Reason.LOGOUT)
    token.blacklist()


def change_password(request, user: User, current: str, new: str) -> tokens.RefreshToken:
    """A new password, checked under the sign-in limits; every sign-in ends and a new one starts."""
    attempt = signin.Attempt(request, user.email, channel="password-change")
    refusal = attempt.refusal()
    if refusal:
        attempt.refused(refusal)
        raise SignInThrottled(refusal)
    if not user.check_password(current):
        attempt.failed(user)
        raise exceptions.ValidationError({"currentPassword": "This is not your current password."})
    attempt.succeeded()
    try:
        validate_password(new, user)
    except DjangoValidationError as exc:
        raise exceptions.ValidationError({"newPassword": list(exc.messages)}) from None
    user.set_password(new)
    user.save()  # ends every sign-in of the account (User.save)
    security_log.info("password_changed user=%s channel=api", user.pk)
    return tokens.sign_in(user)


def logout_everywhere(user: User) -> int:
    """End every API sign-in of ``user``; the number ended."""
    count = TokenFamily.objects.revoke_all(user, TokenFamily.Reason.LOGOUT_EVERYWHERE)
    security_log.info("logout_everywhere user=%s sign_ins_ended=%s", user.pk, count)
    return count

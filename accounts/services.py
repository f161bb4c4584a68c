from __future__ import annotations

from django.contrib.auth import authenticate
from django.contrib.auth.models import update_last_login
from django.db import transaction
from rest_framework import exceptions
from rest_framework_simplejwt.exceptions import TokenError
from rest_framework_simplejwt.token_blacklist.models import BlacklistedToken, OutstandingToken
from rest_framework_simplejwt.tokens import RefreshToken

from interview_platform.api import Unauthenticated

from . import mfa
from .models import User


def login(request, email: str, password: str, otp: str | None = None) -> tuple[User, RefreshToken]:
    user = authenticate(request, username=email, password=password)
    if user is None:
        # One message for unknown email and wrong password: no account probing.
        raise Unauthenticated("Email or password is incorrect.", code="invalid_credentials")
    if user.organization_id is None:
        raise exceptions.PermissionDenied("This account does not belong to an organization.")
    mfa.require_code_for_api(request, user, otp)
    update_last_login(None, user)
    return user, RefreshToken.for_user(user)


@transaction.atomic
def refresh(raw_refresh: str) -> tuple[str, str]:
    """Rotate a refresh token: the old one is blacklisted, a new pair returned.

    The token's row is locked while it is checked and blacklisted, so two
    concurrent refreshes with one token cannot both succeed.
    """
    try:
        old = RefreshToken(raw_refresh)
        outstanding = OutstandingToken.objects.select_for_update(of=("self",)).filter(jti=old["jti"]).first()
        if outstanding is not None and BlacklistedToken.objects.filter(token=outstanding).exists():
            raise TokenError("Token is blacklisted")
        user = User.objects.filter(pk=old.payload.get("sub"), is_active=True).first()
        if user is None:
            raise Unauthenticated("The account behind this token is not active.")
        old.blacklist()
        new = RefreshToken.for_user(user)
    except TokenError as exc:
        raise Unauthenticated(f"Refresh token rejected: {exc}", code="invalid_token") from None
    return str(new.access_token), str(new)


def logout(user: User, raw_refresh: str) -> None:
    try:
        token = RefreshToken(raw_refresh)
    except TokenError as exc:
        raise exceptions.ValidationError({"refreshToken": f"Refresh token rejected: {exc}"}) from None
    if str(token.payload.get("sub")) != str(user.pk):
        raise exceptions.PermissionDenied("This refresh token belongs to another user.")
    token.blacklist()

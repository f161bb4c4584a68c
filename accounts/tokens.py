"""JWTs that end when trust ends.

Each API sign-in is a TokenFamily; its tokens carry the family's id in the
``fam`` claim. An access token is accepted only while its family is live
(one indexed lookup per request, next to the user lookup simplejwt makes
anyway), so signing out, signing out everywhere, a new password, a
deactivation, or a replayed refresh token take effect at once instead of
when the access token expires. Refresh tokens are capped at the family's
absolute end: rotating cannot keep a sign-in alive forever.
"""

from __future__ import annotations

from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils import timezone
from rest_framework_simplejwt import tokens
from rest_framework_simplejwt.exceptions import TokenError
from rest_framework_simplejwt.settings import api_settings
from rest_framework_simplejwt.token_blacklist.models import OutstandingToken
from rest_framework_simplejwt.utils import datetime_from_epoch, datetime_to_epoch

from .models import TokenFamily, User

FAMILY_CLAIM = "fam"


def family_is_live(family_id, user_id) -> bool:
    if not family_id or not user_id:
        return False
    return TokenFamily.objects.filter(
        pk=family_id, user_id=user_id, revoked_at__isnull=True, expires_at__gt=timezone.now()
    ).exists()


class AccessToken(tokens.AccessToken):
    """simplejwt's access token, refused once its sign-in has ended (SIMPLE_JWT AUTH_TOKEN_CLASSES)."""

    def verify(self) -> None:
        super().verify()
        try:
            live = family_is_live(
                self.payload.get(FAMILY_CLAIM), self.payload.get(api_settings.USER_ID_CLAIM)
            )
        except (ValueError, TypeError, ValidationError):  # "fam" or "sub" not a UUID
            live = False
        if not live:
            raise TokenError(
                "This sign-in has ended (signed out, password changed or revoked). Sign in again."
            )


class RefreshToken(tokens.RefreshToken):
    access_token_class = AccessToken

    def verify(self) -> None:
        # Signature, expiry and type only: whether a blacklisted token is a
        # replay is decided by services.refresh, which must see it to react.
        tokens.Token.verify(self)

    @classmethod
    def for_family(cls, family: TokenFamily) -> RefreshToken:
        token = cls()
        token[api_settings.USER_ID_CLAIM] = str(family.user_id)
        token[FAMILY_CLAIM] = str(family.pk)
        # Never past the family's absolute end.
        token["exp"] = min(token["exp"], datetime_to_epoch(family.expires_at))
        OutstandingToken.objects.create(
            user_id=family.user_id,
            jti=token[api_settings.JTI_CLAIM],
            token=str(token),
            created_at=token.current_time,
            expires_at=datetime_from_epoch(token["exp"]),
        )
        return token


def sign_in(user: User) -> RefreshToken:
    """Start a new API sign-in for ``user``: a new family and its first refresh token."""
    family = TokenFamily.objects.create(user=user, expires_at=timezone.now() + settings.JWT_SIGN_IN_MAX_AGE)
    return RefreshToken.for_family(family)

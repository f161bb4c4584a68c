"""The two kinds of API caller: an ATS with an API key, a person with a JWT."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import timedelta

from django.utils import timezone
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from rest_framework import authentication, exceptions

from . import throttling
from .models import ApiKey, Organization, hash_api_key

security_log = logging.getLogger("accounts.security")


class ApiKeyGuessing(exceptions.Throttled):
    def __init__(self, wait: int):
        super().__init__(wait=wait)
        self.detail = exceptions.ErrorDetail(
            f"Too many requests with a wrong API key from this address. {throttling.message(wait)}",
            code="throttled",
        )


@dataclass
class ApiClient:
    """request.user for API-key requests: the organization's ATS integration."""

    api_key: ApiKey

    is_authenticated = True
    is_anonymous = False
    is_active = True
    role = None

    @property
    def organization(self) -> Organization:
        return self.api_key.organization

    @property
    def organization_id(self):
        return self.api_key.organization_id

    @property
    def id(self):
        return None

    @property
    def pk(self):
        # Throttling counts requests per key.
        return f"api-key:{self.api_key.pk}"

    def __str__(self) -> str:
        return f"api-key:{self.api_key.name}"


class ApiKeyAuthentication(authentication.BaseAuthentication):
    header = "HTTP_X_API_KEY"
    # Writing last_used_at on every request would turn each read into a write.
    touch_interval = timedelta(minutes=1)

    def authenticate(self, request):
        raw = request.META.get(self.header)
        if raw is None:
            return None
        raw = raw.strip()
        # Too many wrong keys from this address: refused before any lookup,
        # so guessing stops even for the key that would have been right.
        address = [f"ip:{throttling.client_address(request)}"]
        wait = throttling.API_KEY_FAILURES.wait(address)
        if wait:
            raise ApiKeyGuessing(wait)
        try:
            if not raw:
                raise exceptions.AuthenticationFailed("The X-API-Key header is empty.")
            try:
                key = ApiKey.objects.select_related("organization").get(key_hash=hash_api_key(raw))
            except ApiKey.DoesNotExist:
                raise exceptions.AuthenticationFailed("Invalid API key.") from None
            if not key.is_active:
                raise exceptions.AuthenticationFailed("This API key has been revoked.")
        except exceptions.AuthenticationFailed:
            throttling.API_KEY_FAILURES.hit(address)
            security_log.warning("api_key_rejected address=%s", address[0][3:])
            raise
        now = timezone.now()
        if key.last_used_at is None or now - key.last_used_at > self.touch_interval:
            ApiKey.objects.filter(pk=key.pk).update(last_used_at=now)
        return ApiClient(key), key

    def authenticate_header(self, request):
        return "X-API-Key"


class ApiKeyScheme(OpenApiAuthenticationExtension):
    target_class = "accounts.authentication.ApiKeyAuthentication"
    name = "ApiKeyAuth"

    def get_security_definition(self, auto_schema):
        return {"type": "apiKey", "in": "header", "name": "X-API-Key"}

"""The two kinds of API caller: an ATS with an API key, a person with a JWT."""

from __future__ import annotations

import logging
from dataclasses import dataclass

from drf_spectacular.extensions import OpenApiAuthenticationExtension
from rest_framework import authentication, exceptions

from . import api_keys, throttling
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
    # (window's cache key, requests in it, seconds until it ends): this request, already counted
    # in its key's window by the authentication (see ApiKeyRateThrottle).
    counted: tuple[str, int, int] | None = None

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
        # Throttling counts requests per key, by its hash (known before the key is found).
        return f"api-key:{self.api_key.key_hash[:32]}"

    def __str__(self) -> str:
        return f"api-key:{self.api_key.name}"


class ApiKeyAuthentication(authentication.BaseAuthentication):
    """X-API-Key: the key's hash looked up through the cache (``api_keys``), revocation immediate."""

    header = "HTTP_X_API_KEY"

    def authenticate(self, request):
        raw = request.META.get(self.header)
        if raw is None:
            return None
        raw = raw.strip()
        address = [f"ip:{throttling.client_address(request)}"]
        # The key and the address's wrong-key count come in one cache round trip.
        # So does the request's count in its key's window (ApiKeyRateThrottle).
        failures = throttling.API_KEY_FAILURES
        digest = hash_api_key(raw) if raw else ""
        count = throttling.ApiKeyRateThrottle.counter(digest) if digest else None
        lookup = api_keys.Lookup(digest, also=failures.cache_keys(address), count=count)
        # Too many wrong keys from this address: refused before any lookup,
        # so guessing stops even for the key that would have been right.
        wait = failures.wait(address, lookup.values)
        if wait:
            raise ApiKeyGuessing(wait)
        try:
            if not raw:
                raise exceptions.AuthenticationFailed("The X-API-Key header is empty.")
            key = lookup.key()
            if key is None:
                raise exceptions.AuthenticationFailed("Invalid API key.")
            if not key.is_active:
                raise exceptions.AuthenticationFailed("This API key has been revoked.")
        except exceptions.AuthenticationFailed:
            failures.hit(address)
            security_log.warning("api_key_rejected address=%s", address[0][3:])
            raise
        # Writing last_used_at on every request would turn each read into a write.
        lookup.touch(key)
        return ApiClient(key, counted=lookup.counted), key

    def authenticate_header(self, request):
        return "X-API-Key"


class ApiKeyScheme(OpenApiAuthenticationExtension):
    target_class = "accounts.authentication.ApiKeyAuthentication"
    name = "ApiKeyAuth"

    def get_security_definition(self, auto_schema):
        return {"type": "apiKey", "in": "header", "name": "X-API-Key"}

"""Windowed counters in Django's default cache (Redis in production), shared by every process.

A window starts with its first hit and ends ``window`` seconds later; once a
key has ``max_hits`` in it, the limit refuses until it ends. Sign-in has its
own rules on top of these (``signin.py``).
"""

from __future__ import annotations

import hashlib
import math
import time
from dataclasses import dataclass

from django.conf import settings
from django.core.cache import cache, caches
from django.core.cache.backends.redis import RedisCache
from rest_framework.throttling import BaseThrottle, SimpleRateThrottle


@dataclass(frozen=True)
class Limit:
    scope: str
    max_hits: int
    window: int  # seconds

    def _keys(self, ident: str) -> tuple[str, str]:
        # Hashed: emails are not kept in the cache, and any length fits a key.
        digest = hashlib.sha256(ident.encode()).hexdigest()[:32]
        base = f"throttle:{self.scope}:{digest}"
        return f"{base}:hits", f"{base}:ends"

    def cache_keys(self, idents) -> list[str]:
        """The cache entries ``wait`` reads for ``idents`` (to fetch them with others in one trip)."""
        return [key for ident in filter(None, idents) for key in self._keys(ident)]

    def wait(self, idents, values: dict | None = None) -> int:
        """Seconds until all of ``idents`` are under the limit again; 0 when they are.

        ``values``: the entries of ``cache_keys(idents)`` when the caller fetched them already.
        """
        now = time.time()
        longest = 0.0
        if values is None:
            values = cache.get_many(self.cache_keys(idents))
        for ident in filter(None, idents):
            hits_key, ends_key = self._keys(ident)
            if values.get(hits_key, 0) >= self.max_hits:
                longest = max(longest, values.get(ends_key, now + self.window) - now)
        return math.ceil(longest) if longest > 0 else 0

    def hit(self, idents) -> None:
        """Count one attempt against each of ``idents``."""
        now = time.time()
        for ident in filter(None, idents):
            hits_key, ends_key = self._keys(ident)
            cache.add(ends_key, now + self.window, self.window)
            # add then incr: atomic in Redis, so parallel guesses are all counted.
            if not cache.add(hits_key, 1, self.window):
                try:
                    cache.incr(hits_key)
                except ValueError:  # expired between the two calls
                    cache.add(hits_key, 1, self.window)


# At most 5 reset emails an hour per IP and per email address.
PASSWORD_RESET = Limit("password-reset", max_hits=5, window=60 * 60)
# Wrong or revoked API keys per client address (API_KEY_FAILURE_LIMIT per 10 minutes).
API_KEY_FAILURES = Limit("api-key-failures", max_hits=settings.API_KEY_FAILURE_LIMIT, window=10 * 60)


def client_address(request) -> str:
    """The client's address; X-Forwarded-For is believed for TRUSTED_PROXIES hops only (as in DRF)."""
    return BaseThrottle().get_ident(request)


def idents(request, email: str | None) -> list[str]:
    """What a limit counts for this request: the client's address and the email typed."""
    found = [f"ip:{client_address(request)}"] if request is not None else []
    if email:
        found.append(f"email:{email.strip().lower()}")
    return found


def message(seconds: int) -> str:
    minutes = max(1, math.ceil(seconds / 60))
    return f"Too many attempts. Try again in {minutes} minute{'s' if minutes != 1 else ''}."


class ApiKeyRateThrottle(SimpleRateThrottle):
    """The per-key request rate (API_KEY_THROTTLE_RATE), on every endpoint an API key can call.

    A default throttle class: it counts API-key callers only (one bucket per
    key), so people's tokens and candidates are not slowed by it.

    A window starts with a key's first request and ends ``duration`` seconds
    later; a key with ``num_requests`` in it is refused until it ends. With
    Redis that is one counter and no round trip of its own, however many
    requests the window holds (DRF's own throttles keep, read and write back
    the time of every request in it).

    The counting itself is done by the authentication, in the round trip that
    looks the key up (``counter``, ``fetch_and_count``): the request is counted
    in its key's window whether the key turns out right or not (a wrong key's
    window only ever holds its own requests, and wrong keys are limited per
    address besides). This class then only compares the count with the rate.
    """

    scope = "api_key"
    # Not DRF's "throttle_%(scope)s_%(ident)s": that entry holds a list of request times,
    # which a counter must never meet (nor DRF's throttles this counter) during a deploy.
    cache_format = "throttle:%(scope)s:%(ident)s:window"

    @classmethod
    def counter(cls, digest: str) -> tuple[str, int] | None:
        """(cache key, window seconds) of the window that counts requests with the key of ``digest``;
        None when the rate is off."""
        throttle = cls()
        if throttle.rate is None:
            return None
        return cls.cache_format % {"scope": cls.scope, "ident": f"api-key:{digest[:32]}"}, throttle.duration

    def get_cache_key(self, request, view):
        ident = str(getattr(request.user, "pk", ""))
        if not ident.startswith("api-key:"):
            return None
        return self.cache_format % {"scope": self.scope, "ident": ident}

    def allow_request(self, request, view):
        if self.rate is None:
            return True
        self.key = self.get_cache_key(request, view)
        if self.key is None:
            return True
        counted = getattr(request.user, "counted", None)
        if counted is not None and counted[0] == self.key:
            hits, self.remaining = counted[1], counted[2]
        else:  # a caller the authentication did not count (or counted in another window)
            hits, self.remaining = _count(self.key, self.duration)
        return hits <= self.num_requests

    def wait(self):
        return max(1, self.remaining)


def fetch_and_count(keys: list[str], counter: str, window: int) -> tuple[dict, int, int]:
    """``cache.get_many(keys)`` and one request counted in ``counter``'s window, in one Redis round
    trip: (the entries found, requests in the window so far, seconds until it ends)."""
    backend = caches["default"]
    if not isinstance(backend, RedisCache):
        return (cache.get_many(keys), *_count(counter, window))
    made = {backend.make_and_validate_key(key): key for key in keys}
    name = backend.make_and_validate_key(counter)
    # MULTI/EXEC: the window cannot end between creating the counter and counting.
    pipe = backend._cache.get_client(name, write=True).pipeline(transaction=True)
    if made:
        pipe.mget(list(made))
    pipe.set(name, 0, ex=window, nx=True).incr(name).ttl(name)
    *found, _, hits, ttl = pipe.execute()
    values = {}
    if made:  # decoded as Django's RedisCache.get_many does
        loads = backend._cache._serializer.loads
        values = {made[k]: loads(v) for k, v in zip(made, found[0], strict=True) if v is not None}
    return values, hits, ttl if ttl > 0 else window


def _count(key: str, window: int) -> tuple[int, int]:
    """Count one request in ``key``'s window: (requests in it so far, seconds until it ends)."""
    backend = caches["default"]
    if isinstance(backend, RedisCache):
        _, hits, ttl = fetch_and_count([], key, window)
        return hits, ttl
    # Other caches (the embedded mode's memory): the same window in two entries.
    now = time.time()
    ends_key = f"{key}:ends"
    cache.add(ends_key, now + window, window)
    if not cache.add(key, 1, window):
        try:
            return cache.incr(key), math.ceil(cache.get(ends_key, now + window) - now)
        except ValueError:  # expired between the two calls
            cache.add(key, 1, window)
    return 1, window

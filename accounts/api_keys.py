"""API keys: the cached lookup behind ``X-API-Key``, and the changes that end a key.

A live key found by its hash is kept in Django's cache (Redis in production,
shared by every process; in memory in the embedded mode) for
``CACHE_SECONDS``, so most API requests authenticate without the database.

Revocation is immediate: every cache entry carries the *generation* it was read
under, and any change to any key (revoke, rotate, delete, save) replaces the
generation, in the cache every process reads. An entry of an older generation
is ignored on the very next request, which reads the database again. The
generation is read before the database, so a read that raced a revocation is
stored under the old generation and never used. Only live keys are cached:
an unknown or revoked key goes to the database every time (and counts as a
wrong guess), so a key created a moment ago works at once.

``last_used_at`` is written at most once a minute per key, whichever process
serves the request (a cache entry claims the minute).
"""

from __future__ import annotations

import secrets

from django.core.cache import cache
from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone

from . import throttling
from .models import ApiKey

CACHE_SECONDS = 300
TOUCH_SECONDS = 60
GENERATION = "api-keys:generation"


def _entry_key(digest: str) -> str:
    return f"api-keys:key:{digest}"


def _touch_key(digest: str) -> str:
    return f"api-keys:used:{digest}"


def _new_generation() -> None:
    cache.set(GENERATION, secrets.token_hex(8), None)


def forget_all() -> None:
    """Make every cached key lookup stale, now and again once the transaction commits.

    Now: this process's next request inside the transaction sees the change.
    After commit: a request that read the key in between (before the change was
    visible) cached it under the generation this replaces.
    """
    _new_generation()
    transaction.on_commit(_new_generation)


def _generation() -> str:
    # A generation lost from the cache (eviction, restart) is replaced by a new
    # random one, never by a value an old entry could still carry.
    cache.add(GENERATION, secrets.token_hex(8), None)
    return cache.get(GENERATION)


def _from_database(digest: str) -> ApiKey | None:
    return ApiKey.objects.filter(key_hash=digest).first()


class Lookup:
    """One request's key lookup: one cache round trip, plus any ``also`` entries the caller needs.

    With ``count`` (a window's cache key and seconds, from ``ApiKeyRateThrottle.counter``) the same
    round trip counts the request in that window: ``counted`` is then (cache key, requests in the
    window so far, seconds until it ends).
    """

    def __init__(self, digest: str, also: list[str] | tuple[str, ...] = (), count: tuple | None = None):
        self.digest = digest
        self.counted = None
        wanted = list(also)
        if digest:
            wanted += [GENERATION, _entry_key(digest), _touch_key(digest)]
        if count is not None:
            self.values, hits, ends_in = throttling.fetch_and_count(wanted, *count)
            self.counted = (count[0], hits, ends_in)
        else:
            self.values = cache.get_many(wanted) if wanted else {}

    def key(self) -> ApiKey | None:
        """The key with this hash (revoked or not), or None when there is none."""
        generation = self.values.get(GENERATION)
        entry = self.values.get(_entry_key(self.digest))
        if entry is not None and generation is not None and entry[0] == generation:
            return entry[1]
        if generation is None:
            generation = _generation()
        key = _from_database(self.digest)
        if key is not None and key.is_active:
            cache.set(_entry_key(self.digest), (generation, key), CACHE_SECONDS)
        return key

    def touch(self, key: ApiKey) -> None:
        """Record the use, at most once a minute per key across processes."""
        touch_key = _touch_key(self.digest)
        if self.values.get(touch_key) is None and cache.add(touch_key, 1, TOUCH_SECONDS):
            ApiKey.objects.filter(pk=key.pk).update(last_used_at=timezone.now())


def key_changed(sender, **kwargs) -> None:
    """post_save / post_delete of an ApiKey: cached lookups may be out of date."""
    forget_all()


@transaction.atomic
def revoke(keys: QuerySet[ApiKey]) -> int:
    """Revoke ``keys`` (those still live); refused from the next request on, in every process."""
    count = keys.filter(revoked_at__isnull=True).update(revoked_at=timezone.now())
    forget_all()
    return count


@transaction.atomic
def rotate(key: ApiKey) -> tuple[ApiKey, str]:
    """A new key with the same name and organization; the old one is revoked. Returns (key, raw)."""
    new_key, raw = ApiKey.create_with_raw(key.organization, key.name)
    revoke(ApiKey.objects.filter(pk=key.pk))
    return new_key, raw

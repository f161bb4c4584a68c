"""Limits on guessing passwords, shared by the API's sign-in and the sign-in pages (/accounts/, /ops/).

Three rules, counted in the cache (Redis in production) so every process sees them:

- per account and address: SIGN_IN_FREE_ATTEMPTS wrong passwords, then each
  further try waits twice as long as the one before (30 s, 1 min, 2 min, …
  up to 15 min). One guesser slows down; nobody else does.
- per address: SIGN_IN_ADDRESS_LIMIT wrong passwords in 10 minutes, for any
  accounts, and the address waits out the window (password spraying).
- per account: SIGN_IN_ACCOUNT_LOCK_AFTER wrong passwords from anywhere within
  SIGN_IN_LOCK_MINUTES lock the account for SIGN_IN_LOCK_MINUTES (guessing
  from many addresses). An attacker must not lock the owner out, so the lock
  does not apply from an address this account signed in from before (kept
  30 days), and the owner is emailed a link that lifts it at once.

Over a limit, no password is checked. Failures, locks and unlocks are logged
to the ``accounts.security`` logger (the email and address, never a password).
"""

from __future__ import annotations

import hashlib
import logging
import math
import secrets
import time
from dataclasses import dataclass

from django.conf import settings
from django.core import signing
from django.core.cache import cache

from interview_platform import jobs

from .throttling import Limit, client_address, message

security_log = logging.getLogger("accounts.security")

BACKOFF_FIRST = 30  # seconds, after the free attempts
BACKOFF_MAX = 15 * 60
KNOWN_ADDRESS_DAYS = 30
PAIR_MEMORY = 24 * 60 * 60  # a pair's failures are forgotten a day after the last one
UNLOCK_SALT = "accounts.sign-in-unlock"

ADDRESS = Limit("sign-in-address", max_hits=settings.SIGN_IN_ADDRESS_LIMIT, window=10 * 60)


def _key(kind: str, *parts: str) -> str:
    # Hashed: emails are not kept in the cache, and any length fits a key.
    digest = hashlib.sha256("|".join(parts).encode()).hexdigest()[:32]
    return f"sign-in:{kind}:{digest}"


def _count(key: str, ttl: int) -> int:
    """Add one to ``key`` and return the new count (add then incr: atomic in Redis)."""
    if cache.add(key, 1, ttl):
        return 1
    try:
        return cache.incr(key)
    except ValueError:  # expired between the two calls
        cache.add(key, 1, ttl)
        return 1


def backoff(failures: int) -> int:
    """Seconds to wait after ``failures`` wrong passwords for one account from one address."""
    over = failures - settings.SIGN_IN_FREE_ATTEMPTS
    if over < 0:
        return 0
    return min(BACKOFF_MAX, BACKOFF_FIRST * 2 ** min(over, 16))


@dataclass(frozen=True)
class Refusal:
    wait: int
    message: str


def lock_message(seconds: int) -> str:
    minutes = max(1, math.ceil(seconds / 60))
    return (
        "This account is locked after too many wrong passwords. Try again in "
        f"{minutes} minute{'s' if minutes != 1 else ''}, "
        "or use the unlock link emailed to the account's address."
    )


class Attempt:
    """One sign-in: ``refusal()`` before checking the password, then ``failed()`` or ``succeeded()``."""

    def __init__(self, request, email: str | None, channel: str):
        self.email = (email or "").strip().lower()
        self.address = client_address(request) if request is not None else ""
        self.channel = channel
        self.pair = _key("pair", self.email, self.address)
        self.lock = _key("lock", self.email)

    def refusal(self) -> Refusal | None:
        now = time.time()
        wait = ADDRESS.wait([f"ip:{self.address}"])
        if wait:
            return Refusal(wait, message(wait))
        if self.email:
            state = cache.get_many([self.pair, f"{self.pair}:last"])
            wait = math.ceil(backoff(state.get(self.pair, 0)) - (now - state.get(f"{self.pair}:last", now)))
            if wait > 0:
                return Refusal(wait, message(wait))
            lock = cache.get(self.lock)
            if lock and lock["until"] > now and not self.known_address():
                wait = math.ceil(lock["until"] - now)
                return Refusal(wait, lock_message(wait))
        return None

    def refused(self, refusal: Refusal) -> None:
        security_log.warning(
            "sign_in_refused channel=%s email=%s address=%s wait=%ss",
            self.channel,
            self.email,
            self.address,
            refusal.wait,
        )

    def known_address(self) -> bool:
        return bool(cache.get(_key("known", self.email, self.address)))

    def failed(self, user=None) -> None:
        """A wrong password (or an unknown email: the same to whoever typed it)."""
        ADDRESS.hit([f"ip:{self.address}"])
        failures = 0
        if self.email:
            failures = _count(self.pair, PAIR_MEMORY)
            cache.set(f"{self.pair}:last", time.time(), PAIR_MEMORY)
        security_log.warning(
            "sign_in_failed channel=%s email=%s address=%s failures_from_address=%s",
            self.channel,
            self.email,
            self.address,
            failures,
        )
        if not self.email:
            return
        lock_seconds = settings.SIGN_IN_LOCK_MINUTES * 60
        account_key = _key("account", self.email)
        if _count(account_key, lock_seconds) >= settings.SIGN_IN_ACCOUNT_LOCK_AFTER:
            self._lock(user, account_key, lock_seconds)

    def _lock(self, user, account_key: str, lock_seconds: int) -> None:
        lock = {"id": secrets.token_hex(8), "until": time.time() + lock_seconds}
        if not cache.add(self.lock, lock, lock_seconds):
            return  # already locked: one lock, one email
        cache.delete(account_key)
        security_log.warning("account_locked email=%s minutes=%s", self.email, settings.SIGN_IN_LOCK_MINUTES)
        if user is not None and user.is_active:
            jobs.enqueue_on_commit("accounts.tasks.send_unlock_email", str(user.pk), lock["id"])

    def succeeded(self) -> None:
        cache.delete_many([self.pair, f"{self.pair}:last"])
        self.remember_address()

    def remember_address(self) -> None:
        cache.set(_key("known", self.email, self.address), 1, KNOWN_ADDRESS_DAYS * 24 * 60 * 60)


def unlock_token(user, lock_id: str) -> str:
    return signing.dumps({"u": str(user.pk), "l": lock_id}, salt=UNLOCK_SALT)


def unlock(request, token: str):
    """Lift the lock the emailed link was sent for; the user, or None if the link is not (or no longer) valid.

    The address that opens the link becomes known for the account, so the
    owner can sign in from it even if the account is locked again.
    """
    from .models import User

    try:
        data = signing.loads(token, salt=UNLOCK_SALT, max_age=settings.SIGN_IN_LOCK_MINUTES * 60)
    except signing.BadSignature:
        return None
    user = User.objects.filter(pk=data.get("u"), is_active=True).first()
    if user is None:
        return None
    attempt = Attempt(request, user.email, channel="unlock")
    lock = cache.get(attempt.lock)
    if not lock or lock.get("id") != data.get("l"):
        return None
    cache.delete_many([attempt.lock, _key("account", attempt.email), attempt.pair, f"{attempt.pair}:last"])
    attempt.remember_address()
    security_log.warning("account_unlocked email=%s address=%s", attempt.email, attempt.address)
    return user

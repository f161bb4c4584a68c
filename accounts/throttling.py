"""Limits on guessing passwords and sending reset emails through the sign-in pages.

The API's sign-in has DRF's throttles; the session pages (/accounts/ and
/ops/) count here, in Django's default cache, so every process of the site
shares the counts. Each limit counts per client IP and per email: many
accounts tried from one address, and one account tried from many addresses,
both stop. A window starts with its first hit and ends ``window`` seconds
later; once a key has ``max_hits`` in it, the page refuses until it ends.
"""

from __future__ import annotations

import hashlib
import math
import time
from dataclasses import dataclass

from django.core.cache import cache


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

    def wait(self, idents) -> int:
        """Seconds until all of ``idents`` are under the limit again; 0 when they are."""
        now = time.time()
        longest = 0.0
        for ident in filter(None, idents):
            hits_key, ends_key = self._keys(ident)
            values = cache.get_many([hits_key, ends_key])
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


# At most 10 wrong passwords per 10 minutes per IP and per email.
SIGN_IN = Limit("sign-in", max_hits=10, window=10 * 60)
# At most 5 reset emails an hour per IP and per email address.
PASSWORD_RESET = Limit("password-reset", max_hits=5, window=60 * 60)


def idents(request, email: str | None) -> list[str]:
    """What a limit counts for this request: the client's address and the email typed."""
    found = [f"ip:{request.META.get('REMOTE_ADDR', '')}"] if request is not None else []
    if email:
        found.append(f"email:{email.strip().lower()}")
    return found


def message(seconds: int) -> str:
    minutes = max(1, math.ceil(seconds / 60))
    return f"Too many attempts. Try again in {minutes} minute{'s' if minutes != 1 else ''}."

"""Signed-in sessions end SESSION_IDLE_TIMEOUT after the last request, SESSION_COOKIE_AGE after sign-in."""

from __future__ import annotations

import math
import time

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import SESSION_KEY, logout

SEEN_AT = "_seen_at"
SIGNED_IN_AT = "_signed_in_at"
# The last-seen time is written at most this often, not on every request.
TOUCH_EVERY = 60


def start_session_clock(sender, request, user, **kwargs):
    """At sign-in (user_logged_in): both clocks start now, and the first page does not write the session."""
    session = getattr(request, "session", None)
    if session is not None:
        now = time.time()
        session[SEEN_AT] = session[SIGNED_IN_AT] = now


class SessionIdleTimeoutMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        session = getattr(request, "session", None)
        if session is not None and session.get(SESSION_KEY):
            self._check(request, session, time.time())
        return self.get_response(request)

    def _check(self, request, session, now: float) -> None:
        idle = settings.SESSION_IDLE_TIMEOUT.total_seconds()
        seen, started = session.get(SEEN_AT, now), session.setdefault(SIGNED_IN_AT, now)
        # Each save of the session pushes its cookie's expiry back, so the
        # absolute age is enforced here too, from the time of signing in.
        if now - seen > idle or now - started > settings.SESSION_COOKIE_AGE:
            logout(request)
            reason = (
                f"after {math.ceil(idle / 60)} minutes without activity"
                if now - seen > idle
                else f"{settings.SESSION_COOKIE_AGE // 3600} hours after signing in"
            )
            messages.info(request, f"You were signed out {reason}. Sign in again.")
        elif SEEN_AT not in session or now - seen >= TOUCH_EVERY:
            session[SEEN_AT] = now

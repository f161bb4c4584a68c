"""Sign-in limits and the cookie and HTTPS settings: part of the settings, kept together.

``interview_platform/settings.py`` takes these names as they are.
"""

from __future__ import annotations

from datetime import timedelta

from .env import env_bool, env_int


def sign_in_settings() -> dict[str, object]:
    """Limits on guessing (accounts/signin.py, accounts/throttling.py)."""
    # Wrong passwords for one account from one address before each next try waits twice as long.
    SIGN_IN_FREE_ATTEMPTS = env_int("SIGN_IN_FREE_ATTEMPTS", 5, minimum=1, maximum=100)
    # Wrong passwords from one address, for any accounts, in 10 minutes.
    SIGN_IN_ADDRESS_LIMIT = env_int("SIGN_IN_ADDRESS_LIMIT", 20, minimum=1, maximum=10000)
    # Wrong passwords for one account from anywhere that lock it (except from addresses it used before).
    SIGN_IN_ACCOUNT_LOCK_AFTER = env_int("SIGN_IN_ACCOUNT_LOCK_AFTER", 10, minimum=2, maximum=1000)
    SIGN_IN_LOCK_MINUTES = env_int("SIGN_IN_LOCK_MINUTES", 60, minimum=1, maximum=24 * 60)
    # Requests with a wrong or revoked X-API-Key from one address in 10 minutes.
    API_KEY_FAILURE_LIMIT = env_int("API_KEY_FAILURE_LIMIT", 20, minimum=1, maximum=10000)
    return {name: value for name, value in locals().items() if name.isupper()}


def security_settings(debug: bool) -> dict[str, object]:
    """Sessions and cookies; in production (``debug`` off) HTTPS, secure cookies and HSTS."""
    SESSION_COOKIE_HTTPONLY = True
    # A dashboard session ends after this long without a request (accounts/middleware.py) ...
    SESSION_IDLE_TIMEOUT = timedelta(minutes=env_int("SESSION_IDLE_MINUTES", 60, minimum=1, maximum=24 * 60))
    # ... and this long after signing in, however active (Django's default is 14 days).
    SESSION_COOKIE_AGE = env_int("SESSION_MAX_AGE_HOURS", 12, minimum=1, maximum=24 * 30) * 3600
    CSRF_COOKIE_HTTPONLY = False
    X_FRAME_OPTIONS = "DENY"
    SECURE_CONTENT_TYPE_NOSNIFF = True
    SECURE_REFERRER_POLICY = "same-origin"
    if not debug:
        # Production is HTTPS behind a proxy that says so in X-Forwarded-Proto. Each of
        # these can be turned off to run the production shape on plain http locally
        # (README, "Production topology"); `check --deploy` then says what is off.
        SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
        SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", True)
        # The load balancer's health checks may speak plain http to the app.
        SECURE_REDIRECT_EXEMPT = [r"^healthz$", r"^readyz$"]
        SESSION_COOKIE_SECURE = CSRF_COOKIE_SECURE = env_bool("SECURE_COOKIES", True)
        SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 31536000, minimum=0)
        SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", True)
        SECURE_HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD", True)
    return {name: value for name, value in locals().items() if name.isupper()}

"""Finding the real services the integration tests need.

On a user's machine a missing PostgreSQL, Redis or Chromium skips the tests
that need it, with the reason. Under CI=true every test must run, so a
missing service is a failure instead.
"""

from __future__ import annotations

import os
import shutil
import socket
from urllib.parse import urlparse

import pytest

IN_CI = os.environ.get("CI", "").lower() in ("1", "true", "yes")
CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")


def _missing(reason: str) -> None:
    if IN_CI:
        pytest.fail(f"{reason} (CI=true: every test must run)")
    pytest.skip(reason)


def _reachable(url: str, default_port: int) -> bool:
    parsed = urlparse(url)
    try:
        with socket.create_connection(
            (parsed.hostname or "127.0.0.1", parsed.port or default_port), timeout=1
        ):
            return True
    except OSError:
        return False


def redis_url() -> str:
    url = os.environ.get("REDIS_URL", "")
    if not url:
        _missing("needs Redis: set REDIS_URL (e.g. redis://127.0.0.1:6379/0)")
    if not _reachable(url, 6379):
        _missing(f"needs Redis, but {url} is not answering")
    return url


def require_postgres() -> None:
    from django.db import connection

    if connection.vendor != "postgresql":
        _missing("needs PostgreSQL: set DATABASE_URL=postgres://…")


def chromium_path() -> str:
    if not (os.path.exists(CHROMIUM) or shutil.which("chromium")):
        _missing(f"needs Chromium at {CHROMIUM} (Debian package 'chromium')")
    try:
        import playwright  # noqa: F401
    except ImportError:
        _missing("needs the playwright package")
    return CHROMIUM if os.path.exists(CHROMIUM) else shutil.which("chromium")

"""The database: PostgreSQL from DATABASE_URL, else SQLite in the data folder (embedded mode).

Part of the settings (``interview_platform/settings.py`` takes these names as they are).
"""

from __future__ import annotations

from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured

from .env import env_choice, env_int


def database_settings(database_url: str, data_dir: Path) -> dict[str, object]:
    """DATABASES, DATABASE_CONN_MAX_AGE and DATABASE_SYNCHRONOUS_COMMIT."""
    # Each process (and each of its threads) keeps its PostgreSQL connection this long
    # (seconds), checked before a reuse (``interview_platform.postgres``); a new session
    # costs the server tens of ms of CPU to set up. 0 closes it after every request and
    # job (e.g. behind PgBouncer).
    conn_max_age = env_int("DATABASE_CONN_MAX_AGE", 600, minimum=0, maximum=86400)
    # "off" only for a process whose own writes may be lost in a PostgreSQL crash and redone:
    # the webhooks worker (Procfile), whose claims, attempt records and endpoint health then
    # commit without waiting for the disk. A lost record means a delivery is sent again, which
    # receivers already deduplicate (webhook-id), or an endpoint disabled again. Events and
    # deliveries themselves are written by the business transactions, in processes that keep
    # the default.
    synchronous_commit = env_choice("DATABASE_SYNCHRONOUS_COMMIT", "on", ("on", "off"))
    if not database_url:
        return {
            "DATABASES": {"default": _sqlite(data_dir)},
            "DATABASE_CONN_MAX_AGE": conn_max_age,
            "DATABASE_SYNCHRONOUS_COMMIT": synchronous_commit,
        }
    try:
        default = dj_database_url.parse(database_url, conn_max_age=conn_max_age)
    except Exception as exc:  # dj_database_url raises several types for bad URLs
        raise ImproperlyConfigured(f"DATABASE_URL is not a valid database URL: {exc}") from None
    default["CONN_HEALTH_CHECKS"] = True
    if default["ENGINE"] == "django.db.backends.postgresql":
        # The same backend, its health check skipped for a connection that just answered.
        default["ENGINE"] = "interview_platform.postgres"
    if synchronous_commit == "off" and default["ENGINE"].endswith("postgres"):
        options = default.setdefault("OPTIONS", {})
        options["options"] = (options.get("options", "") + " -c synchronous_commit=off").strip()
    return {
        "DATABASES": {"default": default},
        "DATABASE_CONN_MAX_AGE": conn_max_age,
        "DATABASE_SYNCHRONOUS_COMMIT": synchronous_commit,
    }


def _sqlite(data_dir: Path) -> dict[str, object]:
    return {
        "ENGINE": "django.db.backends.sqlite3",
        "NAME": data_dir / "db.sqlite3",
        "OPTIONS": {
            # WAL lets the in-process job runner write while requests read;
            # IMMEDIATE takes the write lock up front so concurrent
            # transactions wait (timeout) instead of failing mid-way.
            "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
            "transaction_mode": "IMMEDIATE",
            "timeout": 20,
        },
        # A file, not memory, so a server process started by the
        # integration tests sees the same test database.
        "TEST": {"NAME": str(data_dir / "test-db.sqlite3")},
    }

"""Django's PostgreSQL backend, with its health check skipped for a connection just used.

``CONN_HEALTH_CHECKS`` sends ``SELECT 1`` before the first query of every request,
job and socket call, however recently the connection answered: under load, a round
trip more for every answer and request. As PgBouncer's ``server_check_delay`` does,
a connection whose last query began less than ``CHECK_AFTER`` seconds ago, with no
error since, is used without the check. One that went bad within that moment fails
its next query; Django notes the error, tests the connection when the request or
job ends and closes it if it is broken, so the next one connects afresh.
"""

from __future__ import annotations

import time

from django.db.backends.postgresql import base

# Seconds; a connection idle longer than this is checked before its next use.
CHECK_AFTER = 1.0


class DatabaseWrapper(base.DatabaseWrapper):
    used_at = float("-inf")  # time.monotonic() of the last cursor made on this connection

    def create_cursor(self, name=None):
        self.used_at = time.monotonic()
        return super().create_cursor(name)

    def close_if_health_check_failed(self):
        if (
            self.connection is not None
            and not self.errors_occurred
            and time.monotonic() - self.used_at < CHECK_AFTER
        ):
            self.health_check_done = True
            return
        super().close_if_health_check_failed()

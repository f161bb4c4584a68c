"""The PostgreSQL backend: a connection idle a while is checked before use, one that just answered is not."""

from __future__ import annotations

import psycopg
import pytest
from django.db import OperationalError, close_old_connections, connection, connections

from interview_platform.database_settings import database_settings
from interview_platform.postgres.base import CHECK_AFTER
from tests.services import require_postgres

pytestmark = pytest.mark.django_db(transaction=True)


def test_a_postgres_url_gets_the_backend_with_its_health_checks_on(tmp_path):
    default = database_settings("postgres://u@db.example:5432/app", tmp_path)["DATABASES"]["default"]
    assert default["ENGINE"] == "interview_platform.postgres"
    assert default["CONN_HEALTH_CHECKS"] is True
    sqlite = database_settings("", tmp_path)["DATABASES"]["default"]
    assert sqlite["ENGINE"] == "django.db.backends.sqlite3"


def _pid() -> int:
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        return cursor.fetchone()[0]


def _terminate(pid: int) -> None:
    """Ends that server session from another connection, as a restart or a proxy timeout would."""
    with psycopg.connect(**connection.get_connection_params(), autocommit=True) as other:
        other.execute("SELECT pg_terminate_backend(%s)", [pid])


@pytest.fixture
def checks(monkeypatch):
    """How many health checks (``SELECT 1``) the connection ran."""
    count = [0]
    wrapper = type(connections["default"])
    is_usable = wrapper.is_usable

    def counted(self):
        count[0] += 1
        return is_usable(self)

    monkeypatch.setattr(wrapper, "is_usable", counted)
    return count


def test_a_connection_that_just_answered_is_used_without_a_check(checks):
    require_postgres()
    first = _pid()
    close_old_connections()  # the request ends, the next one starts
    assert _pid() == first
    assert checks[0] == 0


def test_a_connection_idle_longer_is_checked_and_replaced_when_broken(checks):
    require_postgres()
    first = _pid()
    _terminate(first)
    close_old_connections()
    connection.used_at -= CHECK_AFTER + 1  # as if idle since
    assert _pid() != first  # the check found it broken: a new session, no error
    assert checks[0] == 1
    close_old_connections()
    _pid()
    assert checks[0] == 1  # that new session just answered: no second check


def test_a_connection_broken_within_the_moment_fails_once_and_is_replaced(checks):
    require_postgres()
    first = _pid()
    _terminate(first)
    close_old_connections()
    with pytest.raises(OperationalError):
        _pid()
    assert checks[0] == 0  # it had just answered: used unchecked, so this query failed
    close_old_connections()  # the request ends: the error is noted, the connection tested and closed
    assert checks[0] == 1
    assert _pid() != first

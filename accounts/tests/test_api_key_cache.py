"""API keys are looked up through the cache; revoking, rotating or deleting one takes effect at once."""

from __future__ import annotations

import uuid
from contextlib import contextmanager

import pytest
import requests
import time_machine
from django.contrib.messages import get_messages
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from accounts import api_keys
from accounts.models import ApiKey, hash_api_key
from tests.factories import api_key_client
from tests.live import free_port, stack_env, start_daphne, stop
from tests.services import redis_url

STATUS = "/api/v1/a2a/interview/{}/status"
LOCAL_CACHE = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": "keys"}}


def status(client) -> int:
    # No such interview: 404 once the key is accepted, 401 when it is not.
    return client.get(STATUS.format(uuid.uuid4())).status_code


def key_reads(client) -> tuple[int, int]:
    """(status code, statements that read or wrote the key) of one request."""
    with CaptureQueriesContext(connection) as captured:
        code = status(client)
    return code, sum('"accounts_apikey"' in q["sql"] for q in captured.captured_queries)


@pytest.mark.django_db
def test_a_cached_key_is_not_read_from_the_database(ats):
    assert key_reads(ats) == (404, 2)  # read, and its use recorded
    assert key_reads(ats) == (404, 0)
    assert key_reads(ats) == (404, 0)


def _revoke_with_the_service(key, ops):
    api_keys.revoke(ApiKey.objects.filter(pk=key.pk))


def _revoke_by_saving(key, ops):
    key.revoked_at = timezone.now()
    key.save()


def _delete(key, ops):
    key.delete()


def _revoke_in_the_operators_admin(key, ops):
    response = ops.post("/ops/accounts/apikey/", {"action": "revoke", "_selected_action": [str(key.pk)]})
    assert response.status_code == 302


@pytest.mark.django_db
@pytest.mark.parametrize(
    "end", [_revoke_with_the_service, _revoke_by_saving, _delete, _revoke_in_the_operators_admin]
)
def test_an_ended_key_is_refused_on_the_very_next_request(ats_key, ops, end):
    key, raw = ats_key
    client = api_key_client(raw)
    assert key_reads(client) == (404, 2)
    assert key_reads(client) == (404, 0)  # served from the cache
    end(key, ops)
    assert status(client) == 401
    assert status(client) == 401


@pytest.mark.django_db
def test_a_lookup_that_raced_a_revocation_is_never_served_from_the_cache(ats_key, monkeypatch):
    key, raw = ats_key
    racing = api_keys.Lookup(hash_api_key(raw))  # a request reads the generation ...
    live_row = ApiKey.objects.get(pk=key.pk)  # ... and the key, still live
    api_keys.revoke(ApiKey.objects.filter(pk=key.pk))
    monkeypatch.setattr(api_keys, "_from_database", lambda digest: live_row)
    assert racing.key() == live_row  # that request passes, and caches what it read ...
    monkeypatch.undo()
    assert key_reads(api_key_client(raw)) == (401, 1)  # ... under a generation no one reads any more


@pytest.mark.django_db
def test_a_key_created_after_failed_attempts_works_at_once(org):
    raw = ApiKey.generate_raw()
    client = api_key_client(raw)
    assert status(client) == 401
    assert status(client) == 401  # an unknown key is never cached
    ApiKey.create_with_raw(org, "New ATS", raw=raw)
    assert status(client) == 404


@pytest.mark.django_db
def test_a_rotated_key_works_and_the_old_one_is_refused(ats_key):
    key, raw = ats_key
    old = api_key_client(raw)
    assert status(old) == 404
    new_key, new_raw = api_keys.rotate(key)
    assert (new_key.name, new_key.organization_id) == (key.name, key.organization_id)
    assert status(old) == 401
    assert status(api_key_client(new_raw)) == 404
    assert key_reads(api_key_client(new_raw)) == (404, 0)


@pytest.mark.django_db
def test_operators_rotate_a_key_and_see_the_new_one_once(ats_key, ops):
    key, raw = ats_key
    response = ops.post("/ops/accounts/apikey/", {"action": "rotate", "_selected_action": [str(key.pk)]})
    assert response.status_code == 302
    [message] = [str(m) for m in get_messages(response.wsgi_request)]
    new_raw = message.rsplit(" ", 1)[1]
    assert new_raw.startswith("aik_") and "copy it now" in message
    assert status(api_key_client(raw)) == 401
    assert status(api_key_client(new_raw)) == 404


def last_used_writes(client) -> int:
    with CaptureQueriesContext(connection) as captured:
        assert status(client) == 404
    return sum(q["sql"].startswith('UPDATE "accounts_apikey"') for q in captured.captured_queries)


@pytest.mark.django_db
def test_last_used_is_written_at_most_once_a_minute(ats_key, settings):
    settings.CACHES = LOCAL_CACHE  # its clock moves with time_machine
    key, raw = ats_key
    client = api_key_client(raw)
    with time_machine.travel(timezone.now(), tick=False) as clock:
        assert [last_used_writes(client) for _ in range(5)] == [1, 0, 0, 0, 0]
        first = ApiKey.objects.get(pk=key.pk).last_used_at
        assert first is not None
        clock.shift(59)
        assert last_used_writes(client) == 0
        clock.shift(2)
        assert last_used_writes(client) == 1
    assert ApiKey.objects.get(pk=key.pk).last_used_at > first


# --- two processes, one cache ---------------------------------------------------------------------


@contextmanager
def web_server(redis: str, tmp_path):
    """The platform served by daphne in its own process, on the test database and this Redis."""
    port = free_port()
    (tmp_path / "data").mkdir()
    env = stack_env(redis, tmp_path / "data", port)
    server = start_daphne(env, port, tmp_path / "daphne.log")
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        stop(server)


@pytest.mark.integration
@pytest.mark.django_db(transaction=True)
def test_two_processes_sharing_the_cache_refuse_a_revoked_key_at_once(org, tmp_path):
    key, raw = ApiKey.create_with_raw(org, "ATS")
    spare, spare_raw = ApiKey.create_with_raw(org, "Spare ATS")
    with web_server(redis_url(), tmp_path) as base:
        session = requests.Session()

        def remote(raw_key: str) -> int:
            url = base + STATUS.format(uuid.uuid4())
            return session.get(url, headers={"X-API-Key": raw_key}, timeout=10).status_code

        assert remote(raw) == 404  # the server process cached the key ...
        assert key_reads(api_key_client(raw)) == (404, 0)  # ... and this process found it there
        api_keys.revoke(ApiKey.objects.filter(pk=key.pk))
        assert remote(raw) == 401
        assert status(api_key_client(raw)) == 401

        assert remote(spare_raw) == 404
        rotated, rotated_raw = api_keys.rotate(spare)
        assert (remote(spare_raw), remote(rotated_raw)) == (401, 404)
        assert key_reads(api_key_client(rotated_raw)) == (404, 0)

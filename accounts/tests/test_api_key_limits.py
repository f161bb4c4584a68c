"""Wrong API keys are throttled per address; each key's request rate covers every endpoint it can call."""

from __future__ import annotations

import uuid

import pytest
from rest_framework.test import APIClient
from rest_framework.throttling import SimpleRateThrottle

pytestmark = pytest.mark.django_db

STATUS = "/api/v1/a2a/interview/{}/status"


def status_with_key(key, ip="10.20.0.1"):
    return APIClient().get(STATUS.format(uuid.uuid4()), HTTP_X_API_KEY=key, REMOTE_ADDR=ip)


def test_wrong_keys_from_one_address_are_throttled_with_retry_after(api_key, settings):
    assert settings.API_KEY_FAILURE_LIMIT == 20
    statuses = [status_with_key(f"aik_wrong_{n}").status_code for n in range(20)]
    assert statuses == [401] * 20
    refused = status_with_key("aik_wrong_again")
    assert refused.status_code == 429
    assert 590 < int(refused["Retry-After"]) <= 600
    assert refused.json()["error"]["code"] == "throttled"
    assert "wrong API key" in refused.json()["error"]["message"]
    # Guessing stops even for the right key from that address ...
    assert status_with_key(api_key).status_code == 429
    # ... while the ATS elsewhere is not affected.
    assert status_with_key(api_key, ip="10.20.0.2").status_code == 404


def test_revoked_and_empty_keys_count_as_wrong(ats_key):
    from django.utils import timezone

    key, raw = ats_key
    key.revoked_at = timezone.now()
    key.save()
    for n in range(20):
        assert status_with_key(raw if n % 2 else " ").status_code == 401
    assert status_with_key(raw).status_code == 429


def test_the_per_key_rate_covers_reads_and_writes_alike(api_key, recruiter_client, monkeypatch):
    monkeypatch.setitem(SimpleRateThrottle.THROTTLE_RATES, "api_key", "3/min")
    client = APIClient()
    client.credentials(HTTP_X_API_KEY=api_key)
    run = uuid.uuid4()
    assert client.get(STATUS.format(run)).status_code == 404
    assert client.get(f"/api/v1/a2a/interview/{run}/plan").status_code == 404
    assert client.post(f"/api/v1/a2a/interview/{run}/cancel", {}, format="json").status_code == 404
    refused = client.get(f"/api/v1/a2a/interview/{run}/assessment")
    assert refused.status_code == 429
    assert int(refused["Retry-After"]) > 0
    # One bucket per key: creating counts against the same budget.
    assert client.post("/api/v1/a2a/interview", {}, format="json").status_code == 429
    # People's tokens on the same endpoints are not counted against the key.
    assert [recruiter_client.get(STATUS.format(run)).status_code for _ in range(5)] == [404] * 5


@pytest.mark.parametrize("backend", ["configured", "django.core.cache.backends.locmem.LocMemCache"])
def test_the_per_key_window_refuses_until_it_ends(api_key, settings, monkeypatch, backend):
    if backend != "configured":
        settings.CACHES = {"default": {"BACKEND": backend}}
    from django.core.cache import caches

    caches["default"].clear()
    monkeypatch.setitem(SimpleRateThrottle.THROTTLE_RATES, "api_key", "2/min")
    client = APIClient()
    client.credentials(HTTP_X_API_KEY=api_key)
    assert [client.get(STATUS.format(uuid.uuid4())).status_code for _ in range(2)] == [404, 404]
    refused = client.get(STATUS.format(uuid.uuid4()))
    assert refused.status_code == 429
    assert 0 < int(refused["Retry-After"]) <= 60
    assert refused.json()["error"]["code"] == "throttled"
    # Refused requests do not move the window's end.
    again = client.get(STATUS.format(uuid.uuid4()))
    assert again.status_code == 429
    assert int(again["Retry-After"]) <= int(refused["Retry-After"])


def test_the_window_counter_does_not_meet_the_old_list_of_request_times(ats_key):
    from django.core.cache import cache

    key, raw = ats_key
    # What the per-key rate kept before: DRF's list of request times, under DRF's key.
    cache.set(f"throttle_api_key_api-key:{key.pk}", [1.0, 2.0], 60)
    assert status_with_key(raw).status_code == 404
    assert cache.get(f"throttle_api_key_api-key:{key.pk}") == [1.0, 2.0]


def test_a_known_key_is_looked_up_and_counted_in_one_redis_round_trip(api_key, settings, monkeypatch):
    from redis.connection import AbstractConnection

    from tests.services import redis_url

    redis_url()
    if "Redis" not in settings.CACHES["default"]["BACKEND"]:
        pytest.fail("with REDIS_URL set the cache must be Redis")
    monkeypatch.setitem(SimpleRateThrottle.THROTTLE_RATES, "api_key", "3/min")
    client = APIClient()
    client.credentials(HTTP_X_API_KEY=api_key)
    assert client.get(STATUS.format(uuid.uuid4())).status_code == 404  # the key is now cached
    sent = []
    original = AbstractConnection.send_packed_command

    def counting(self, command, check_health=True):
        sent.append(command)
        return original(self, command, check_health)

    monkeypatch.setattr(AbstractConnection, "send_packed_command", counting)
    assert client.get(STATUS.format(uuid.uuid4())).status_code == 404
    assert len(sent) == 1, sent  # the key, the address's wrong guesses and the window: one MULTI
    # ... and the request was counted: the third one of the window is the last it allows.
    assert client.get(STATUS.format(uuid.uuid4())).status_code == 404
    refused = client.get(STATUS.format(uuid.uuid4()))
    assert refused.status_code == 429
    assert 0 < int(refused["Retry-After"]) <= 60


def test_wrong_keys_are_counted_in_their_own_window_not_the_right_keys(api_key, monkeypatch):
    monkeypatch.setitem(SimpleRateThrottle.THROTTLE_RATES, "api_key", "2/min")
    for n in range(5):
        assert status_with_key(f"aik_wrong_{n % 2}", ip="10.20.0.3").status_code == 401
    assert [status_with_key(api_key, ip="10.20.0.3").status_code for _ in range(3)] == [404, 404, 429]

"""The Redis cache backend: Django's, with one Redis client and pool per process."""

from __future__ import annotations

import asyncio
import os
import threading
import uuid

import redis
from asgiref.sync import sync_to_async
from django.core.cache import caches
from django.test import override_settings

from interview_platform.cache import RedisCache
from tests.services import redis_url


def test_one_client_serves_every_operation_and_the_cache_behaves_as_djangos():
    cache = RedisCache(redis_url(), {"KEY_PREFIX": "cache-backend-test"})
    cache.delete_many(["n", "a", "b"])
    client = cache._cache.get_client(write=True)
    assert cache._cache.get_client() is client
    assert cache.add("n", 1, 30) and not cache.add("n", 5, 30)
    assert cache.incr("n") == 2
    cache.set_many({"a": {"x": [1, 2]}, "b": None}, 30)
    assert cache.get_many(["a", "b", "missing"]) == {"a": {"x": [1, 2]}, "b": None}
    assert cache.get("missing", "default") == "default"
    cache.delete("a")
    assert cache.get("a") is None
    assert cache._cache.get_client(write=True) is client


def test_threads_share_a_client_safely():
    cache = RedisCache(redis_url(), {"KEY_PREFIX": "cache-backend-threads"})
    cache.set("hits", 0, 30)

    def hit():
        for _ in range(50):
            cache.incr("hits")

    threads = [threading.Thread(target=hit) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert cache.get("hits") == 200


def _connections_named(name: str) -> int:
    with redis.Redis.from_url(redis_url()) as admin:
        return sum(1 for client in admin.client_list() if client.get("name") == name)


def test_every_context_shares_the_processes_connections():
    """Django keeps a cache object per context: under daphne, one per socket. They share a pool."""
    name = f"cache-test-{uuid.uuid4().hex[:12]}"
    backend = {
        "BACKEND": "interview_platform.cache.RedisCache",
        "LOCATION": redis_url(),
        "KEY_PREFIX": name,
        "OPTIONS": {"client_name": name},
    }
    sockets = 60
    kept = []  # each socket's cache object lives as long as its socket

    def one_call(n: int) -> int:
        cache = caches["shared"]
        kept.append(cache)
        cache.set(f"k{n}", n, 30)
        return cache.get(f"k{n}")

    async def sockets_at_once():
        # Each socket is its own task, so its own context, as daphne runs them.
        call = sync_to_async(one_call, thread_sensitive=False)
        return await asyncio.gather(*(asyncio.create_task(call(n)) for n in range(sockets)))

    with override_settings(CACHES={"default": backend, "shared": backend}):
        assert asyncio.run(sockets_at_once()) == list(range(sockets))
        assert len({id(cache) for cache in kept}) == sockets  # Django made one per context
        assert len({id(cache._cache.get_client()) for cache in kept}) == 1
        # No more connections than calls ran at once (the executor's threads), not one per socket.
        opened = _connections_named(name)
        assert 1 <= opened <= min(32, (os.cpu_count() or 1) + 4)


def test_new_redis_connections_share_one_driver_info_instead_of_reading_package_metadata(monkeypatch):
    """redis-py reads its own version from the installed packages for every new connection
    unless it is given one; the settings give the cache and the channel layer one for all."""
    import redis.utils
    from channels_redis.utils import create_pool

    from interview_platform.queue_settings import REDIS_DRIVER, channel_layer_host

    lookups = []
    monkeypatch.setattr(redis.utils.metadata, "version", lambda name: lookups.append(name) or "0.0.0")
    redis.asyncio.ConnectionPool.from_url(redis_url()).make_connection()
    assert lookups == ["redis"]  # what every connection would cost without it

    from django.conf import settings

    assert settings.CACHES["default"]["OPTIONS"]["driver_info"] is REDIS_DRIVER
    layer_connection = create_pool(channel_layer_host(redis_url())).make_connection()
    assert layer_connection.driver_info is REDIS_DRIVER
    cache = RedisCache(redis_url(), {"KEY_PREFIX": "driver-info", "OPTIONS": {"driver_info": REDIS_DRIVER}})
    cache.set("k", 1, 5)
    assert cache._cache.get_client().connection_pool.connection_kwargs["driver_info"] is REDIS_DRIVER
    assert lookups == ["redis"]

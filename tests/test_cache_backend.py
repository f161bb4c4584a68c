"""The Redis cache backend: Django's, keeping one Redis client per connection pool."""

from __future__ import annotations

import threading

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

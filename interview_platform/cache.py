"""Django's Redis cache, keeping one Redis client per connection pool.

Django's client builds a new ``redis.Redis`` for every cache operation, and
each one sets up its table of ~170 reply parsers: about 45 µs, several times a
request (the API key, the rate limits). A ``redis.Redis`` is safe to share: it
takes a connection from its pool for each command. Each thread has its own
cache object (Django's cache handler), so its own clients and pools.
"""

from __future__ import annotations

from django.core.cache.backends import redis


class _ReusingClient(redis.RedisCacheClient):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._clients = {}

    def get_client(self, key=None, *, write=False):
        pool = self._get_connection_pool(write)
        client = self._clients.get(id(pool))
        if client is None:
            client = self._clients[id(pool)] = self._client(connection_pool=pool)
        return client


class RedisCache(redis.RedisCache):
    def __init__(self, server, params):
        super().__init__(server, params)
        self._class = _ReusingClient

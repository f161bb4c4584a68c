"""Django's Redis cache, with one Redis client and connection pool per process.

Django's client builds a new ``redis.Redis`` for every cache operation, and
each one sets up its table of ~170 reply parsers: about 45 µs, several times a
request (the API key, the rate limits). And Django keeps a cache object per
context, not per thread: under daphne every socket's calls run in that socket's
own context, so each socket got its own cache object, its own pool and its own
Redis connection, opened (TCP, HELLO, CLIENT SETINFO) while it connected and
held until it closed. A ``redis.Redis`` and its pool are thread-safe (the pool
hands each command a connection of its own), so the process shares one per
server and options, whatever the context.
"""

from __future__ import annotations

import threading

from django.core.cache.backends import redis

_shared: dict[tuple, object] = {}
_shared_lock = threading.Lock()


class _SharedClient(redis.RedisCacheClient):
    def get_client(self, key=None, *, write=False):
        index = self._get_connection_pool_index(write)
        server = self._servers[index]
        ident = (server, self._pool_class, self._client, repr(sorted(self._pool_options.items())))
        client = _shared.get(ident)
        if client is None:
            with _shared_lock:
                client = _shared.get(ident)
                if client is None:
                    pool = self._pool_class.from_url(server, **self._pool_options)
                    client = _shared[ident] = self._client(connection_pool=pool)
        return client


class RedisCache(redis.RedisCache):
    def __init__(self, server, params):
        super().__init__(server, params)
        self._class = _SharedClient

"""The job queue's Redis transport: kombu's, with one Redis client per channel.

kombu's Redis channel builds a new ``redis.Redis`` for every synchronous operation
(``Channel._create_client``, through ``conn_or_acquire``): each publish, and with
late acknowledgement each job's bookkeeping (the unacknowledged index written when
a job is taken, cleared when it is acknowledged). A ``redis.Redis`` is cheap to use
but not to build (it copies some 170 reply callbacks): the building was a sixth of
the Celery publish in ``POST /a2a/interview``, 3 % of that request's CPU.

The channel here keeps the client it built, for as long as its connection pool
lives: kombu replaces the pool after a fork or a reconnect, and a client of an old
pool is then built anew. A ``redis.Redis`` may be shared by threads (each command
takes a connection from the pool), as the mail worker's threads share its channel.

Selected by ``CELERY_BROKER_TRANSPORT`` (``interview_platform.queue_settings``) for
``redis://`` and ``rediss://`` brokers; TLS still comes from the URL and
``broker_use_ssl`` as with kombu's own transport.
"""

from __future__ import annotations

from kombu.transport import redis as kombu_redis


class Channel(kombu_redis.Channel):
    _kept_client = None

    def _create_client(self, asynchronous: bool = False):
        if asynchronous:
            return super()._create_client(asynchronous=True)
        client = self._kept_client
        if client is None or client.connection_pool is not self.pool:
            client = self._kept_client = super()._create_client()
        return client


class Transport(kombu_redis.Transport):
    Channel = Channel

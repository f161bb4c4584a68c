"""The job queue's Redis transport keeps one Redis client per channel (``interview_platform.broker``)."""

from __future__ import annotations

import uuid

import pytest
import redis
from kombu import Connection
from kombu.transport import redis as kombu_redis

from interview_platform import broker
from interview_platform.queue_settings import queue_settings

from .services import redis_url


@pytest.mark.parametrize("url", ["redis://127.0.0.1:6379/0", "rediss://:pw@cache.example:6380/1"])
def test_redis_brokers_use_the_transport(url):
    assert queue_settings(url)["CELERY_BROKER_TRANSPORT"] == "interview_platform.broker:Transport"


def test_other_brokers_keep_their_own_transport():
    assert "CELERY_BROKER_TRANSPORT" not in queue_settings("")  # memory://, no Redis


def test_the_celery_app_connects_with_it():
    redis_url()  # skipped without Redis (a failure under CI): the settings then have no broker
    from interview_platform.celery import app

    assert app.conf.broker_url.startswith("redis")
    with app.connection_for_write() as connection:
        assert connection.transport_cls == "interview_platform.broker:Transport"
        assert type(connection.transport) is broker.Transport


def _counting_clients(monkeypatch) -> list:
    built = []
    original = redis.Redis.__init__

    def init(self, *args, **kwargs):
        built.append(1)
        original(self, *args, **kwargs)

    monkeypatch.setattr(redis.Redis, "__init__", init)
    return built


def _round_trips(connection: Connection, count: int) -> list:
    """Publish ``count`` messages to a queue of their own, take and acknowledge each one."""
    queue = connection.SimpleQueue(f"broker-test-{uuid.uuid4().hex}")
    try:
        for n in range(count):
            queue.put({"n": n})
        taken = []
        for _ in range(count):
            message = queue.get(timeout=5)
            taken.append(message.payload["n"])
            message.ack()
        return taken
    finally:
        queue.queue.delete()
        queue.close()


@pytest.mark.parametrize(
    ("transport", "most"),
    # kombu's own builds a client for every publish, take and acknowledgement: the
    # figure shows the test can tell the two apart.
    [(kombu_redis.Transport, None), (broker.Transport, 1)],
)
def test_publishing_and_acknowledging_reuse_one_client(monkeypatch, transport, most):
    with Connection(redis_url(), transport=transport) as connection:
        _round_trips(connection, 1)  # the channel, its pool and its first client
        built = _counting_clients(monkeypatch)
        assert _round_trips(connection, 20) == list(range(20))
    if most is None:
        assert len(built) >= 40
    else:
        assert len(built) <= most


def test_a_new_pool_gets_a_new_client():
    """kombu drops the pool after a fork (and on reconnecting): the old pool's client goes with it."""
    with Connection(redis_url(), transport=broker.Transport) as connection:
        channel = connection.default_channel
        first = channel._create_client()
        assert channel._create_client() is first
        channel._disconnect_pools()
        second = channel._create_client()
        assert second is not first
        assert second.connection_pool is channel.pool
        assert _round_trips(connection, 3) == [0, 1, 2]


def test_asynchronous_clients_are_kombus_own():
    with Connection(redis_url(), transport=broker.Transport) as connection:
        channel = connection.default_channel
        assert channel._create_client(asynchronous=True) is not channel._create_client(asynchronous=True)
        assert channel._create_client(asynchronous=True).connection_pool is channel.async_pool

"""Frames pushed from worker code reach the socket's group over one Redis connection."""

from __future__ import annotations

import asyncio
import threading

import pytest
from asgiref.sync import async_to_sync
from channels.layers import channel_layers, get_channel_layer

from interviews import push
from tests.services import redis_url


@pytest.fixture
def redis_layer(settings):
    url = redis_url()
    settings.EMBEDDED = False
    settings.CHANNEL_LAYERS = {
        "default": {"BACKEND": "channels_redis.core.RedisChannelLayer", "CONFIG": {"hosts": [url]}}
    }
    channel_layers.backends.clear()
    yield get_channel_layer()
    channel_layers.backends.clear()


def _connections_received(url: str) -> int:
    import redis

    return int(redis.Redis.from_url(url).info("stats")["total_connections_received"])


def test_pushes_share_one_connection_and_arrive_in_order(redis_layer):
    url = redis_url()
    interview_id = "5b0c1f3e-push-test"
    channel = async_to_sync(redis_layer.new_channel)()
    async_to_sync(redis_layer.group_add)(push.group_name(interview_id), channel)
    push.push(interview_id, {"type": "frame", "n": -1})  # the first push opens the connection

    before = _connections_received(url)
    # Pushes come from job threads: each job pushes once and ends.
    for i in range(20):
        thread = threading.Thread(target=push.push, args=(interview_id, {"type": "frame", "n": i}))
        thread.start()
        thread.join()
    opened = _connections_received(url) - before

    async def receive_all():
        return [await redis_layer.receive(channel) for _ in range(21)]

    received = async_to_sync(receive_all)()
    assert sorted(m["n"] for m in received) == list(range(-1, 20))
    # A connection per push would be 20; the long-lived loop's pool may add one.
    assert opened <= 1, f"{opened} new Redis connections for 20 pushes"


def test_a_burst_of_sockets_joining_their_groups_at_once_is_not_refused(settings):
    """300 candidates connecting in the same moment each add their socket to a group."""
    from interview_platform.queue_settings import channel_layer_host

    url = redis_url()
    settings.CHANNEL_LAYERS = {
        "default": {
            "BACKEND": "channels_redis.core.RedisChannelLayer",
            "CONFIG": {"hosts": [channel_layer_host(url)]},
        }
    }
    channel_layers.backends.clear()
    layer = get_channel_layer()

    async def burst():
        names = [await layer.new_channel() for _ in range(300)]
        await asyncio.gather(*(layer.group_add(f"burst-{i}", name) for i, name in enumerate(names)))
        await asyncio.gather(*(layer.group_discard(f"burst-{i}", name) for i, name in enumerate(names)))
        return len(names)

    try:
        assert async_to_sync(burst)() == 300
    finally:
        channel_layers.backends.clear()

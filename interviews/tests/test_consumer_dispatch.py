"""The socket's consumer handles each message on the event loop, without a trip to the sync thread.

Channels' own dispatch closes stale database connections on the sync thread
that every socket shares before each message; this consumer's database work
runs on pool threads that do that themselves (``in_thread``), so the trip is
left out. The live socket's behaviour is tested against a real daphne server
in ``test_socket*``.
"""

from __future__ import annotations

import asyncio

import pytest
from channels import consumer as channels_consumer
from channels.db import DatabaseSyncToAsync

from interviews import consumers
from interviews.consumers import InterviewConsumer


def _no_sync_thread_trip():
    raise AssertionError("the consumer went to the sync thread to close connections")


def test_a_message_goes_to_its_handler_without_the_sync_thread(monkeypatch):
    monkeypatch.setattr(channels_consumer, "aclose_old_connections", _no_sync_thread_trip)
    socket = InterviewConsumer()
    sent: list[str] = []

    async def send(message):
        sent.append(message["text"])

    socket.base_send = send
    asyncio.run(socket.dispatch({"type": "interview.frame", "frame": {"type": "pong"}}))
    assert sent == ['{"type": "pong"}']


def test_a_message_without_a_handler_is_refused_as_channels_does():
    with pytest.raises(ValueError, match="No handler for message type interview.nothing"):
        asyncio.run(InterviewConsumer().dispatch({"type": "interview.nothing"}))


def test_the_database_work_still_closes_stale_connections_on_its_own_thread():
    # in_thread is Channels' DatabaseSyncToAsync: close_old_connections before and after the call.
    assert isinstance(consumers.in_thread(lambda: None), DatabaseSyncToAsync)

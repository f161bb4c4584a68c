"""Pushing frames to a live interview socket through the channel layer.

With Redis the layer works from any process. Its connections belong to the
event loop that opened them, so pushes from worker threads all go through one
long-lived loop per process (one Redis connection, not one per frame).

In the embedded mode the layer is in memory and its queues belong to the web
server's event loop, so a job thread hands the send to that loop instead.
"""

from __future__ import annotations

import asyncio
import logging
import os
import threading

from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer
from django.conf import settings

logger = logging.getLogger(__name__)

PUSH_TIMEOUT_SECONDS = 10

_server_loop: asyncio.AbstractEventLoop | None = None
_push_loop: tuple[int, asyncio.AbstractEventLoop] | None = None
_push_loop_lock = threading.Lock()


def group_name(interview_id) -> str:
    return f"interview.{interview_id}"


def register_server_loop(loop: asyncio.AbstractEventLoop) -> None:
    global _server_loop
    _server_loop = loop


def _running_loop() -> asyncio.AbstractEventLoop | None:
    try:
        return asyncio.get_running_loop()
    except RuntimeError:
        return None


def _process_push_loop() -> asyncio.AbstractEventLoop:
    """This process's push loop, started on first use (and again after a fork)."""
    global _push_loop
    with _push_loop_lock:
        if _push_loop is None or _push_loop[0] != os.getpid():
            loop = asyncio.new_event_loop()
            threading.Thread(target=loop.run_forever, name="channel-push", daemon=True).start()
            _push_loop = (os.getpid(), loop)
        return _push_loop[1]


def _send_on(loop: asyncio.AbstractEventLoop, layer, group: str, message: dict) -> None:
    future = asyncio.run_coroutine_threadsafe(layer.group_send(group, message), loop)
    future.result(timeout=PUSH_TIMEOUT_SECONDS)


def push(interview_id, message: dict) -> None:
    layer = get_channel_layer()
    if layer is None:
        return
    group = group_name(interview_id)
    if settings.EMBEDDED:
        if _server_loop is not None and _server_loop.is_running() and _running_loop() is not _server_loop:
            _send_on(_server_loop, layer, group, message)
            return
        async_to_sync(layer.group_send)(group, message)
        return
    _send_on(_process_push_loop(), layer, group, message)

"""Pushing frames to a live interview socket through the channel layer.

With Redis the layer works from any process. In the embedded mode the layer
is in memory and its queues belong to the web server's event loop, so a job
thread must hand the send to that loop instead of calling it directly.
"""

from __future__ import annotations

import asyncio
import logging

from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer
from django.conf import settings

logger = logging.getLogger(__name__)

_server_loop: asyncio.AbstractEventLoop | None = None


def group_name(interview_id) -> str:
    return f"interview.{interview_id}"


def register_server_loop(loop: asyncio.AbstractEventLoop) -> None:
    global _server_loop
    _server_loop = loop


def push(interview_id, message: dict) -> None:
    layer = get_channel_layer()
    if layer is None:
        return
    group = group_name(interview_id)
    if settings.EMBEDDED and _server_loop is not None and _server_loop.is_running():
        try:
            running = asyncio.get_running_loop()
        except RuntimeError:
            running = None
        if running is not _server_loop:
            future = asyncio.run_coroutine_threadsafe(layer.group_send(group, message), _server_loop)
            future.result(timeout=10)
            return
    async_to_sync(layer.group_send)(group, message)

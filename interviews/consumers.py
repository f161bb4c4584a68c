"""The live interview socket: /ws/interview/{token}/.

The consumer stores what the candidate sends before anything else. The next
move comes back with the answer when the engine decides it in line (sent right
after the ``ack``), or from the ``interview_step`` job through the interview's
channel-layer group once its transaction has committed. One live socket per
interview: a new connection takes over and the old one is closed.
"""

from __future__ import annotations

import asyncio
import json
import logging

from channels.consumer import get_handler_name
from channels.db import database_sync_to_async
from channels.generic.websocket import AsyncWebsocketConsumer

from interview_platform import parsers
from interview_platform.api import DomainError

from . import conversation, live
from .push import group_name, register_server_loop

logger = logging.getLogger(__name__)

MAX_FRAME_BYTES = 64 * 1024


def in_thread(fn):
    """``fn`` run on the thread pool, each thread with its own database connection.

    Not Channels' default (thread_sensitive: every socket's database work on one
    shared thread, one at a time): these calls are self-contained, each in its
    own transaction, so sockets wait for the database side by side.
    """
    return database_sync_to_async(fn, thread_sensitive=False)


class InterviewConsumer(AsyncWebsocketConsumer):
    interview_id: str | None = None

    async def dispatch(self, message):
        """Channels' dispatch, without its hop to the sync thread before every message.

        Channels closes stale database connections there, on the one thread all
        sockets' sync code shares, before each frame and channel-layer message.
        This consumer touches the database only through ``in_thread``, which
        does the same on the thread that runs the work, before and after it.
        """
        handler = getattr(self, get_handler_name(message), None)
        if handler is None:
            raise ValueError(f"No handler for message type {message['type']}")
        await handler(message)

    async def connect(self):
        register_server_loop(asyncio.get_running_loop())
        token = self.scope["url_route"]["kwargs"]["token"]
        session = self.scope.get("session") or {}
        await self.accept()
        # Admitted and taken live in one transaction, on one trip to the thread pool.
        try:
            status = await in_thread(live.join)(token, session, self.channel_name)
        except DomainError as exc:
            await self._refuse(exc.code, exc.message)
            return
        if status["problem"]:
            await self._refuse(*status["problem"])
            return
        self.interview_id = status["interviewId"]
        await self.channel_layer.group_add(group_name(self.interview_id), self.channel_name)
        if status["takeover"]:
            await self.channel_layer.send(status["takeover"], {"type": "interview.takeover"})
        if status["step"]:
            # In the group now: the question the job pushes reaches this socket.
            await in_thread(live.ask_next)(self.interview_id)
        for frame in status["frames"]:
            await self._send(frame)

    async def _refuse(self, code: str, message: str) -> None:
        await self._send({"type": "error", "code": code, "message": message})
        await self.close(code=4403)

    async def disconnect(self, close_code):
        if self.interview_id:
            await self.channel_layer.group_discard(group_name(self.interview_id), self.channel_name)
            await in_thread(live.disconnect)(self.interview_id, self.channel_name)

    async def receive(self, text_data=None, bytes_data=None):
        if self.interview_id is None:
            return
        if text_data is None or len(text_data) > MAX_FRAME_BYTES:
            await self._error("bad_frame", "Frames must be JSON text of at most 64 KB.")
            return
        try:
            frame = parsers.load(text_data)
        except parsers.InputProblem as problem:
            code = "bad_frame" if problem.code == "invalid_json" else problem.code
            message = "The frame is not valid JSON." if problem.code == "invalid_json" else problem.message
            await self._error(code, message, {problem.field: problem.message} if problem.field else None)
            return
        if not isinstance(frame, dict) or not isinstance(frame.get("type"), str):
            await self._error("bad_frame", "A frame is a JSON object with a 'type'.")
            return
        try:
            await self._handle(frame)
        except DomainError as exc:
            await self._error(exc.code, exc.message, exc.fields)
        except Exception:
            # Whatever went wrong with one frame, the candidate keeps the socket
            # (and every answer stored so far) and is told to try again.
            logger.exception("socket frame of interview %s failed", self.interview_id)
            await self._error("server_error", "Something went wrong on our side. Please send it again.")

    async def _handle(self, frame: dict) -> None:
        kind = frame["type"]
        if kind == "ping":
            await self._send({"type": "pong"})
        elif kind == "answer":
            question_id, text = frame.get("questionId"), frame.get("text")
            recording_id = frame.get("recordingId")
            if not isinstance(question_id, str) or not isinstance(text, str):
                await self._error("bad_frame", "An answer needs 'questionId' and 'text' strings.")
                return
            if recording_id is not None and not isinstance(recording_id, str):
                await self._error("bad_frame", "'recordingId' is the string the upload answered.")
                return
            frames = await in_thread(live.store_answer)(
                self.interview_id, question_id, text, recording_id, reply_to=self.channel_name
            )
            await self._send({"type": "ack", "questionId": question_id})
            for reply in frames:  # the next move, when it was decided with the answer
                await self._send(reply)
        elif kind in ("repeat", "rephrase"):
            question_id = frame.get("questionId")
            if not isinstance(question_id, str):
                await self._error("bad_frame", f"A {kind} frame needs a 'questionId' string.")
                return
            ask_again = conversation.repeat if kind == "repeat" else conversation.rephrase
            await self._send(await in_thread(ask_again)(self.interview_id, question_id))
        elif kind == "integrity":
            event = frame.get("event")
            detail = frame.get("detail") if isinstance(frame.get("detail"), dict) else None
            if not isinstance(event, str):
                await self._error("bad_frame", "An integrity frame needs an 'event' string.")
                return
            await in_thread(live.store_integrity_event)(self.interview_id, event, frame.get("at"), detail)
        else:
            await self._error("bad_frame", f"Unknown frame type {kind!r}.")

    async def _error(self, code: str, message: str, fields: dict | None = None) -> None:
        frame = {"type": "error", "code": code, "message": message}
        if fields:
            frame["fields"] = fields
        await self._send(frame)

    async def _send(self, frame: dict) -> None:
        await self.send(text_data=json.dumps(frame))

    # --- channel-layer messages ---------------------------------------------------
    async def interview_frame(self, message):
        await self._send(message["frame"])

    async def interview_takeover(self, message):
        # Leave the group first so the new window alone receives the next questions.
        if self.interview_id:
            await self.channel_layer.group_discard(group_name(self.interview_id), self.channel_name)
        self.interview_id = None
        await self._refuse("taken_over", "The interview was opened in another window; this one is closed.")

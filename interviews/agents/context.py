"""Which interview an engine call is for, without putting it in the engine interface.

Services wrap engine calls in ``for_interview(interview_id)``; whatever records
agent steps reads ``current_interview_id()``. Engines themselves never see
the interview (and so never the candidate's name or email).
"""

from __future__ import annotations

import contextvars
from contextlib import contextmanager

_interview_id: contextvars.ContextVar[str | None] = contextvars.ContextVar("agent_interview_id", default=None)


@contextmanager
def for_interview(interview_id):
    token = _interview_id.set(str(interview_id) if interview_id else None)
    try:
        yield
    finally:
        _interview_id.reset(token)


def current_interview_id() -> str | None:
    return _interview_id.get()

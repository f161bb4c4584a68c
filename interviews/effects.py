"""What an interview change sets off outside the database, sent once the transaction commits.

A frame for the candidate's socket, a message that the interview failed or was
cancelled, a background job: each is queued here with ``transaction.on_commit``,
so a change that rolls back tells nobody anything and starts nothing. A frame
answering what the candidate's socket just sent is handed back to that socket
(``replies``) rather than pushed through the channel layer.
"""

from __future__ import annotations

from contextlib import contextmanager
from contextvars import ContextVar

from django.db import transaction

from interview_platform import jobs

from .push import push

FAILED_MESSAGE = (
    "We could not continue the interview because of a technical problem. "
    "Your answers are saved and the recruiting team will contact you."
)
CANCELLED_MESSAGE = "This interview has been cancelled by the company."


# Set by ``replies``: (interview id, list) while the candidate's own socket waits
# for the outcome of what it sent, and will send that interview's frames itself.
_replies: ContextVar[tuple[str, list[dict]] | None] = ContextVar("socket_replies", default=None)


@contextmanager
def replies(interview_id, direct: bool = True):
    """Within, frames for ``interview_id`` go to the yielded list after commit, not to the channel layer.

    For the socket that sent an answer, when it is the interview's live socket:
    it sends the next question itself, without a trip through the channel layer
    (Redis) and back. With ``direct`` False frames are pushed as usual.
    """
    frames: list[dict] = []
    token = _replies.set((str(interview_id), frames) if direct else None)
    try:
        yield frames
    finally:
        _replies.reset(token)


def push_frame(interview_id, frame: dict) -> None:
    """Send ``frame`` to the candidate's socket (if one is open) after commit."""
    interview_id = str(interview_id)
    waiting = _replies.get()
    if waiting is not None and waiting[0] == interview_id:
        transaction.on_commit(lambda: waiting[1].append(frame))
        return
    transaction.on_commit(lambda: push(interview_id, {"type": "interview.frame", "frame": frame}))


def tell_candidate(interview_id, code: str, message: str) -> None:
    """An error frame for a candidate who may be on the socket, sent after commit."""
    push_frame(interview_id, {"type": "error", "code": code, "message": message})


def tell_failure(interview_id) -> None:
    tell_candidate(interview_id, "interview_failed", FAILED_MESSAGE)


def tell_cancelled(interview_id) -> None:
    tell_candidate(interview_id, "cancelled", CANCELLED_MESSAGE)


def enqueue(task: str, *args) -> None:
    """Run the task named ``task`` ("app.tasks.name") in the background after commit."""
    jobs.enqueue_on_commit(task, *args)

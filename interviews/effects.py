"""What an interview change sets off outside the database, sent once the transaction commits.

A frame for the candidate's socket, a message that the interview failed or was
cancelled, a background job: each is queued here with ``transaction.on_commit``,
so a change that rolls back tells nobody anything and starts nothing.
"""

from __future__ import annotations

from django.db import transaction

from interview_platform import jobs

from .push import push

FAILED_MESSAGE = (
    "We could not continue the interview because of a technical problem. "
    "Your answers are saved and the recruiting team will contact you."
)
CANCELLED_MESSAGE = "This interview has been cancelled by the company."


def push_frame(interview_id, frame: dict) -> None:
    """Send ``frame`` to the candidate's socket (if one is open) after commit."""
    interview_id = str(interview_id)
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

"""Thin Celery tasks: load by id, call the service, decide about retrying.

Every task is idempotent: the services check the interview's state first, so
a task delivered twice (acks_late after a lost worker) changes nothing the
second time.
"""

from __future__ import annotations

import contextlib
import logging

from celery import shared_task

from interview_platform import jobs
from interview_platform.api import WrongState

from . import (
    assessing,
    effects,
    events,
    live,
    mailing,
    plan_queue,
    planning,
    recordings,
    retention,
    sweeps,
    workflow,
)
from .models import Interview, State

logger = logging.getLogger(__name__)


def _retry_or_fail(task, interview_id: str, exc: Exception, step: str, public_reason: str) -> None:
    if task.request.retries < task.max_retries:
        raise jobs.retry(task, exc, countdown=10 * 2**task.request.retries) from exc
    logger.exception("%s failed for interview %s", step, interview_id)
    with contextlib.suppress(WrongState, Interview.DoesNotExist):
        workflow.transition(
            Interview.objects.get(pk=interview_id),
            State.FAILED,
            actor=workflow.SYSTEM,
            reason=f"{step} failed: {exc.__class__.__name__}: {exc}"[:500],
            event_data=events.failed(public_reason),
        )


@shared_task(bind=True, acks_late=True, max_retries=3)
def validate_and_plan(self, interview_id: str) -> None:
    try:
        planning.validate_and_plan(interview_id)
    except Interview.DoesNotExist:
        logger.warning("validate_and_plan: interview %s no longer exists", interview_id)
    except WrongState:
        # Someone else moved the interview on (cancelled, or a duplicate run
        # finished first); the second run changes nothing.
        pass
    except Exception as exc:
        _retry_or_fail(self, interview_id, exc, "planning", "The interview plan could not be generated.")


@shared_task(acks_late=True)
def plan_waiting() -> int:
    # Sent by the first request of a burst (plan_queue.wake); plans every interview waiting.
    return plan_queue.plan_waiting()


@shared_task(acks_late=True)
def resume_stalled() -> int:
    return sweeps.resume_stalled()


@shared_task(bind=True, acks_late=True, max_retries=3)
def interview_step(self, interview_id: str) -> None:
    try:
        live.step(interview_id)
    except WrongState:
        pass
    except Exception as exc:
        _retry_or_fail(self, interview_id, exc, "interviewing", "The interview could not continue.")
        # A candidate is never left waiting on a dead engine: tell the socket.
        effects.tell_failure(interview_id)


@shared_task(bind=True, acks_late=True, max_retries=3)
def assess(self, interview_id: str) -> None:
    try:
        assessing.assess(interview_id)
    except WrongState:
        pass
    except Exception as exc:
        _retry_or_fail(self, interview_id, exc, "assessment", "The interview could not be assessed.")


@shared_task(acks_late=True)
def expire_links() -> int:
    """Housekeeping on a schedule: unused links expire, abandoned interviews are closed."""
    return sweeps.expire_links() + live.close_abandoned()


@shared_task(acks_late=True)
def transcribe_recording(recording_id: str) -> None:
    # The service records a failure on the recording and tells the candidate;
    # the provider SDK has already retried what was worth retrying.
    recordings.transcribe(recording_id)


@shared_task(acks_late=True)
def purge_recordings() -> int:
    return recordings.purge_expired()


@shared_task(bind=True, acks_late=True, max_retries=mailing.MAX_RETRIES)
def send_candidate_message(self, message_id: str) -> None:
    # The service records every outcome on the message; a temporary failure comes back as a delay.
    countdown = mailing.deliver(message_id, retries=self.request.retries)
    if countdown is not None:
        raise jobs.retry(self, RuntimeError("mail server unavailable"), countdown=countdown)


@shared_task(acks_late=True)
def remind_candidates() -> int:
    """Reminders now due, and any email whose job was lost on the way."""
    return mailing.send_reminders() + mailing.requeue_lost()


@shared_task(acks_late=True)
def purge_expired_data() -> dict[str, int]:
    """Everything past its retention window except recordings, which purge_recordings handles."""
    return retention.purge([kind.name for kind in retention.KINDS if kind.name != "recordings"])

"""Interviews waiting to be planned: kept in the database, taken by planners that one wake-up starts.

A request that leaves an interview in VALIDATING_SKILLS (created, completed,
a plan rejected with feedback) does not send a job of its own: it sets a flag
in the cache (one round trip) and only the request that finds the flag unset
sends the job that plans (``plan_waiting``). A burst of a thousand requests
sends a handful of jobs, where a job each cost the request more than its two
inserts, and a plan waits no longer for it.

The job clears the flag, then takes waiting interviews one at a time, oldest
first (``planning_claimed_at``, taken with ``SKIP LOCKED``), and plans them.
When it takes one and another is waiting, it wakes a second planner, which does
the same, so a backlog is planned by as many workers as are free. After
``TURN_SECONDS`` a planner that still sees work wakes a successor and leaves,
so the live interviews' jobs queued meanwhile are not kept waiting behind a
backlog of plans.

Nothing waits unseen: a request sets the flag only after its commit, and the
job clears the flag before it looks, so an interview committed after a job's
last look set the flag anew and sent the next job. A claim lapses when the
interview changes again (its ``updated_at`` is newer) or after the stalled-work
cutoff (``sweeps.stall_cutoff``). The stalled-work sweep resumes planning a
planner took and never finished (with the per-interview job, an attempt
counted), and starts a planner for interviews that have waited longer than the
cutoff without being taken (no attempt counted: a backlog is not a failure).
A planning attempt that fails goes on as the per-interview
job ``validate_and_plan``, which retries with the same delays and limit as ever.

Without a broker (``make run``, eager tests) there is no job to spare and the
per-interview job is sent directly.
"""

from __future__ import annotations

import logging
import time

from django.core.cache import cache
from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone

from interview_platform import jobs
from interview_platform.api import WrongState

from . import effects, planning, sweeps
from .models import Interview, State

logger = logging.getLogger(__name__)

WAKE_KEY = "planning:wake"
# A wake-up whose job was lost (a broker restart) is sent again by a request after this.
WAKE_SECONDS = 30
TURN_SECONDS = 2.0
PLAN_JOB = "interviews.tasks.validate_and_plan"
FIRST_RETRY_SECONDS = 10  # as the per-interview job's own first retry


def request(interview_id) -> None:
    """Have the interview (now in VALIDATING_SKILLS) planned, once the transaction commits."""
    if jobs.coalescing():
        transaction.on_commit(wake)
    else:
        effects.enqueue(PLAN_JOB, str(interview_id))


def wake() -> None:
    """Start a planner, unless one was started and has not yet looked for work."""
    if not cache.add(WAKE_KEY, 1, WAKE_SECONDS):
        return
    try:
        jobs.enqueue("interviews.tasks.plan_waiting")
    except Exception:
        cache.delete(WAKE_KEY)  # no job is coming: the next request tries again
        raise


def plan_waiting() -> int:
    """The planner's job: plan waiting interviews for a turn; returns how many it took."""
    cache.delete(WAKE_KEY)
    ends = time.monotonic() + TURN_SECONDS
    taken = 0
    while True:
        interview_id, more = _claim()
        if interview_id is None:
            return taken
        taken += 1
        if more:
            wake()
        _plan(interview_id)
        if time.monotonic() > ends:
            if _claimable().exists():
                wake()
            return taken


def _claimable():
    return Interview.objects.filter(state=State.VALIDATING_SKILLS).filter(
        Q(planning_claimed_at__isnull=True)
        | Q(planning_claimed_at__lt=F("updated_at"))
        | Q(planning_claimed_at__lt=sweeps.stall_cutoff())
    )


@transaction.atomic
def _claim():
    """(the oldest waiting interview's id, now this planner's, or None; whether another waits)."""
    found = list(
        _claimable()
        .order_by("updated_at")
        .select_for_update(skip_locked=True)
        .values_list("id", flat=True)[:2]
    )
    if not found:
        return None, False
    # Not through save(): updated_at stays the time of the interview's last change.
    Interview.objects.filter(pk=found[0]).update(planning_claimed_at=timezone.now())
    return found[0], len(found) > 1


def _plan(interview_id) -> None:
    try:
        planning.validate_and_plan(interview_id)
    except (Interview.DoesNotExist, WrongState):
        pass  # erased, cancelled or planned meanwhile: nothing to do
    except Exception as exc:
        logger.warning(
            "planning interview %s failed (%s: %s); retrying in %d s",
            interview_id,
            type(exc).__name__,
            exc,
            FIRST_RETRY_SECONDS,
        )
        # The claim stays, so no other planner takes it while its retry waits.
        jobs.enqueue(PLAN_JOB, str(interview_id), countdown=FIRST_RETRY_SECONDS, retries=1)

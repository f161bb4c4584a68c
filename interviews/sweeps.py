"""Periodic housekeeping: resume work a lost worker dropped, expire unused links."""

from __future__ import annotations

import contextlib
from datetime import timedelta

from django.conf import settings
from django.db.models import Exists, F, Max, OuterRef, Q
from django.utils import timezone

from interview_platform import jobs
from interview_platform.api import WrongState

from . import effects, events, workflow
from .models import Interview, State, Turn

STALLED_AFTER = timedelta(minutes=2)
MAX_STEP_ATTEMPTS = 5


def stall_cutoff():
    """Work older than this with nothing to show for it was dropped (lost worker, restart)."""
    seconds = STALLED_AFTER.total_seconds()
    if settings.AGENT_ENGINE == "llm":
        # A model step may take (retries + 1) x timeout, twice when its reply is repaired;
        # resuming earlier would pay for the same call twice.
        seconds = max(seconds, 2 * (settings.LLM_MAX_RETRIES + 1) * settings.LLM_TIMEOUT_SECONDS + 60)
    return timezone.now() - timedelta(seconds=seconds)


def resume_stalled() -> int:
    """Re-enqueue the background step a lost worker or a restarted process dropped.

    Planning that never finished, a live interview whose next question never
    came, a finished interview that was never assessed. After MAX_STEP_ATTEMPTS
    the interview fails, and the ATS (and a waiting candidate) are told.
    """
    cutoff = stall_cutoff()
    live = Interview.objects.filter(state=State.IN_PROGRESS, updated_at__lt=cutoff)
    work = [
        (_stalled_planning(cutoff), "interviews.tasks.validate_and_plan", "planning"),
        (
            live.filter(candidate_session__completed_at__lt=cutoff, assessments__isnull=True),
            "interviews.tasks.assess",
            "assessment",
        ),
        (
            live.filter(
                candidate_session__completed_at__isnull=True, candidate_session__started_at__lt=cutoff
            )
            .exclude(Exists(Turn.objects.filter(interview=OuterRef("pk"), answered_at__isnull=True)))
            .annotate(last_answer=Max("turns__answered_at"))
            .filter(Q(last_answer__lt=cutoff) | Q(last_answer__isnull=True)),
            "interviews.tasks.interview_step",
            "the next interview question",
        ),
    ]
    resumed = 0
    for queryset, task, what in work:
        for interview in queryset.distinct()[:200]:
            resumed += _resume(interview, task, what)
    return resumed


def _stalled_planning(cutoff):
    """The interviews whose planning stalled.

    With a broker, interviews wait for the planners (plan_queue): only planning a planner took and
    never finished counts as stalled. Those still waiting (a backlog, or a wake-up lost with a
    broker restart) get a planner job instead, and no attempt is counted against them.
    """
    waiting = Interview.objects.filter(state=State.VALIDATING_SKILLS, updated_at__lt=cutoff)
    if not jobs.coalescing():
        return waiting
    taken = Q(planning_claimed_at__gte=F("updated_at"))
    if waiting.exclude(taken).exists():
        # The job itself, not plan_queue.wake(): plan_queue reads this module's cutoff, and a
        # planner job more than the flag allows, once a sweep, costs one look.
        jobs.enqueue("interviews.tasks.plan_waiting")
    return waiting.filter(taken, planning_claimed_at__lt=cutoff)


def _resume(interview: Interview, task: str, what: str) -> int:
    if interview.step_attempts >= MAX_STEP_ATTEMPTS:
        with contextlib.suppress(WrongState):
            workflow.transition(
                interview,
                State.FAILED,
                actor=workflow.SYSTEM,
                reason=f"{what} did not finish after {MAX_STEP_ATTEMPTS} attempts",
                event_data=events.failed(f"{what} did not finish"),
            )
            effects.tell_failure(interview.id)
        return 0
    # Conditional: when two sweepers race, one of them resumes. Planning resumed by its own job
    # stays claimed (a claim as new as the change), so no planner takes it meanwhile.
    now = timezone.now()
    changes = {"planning_claimed_at": now} if interview.state == State.VALIDATING_SKILLS else {}
    claimed = Interview.objects.filter(
        pk=interview.pk, state=interview.state, updated_at=interview.updated_at
    ).update(step_attempts=F("step_attempts") + 1, updated_at=now, **changes)
    if claimed:
        # The sweeper runs in autocommit: the claim is saved, so the job can go at once.
        jobs.enqueue(task, str(interview.id))
    return claimed


def expire_links() -> int:
    """Approved interviews whose link was never used expire on schedule."""
    expired = 0
    due = Interview.objects.filter(state=State.APPROVED, join_expires_at__lt=timezone.now())
    for interview in due[:500]:
        try:
            workflow.transition(
                interview,
                State.EXPIRED,
                actor=workflow.SYSTEM,
                reason="the candidate link was not used before it expired",
                event_data=events.expired(),
            )
            expired += 1
        except WrongState:
            pass  # the candidate joined meanwhile
    return expired

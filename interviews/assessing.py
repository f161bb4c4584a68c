"""Assessing a finished interview: the engine scores the transcript, the recruiters decide."""

from __future__ import annotations

from django.db import transaction

from interview_platform import prepared

from . import events, workflow
from .adapters import engine_integrity_events, engine_plan, engine_turns
from .agents import get_engine
from .agents.base import to_dict
from .agents.context import for_interview
from .agents.recording import collecting_steps
from .models import AgentStep, Assessment, Interview, Plan, State


def assess(interview_id) -> None:
    """Score the transcript and hand it to the recruiters; idempotent.

    The engine is asked outside any transaction (a model may take seconds);
    its step record, the assessment and the move are written together, in
    one transaction under the interview's lock.
    """
    interview = Interview.objects.select_related("current_plan").get(pk=interview_id)
    if interview.state != State.IN_PROGRESS or interview.assessments.exists():
        return
    plan, _ = engine_plan(interview)
    integrity = engine_integrity_events(interview)
    engine = get_engine()
    with collecting_steps() as steps, for_interview(interview.id):
        try:
            result = engine.assess(plan, engine_turns(interview), integrity)
        except Exception:
            AgentStep.objects.bulk_create(steps)  # the failure is on record; the job decides about retrying
            raise
    with transaction.atomic(), prepared.held():
        locked = Interview.objects.select_for_update().get(pk=interview_id)
        done = locked.state != State.IN_PROGRESS or locked.assessments.exists()
        prepared.insert(steps)  # the call is on record either way
        if done:
            return
        # The plan read with the interview is the one assessed against, unless a newer one came since.
        assessed_plan = interview.current_plan
        if assessed_plan is None or assessed_plan.pk != locked.current_plan_id:
            assessed_plan = Plan.objects.get(pk=locked.current_plan_id)
        assessment = Assessment(
            interview=locked,
            plan=assessed_plan,
            engine=engine.name,
            result=to_dict(result),
            overall=result.overall,
            recommendation=result.recommendation,
        )
        prepared.insert([assessment])
        workflow.transition(
            locked,
            State.ASSESSMENT_PENDING,
            actor=workflow.SYSTEM,
            reason=f"assessed by the {engine.name} engine: {result.overall}/100 {result.recommendation}",
            event_data=events.assessment_generated(assessment),
            already_locked=True,
        )

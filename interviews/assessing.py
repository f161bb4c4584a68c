"""Assessing a finished interview: the engine scores the transcript, the recruiters decide."""

from __future__ import annotations

from django.db import transaction

from . import events, workflow
from .adapters import engine_integrity_events, engine_plan, engine_turns
from .agents import get_engine
from .agents.base import to_dict
from .agents.context import for_interview
from .models import Assessment, Interview, Plan, State


def assess(interview_id) -> None:
    """Score the transcript and hand it to the recruiters; idempotent."""
    interview = Interview.objects.select_related("current_plan").get(pk=interview_id)
    if interview.state != State.IN_PROGRESS or interview.assessments.exists():
        return
    plan, _ = engine_plan(interview)
    integrity = engine_integrity_events(interview)
    engine = get_engine()
    with for_interview(interview.id):
        result = engine.assess(plan, engine_turns(interview), integrity)
    with transaction.atomic():
        locked = Interview.objects.select_for_update().get(pk=interview_id)
        if locked.state != State.IN_PROGRESS or locked.assessments.exists():
            return
        assessment = Assessment.objects.create(
            interview=locked,
            plan=Plan.objects.get(pk=locked.current_plan_id),
            engine=engine.name,
            result=to_dict(result),
            overall=result.overall,
            recommendation=result.recommendation,
        )
        workflow.transition(
            locked,
            State.ASSESSMENT_PENDING,
            actor=workflow.SYSTEM,
            reason=f"assessed by the {engine.name} engine: {result.overall}/100 {result.recommendation}",
            event_data=events.assessment_generated(assessment),
        )

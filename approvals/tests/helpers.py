"""Test helpers: many waiting items at once, and reading the pages."""

from __future__ import annotations

import re
import uuid

from django.utils import timezone

from interviews.models import Assessment, Interview, Plan, Question, State, StateChange


def clone_waiting(source: Interview, count: int, *, start: int = 0) -> list[Interview]:
    """``count`` copies of a real waiting interview (its plan, questions, assessment), in bulk.

    Planning 200 interviews through the engine would take a minute; the queue
    only needs rows shaped exactly like the real ones.
    """
    now = timezone.now()
    plan = source.current_plan
    questions = list(plan.questions.order_by("position"))
    assessment = source.assessments.first()
    clones = [
        Interview(
            id=uuid.uuid4(),
            run_id=uuid.uuid4(),
            organization_id=source.organization_id,
            state=source.state,
            candidate_name=f"Candidate {start + i}",
            candidate_email=f"candidate{start + i}@example.com",
            position=source.position,
            level=source.level,
            skills=source.skills,
            job_description=source.job_description,
            data_quality=source.data_quality,
            skill_validation=source.skill_validation,
            updated_at=now,
        )
        for i in range(count)
    ]
    Interview.objects.bulk_create(clones)
    plans = [
        Plan(
            id=uuid.uuid4(),
            interview=clone,
            version=1,
            engine=plan.engine,
            summary=plan.summary,
            duration_minutes=plan.duration_minutes,
        )
        for clone in clones
    ]
    Plan.objects.bulk_create(plans)
    Question.objects.bulk_create(
        Question(
            plan=new_plan,
            position=q.position,
            key=q.key,
            skill=q.skill,
            kind=q.kind,
            difficulty=q.difficulty,
            text=q.text,
            rubric=q.rubric,
            minutes=q.minutes,
        )
        for new_plan in plans
        for q in questions
    )
    for clone, new_plan in zip(clones, plans, strict=True):
        clone.current_plan = new_plan
    Interview.objects.bulk_update(clones, ["current_plan"])
    StateChange.objects.bulk_create(
        StateChange(
            interview=clone, from_state="", to_state=source.state, actor_label="system", created_at=now
        )
        for clone in clones
    )
    if source.state == State.ASSESSMENT_PENDING:
        Assessment.objects.bulk_create(
            Assessment(
                interview=clone,
                plan=new_plan,
                engine=assessment.engine,
                result=assessment.result,
                overall=assessment.overall,
                recommendation=assessment.recommendation,
            )
            for clone, new_plan in zip(clones, plans, strict=True)
        )
    return clones


def queue_rows(html: str) -> list[str]:
    """The run IDs of the queue's rows, in page order."""
    return re.findall(r'<tr data-run-id="([0-9a-f-]+)"', html)


def messages_of(response) -> list[str]:
    return [str(m) for m in response.context["messages"]] if response.context else []

"""Between the database rows and the engine's plain dataclasses (``interviews.agents.base``).

Engines take and return dataclasses and never see a model; these functions
turn an Interview, its plan and its turns into what an engine reads, and an
engine's planned questions back into rows.
"""

from __future__ import annotations

import threading
from collections import OrderedDict

from .agents.base import IntegrityEvent as EngineIntegrityEvent
from .agents.base import InterviewRequest, plan_from_dict, to_dict
from .agents.base import Plan as EnginePlan
from .agents.base import Turn as EngineTurn
from .models import Interview, Plan, Question, Turn


def engine_request(interview: Interview) -> InterviewRequest:
    # The engine never sees the candidate's name or email.
    return InterviewRequest(
        position=interview.position,
        level=interview.level,
        skills=list(interview.skills),
        job_description=interview.job_description,
        duration_minutes=interview.duration_minutes,
        language=interview.language,
    )


# A plan version never changes once written (an edit writes a new version), so
# the engine's view of one is read once per process and kept: every answer of
# an interview reads the same plan. Bounded; plans hold no candidate data.
PLAN_CACHE_SIZE = 512
_plans: OrderedDict = OrderedDict()
_plans_lock = threading.Lock()


def engine_plan(interview: Interview) -> tuple[EnginePlan, list[Question]]:
    """The current plan as the engine reads it, with its question rows in the same order.

    The plan row itself is read only when the plan is not kept yet: callers need not join it.
    """
    plan_id = interview.current_plan_id
    with _plans_lock:
        kept = _plans.get(plan_id)
        if kept is not None:
            _plans.move_to_end(plan_id)
    if kept is None:
        kept = _read_plan(interview.current_plan)
        with _plans_lock:
            _plans[plan_id] = kept
            while len(_plans) > PLAN_CACHE_SIZE:
                _plans.popitem(last=False)
    return kept[0], list(kept[1])


def forget_plans() -> None:
    """Drop the kept plans (tests that count a cold read)."""
    with _plans_lock:
        _plans.clear()


def _read_plan(plan: Plan) -> tuple[EnginePlan, tuple[Question, ...]]:
    questions = tuple(plan.questions.order_by("position"))
    return plan_from_dict(
        {
            "summary": plan.summary,
            "duration_minutes": plan.duration_minutes,
            "questions": [
                {
                    "key": q.key,
                    "skill": q.skill,
                    "kind": q.kind,
                    "difficulty": q.difficulty,
                    "text": q.text,
                    "rubric": q.rubric,
                    "minutes": q.minutes,
                }
                for q in questions
            ],
        }
    ), questions


def engine_turns(interview: Interview) -> list[EngineTurn]:
    """The answered turns, in the order they were asked, with their times.

    The closing question's answer (the candidate's own questions) is left out:
    engines neither plan around it nor score it.
    """
    return engine_turns_of(interview.turns.exclude(kind=Turn.Kind.CLOSING).order_by("sequence"))


def engine_turns_of(turns) -> list[EngineTurn]:
    """``engine_turns`` of turn rows already read, in sequence order."""
    return [
        EngineTurn(
            question_index=t.question_index,
            kind=t.kind,
            question_text=t.question_text,
            answer_text=t.answer_text,
            asked_at=t.asked_at.isoformat() if t.asked_at else "",
            answered_at=t.answered_at.isoformat(),
            # Recorded only for spoken answers, once the transcript edit share
            # is stored on the turn; None (nothing flagged) until then.
            edit_ratio=getattr(t, "transcript_edit_ratio", None),
        )
        for t in turns
        if t.answered_at and t.kind != Turn.Kind.CLOSING
    ]


def engine_integrity_events(interview: Interview) -> list[EngineIntegrityEvent]:
    """The browser's integrity events, each with the planned question on screen when known."""
    index_of = dict(interview.turns.values_list("sequence", "question_index"))
    return [
        EngineIntegrityEvent(
            event=e.event,
            at=e.occurred_at.isoformat(),
            question_index=index_of.get(e.question_sequence),
            detail=e.detail if isinstance(e.detail, dict) else {},
        )
        for e in interview.integrity_events.all()
    ]


def question_rows(plan: Plan, questions) -> list[Question]:
    """Unsaved Question rows for ``plan`` from engine PlannedQuestions or edited drafts."""
    return [
        Question(
            plan=plan,
            position=position,
            key=q.key,
            skill=q.skill,
            kind=q.kind,
            difficulty=q.difficulty,
            text=q.text,
            rubric=q.rubric if isinstance(q.rubric, dict) else to_dict(q.rubric),
            minutes=q.minutes,
        )
        for position, q in enumerate(questions)
    ]

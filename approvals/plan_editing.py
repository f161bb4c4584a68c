"""Recruiters' edits to a plan awaiting approval.

Every edit writes a new Plan version with copied Question rows and points
``interview.current_plan`` at it; earlier versions stay untouched, so what the
AI proposed and what each recruiter changed can always be compared. Edits are
only possible while the interview is PENDING, and each one names the version it
was made on: if someone else saved (or the plan was regenerated) meanwhile, the
edit is refused instead of silently overwriting their work.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field

from django.db import transaction
from django.db.models import Max
from django.utils import timezone

from interview_platform.api import DomainError, Invalid, WrongState
from interviews.agents.bank import bank
from interviews.agents.base import to_dict
from interviews.agents.taxonomy import KINDS, SPECIAL_SKILLS
from interviews.models import Interview, Plan, State
from interviews.planning import save_plan_version

MAX_QUESTION_CHARS = 4000
MAX_DESCRIPTION_CHARS = 2000
MIN_MINUTES = 1
MAX_MINUTES = 60


class StalePlan(DomainError):
    """The edit was made on a version that is no longer the current one."""

    code = "stale_plan"


@dataclass
class _Draft:
    """A question being carried over to the next version."""

    key: str
    skill: str
    kind: str
    difficulty: str
    text: str
    rubric: dict
    minutes: int
    source_id: int | None = field(default=None, compare=False)


def _drafts(plan: Plan) -> list[_Draft]:
    return [
        _Draft(q.key, q.skill, q.kind, q.difficulty, q.text, q.rubric, q.minutes, source_id=q.id)
        for q in plan.questions.order_by("position")
    ]


def _index_of(drafts: list[_Draft], question_id: int) -> int:
    for index, draft in enumerate(drafts):
        if draft.source_id == question_id:
            return index
    # The id belongs to another version (or another interview): the page the
    # recruiter edited is out of date.
    raise StalePlan("That question is not part of the current plan version. Reload the page and try again.")


@transaction.atomic
def _save_new_version(user, interview: Interview, base_plan_id, change) -> Plan:
    """Lock the interview, check it may be edited, apply ``change`` to the questions, save."""
    locked = Interview.objects.select_for_update().get(pk=interview.pk)
    if locked.state != State.PENDING or locked.current_plan_id is None:
        raise WrongState(
            f"The interview is {locked.state}; only a plan awaiting approval (PENDING) can be edited.",
            fields={"state": locked.state},
        )
    if str(locked.current_plan_id) != str(base_plan_id):
        current = locked.current_plan.version
        raise StalePlan(
            f"The plan changed while you were editing it (now version {current}). "
            "Review the current version and make your change again.",
            fields={"planVersion": current},
        )
    current = locked.current_plan
    drafts = change(_drafts(current))
    if not drafts:
        raise Invalid("A plan needs at least one question.", fields={"questions": "empty"})
    latest = locked.plans.aggregate(latest=Max("version"))["latest"] or 0
    new_plan = save_plan_version(
        locked,
        version=latest + 1,
        engine=current.engine,
        summary=current.summary,
        duration_minutes=current.duration_minutes,
        questions=drafts,
        created_by=user,
    )
    locked.current_plan = new_plan
    locked.updated_at = timezone.now()
    locked.save(update_fields=["current_plan", "updated_at"])
    interview.current_plan = new_plan
    interview.updated_at = locked.updated_at
    return new_plan


def rubric_dict(concepts: list[tuple[str, list[str]]], score_1: str, score_3: str, score_5: str) -> dict:
    """The stored rubric shape (the engine's ``Rubric`` as a dict)."""
    return {
        "concepts": [{"name": name, "synonyms": list(synonyms)} for name, synonyms in concepts],
        "score_1": score_1,
        "score_3": score_3,
        "score_5": score_5,
    }


def _check_question(text: str, rubric: dict, minutes: int) -> None:
    errors = {}
    if not text.strip():
        errors["text"] = "The question needs a text."
    elif len(text) > MAX_QUESTION_CHARS:
        errors["text"] = f"At most {MAX_QUESTION_CHARS} characters."
    if not MIN_MINUTES <= minutes <= MAX_MINUTES:
        errors["minutes"] = f"Between {MIN_MINUTES} and {MAX_MINUTES} minutes."
    if not rubric.get("concepts"):
        # The assessment scores answers by the concepts they cover; a question
        # without any could only ever score the minimum.
        errors["concepts"] = "List at least one concept the answer should cover."
    for key in ("score_1", "score_3", "score_5"):
        value = rubric.get(key, "")
        if not value.strip():
            errors[key] = "Describe what an answer with this score looks like."
        elif len(value) > MAX_DESCRIPTION_CHARS:
            errors[key] = f"At most {MAX_DESCRIPTION_CHARS} characters."
    if errors:
        raise Invalid("The question cannot be saved: " + " ".join(errors.values()), fields=errors)


def edit_question(
    user, interview: Interview, base_plan_id, question_id: int, *, text, rubric, minutes
) -> Plan:
    """Change a question's text, rubric and time."""
    text = text.strip()
    _check_question(text, rubric, minutes)

    def change(drafts):
        draft = drafts[_index_of(drafts, question_id)]
        draft.text, draft.rubric, draft.minutes = text, rubric, minutes
        return drafts

    return _save_new_version(user, interview, base_plan_id, change)


def remove_question(user, interview: Interview, base_plan_id, question_id: int) -> Plan:
    def change(drafts):
        del drafts[_index_of(drafts, question_id)]
        return drafts

    return _save_new_version(user, interview, base_plan_id, change)


def move_question(user, interview: Interview, base_plan_id, question_id: int, offset: int) -> Plan:
    """Move a question ``offset`` places (-1 up, +1 down); the ends stay where they are."""

    def change(drafts):
        index = _index_of(drafts, question_id)
        target = index + offset
        if not 0 <= target < len(drafts):
            raise Invalid("The question is already at that end of the plan.", fields={"direction": offset})
        drafts.insert(target, drafts.pop(index))
        return drafts

    return _save_new_version(user, interview, base_plan_id, change)


def add_bank_question(user, interview: Interview, base_plan_id, skill: str, key: str) -> Plan:
    """Append the question ``key`` of ``skill`` from the question bank."""
    bank_question = next((q for q in bank_questions(skill) if q.key == key), None)
    if bank_question is None:
        raise Invalid(f"The question bank has no question {key!r} for {skill}.", fields={"key": key})

    def change(drafts):
        if any(d.key == key for d in drafts):
            raise Invalid("That question is already in the plan.", fields={"key": key})
        drafts.append(
            _Draft(
                key=bank_question.key,
                skill=bank_question.skill,
                kind=bank_question.kind,
                difficulty=bank_question.difficulty,
                text=bank_question.text,
                rubric=to_dict(bank_question.rubric),
                minutes=bank_question.minutes,
            )
        )
        return drafts

    return _save_new_version(user, interview, base_plan_id, change)


def add_own_question(
    user, interview: Interview, base_plan_id, *, skill: str, kind: str, text: str, rubric: dict, minutes: int
) -> Plan:
    """Append a question the recruiter wrote, with its rubric: a new version, like every edit."""
    text = text.strip()
    _check_question(text, rubric, minutes)
    if kind not in KINDS:
        raise Invalid(f"Choose one of: {', '.join(KINDS)}.", fields={"kind": kind})
    if not skill.strip():
        raise Invalid("Choose the skill the question is about.", fields={"skill": "empty"})

    def change(drafts):
        drafts.append(
            _Draft(
                # Its own key: never one of the bank's, so the bank picker still offers them all.
                key=f"own-{uuid.uuid4().hex[:12]}",
                skill=skill.strip(),
                kind=kind,
                difficulty=interview.level or "MID",
                text=text,
                rubric=rubric,
                minutes=minutes,
            )
        )
        return drafts

    return _save_new_version(user, interview, base_plan_id, change)


# --- the question bank ---------------------------------------------------------------


def bank_skills() -> list[str]:
    """Every skill the bank has questions for, taxonomy order, then the special ones."""
    data = bank()
    names = [s.name for s in data.skills if data.questions.get(s.name)]
    names += [name for name in SPECIAL_SKILLS if data.questions.get(name)]
    return names


def bank_questions(skill: str) -> tuple:
    return bank().questions.get(skill, ())

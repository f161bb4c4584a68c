"""The LLM engine's plan step: the model's brief, and the checks that turn its draft into a plan.

The engine keeps only questions on the validated skills (plus behavioural, and
system design for senior levels), forces each question's kind from its skill,
keeps difficulties within the level, and trims minutes deterministically to
fit the duration.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from typing import Any

from interviews.agents.base import Concept, InterviewRequest, Plan, PlannedQuestion, Rubric, ValidatedSkill
from interviews.agents.feedback import parse_feedback
from interviews.agents.language import tokens
from interviews.agents.llm_calls import OutputInvalid
from interviews.agents.policy import (
    MIN_QUESTION_MINUTES,
    allowed_difficulties,
    asks_system_design,
    clamp_question_minutes,
    interview_level,
    interview_minutes,
    kind_rank,
    question_budget,
)
from interviews.agents.schemas import PlanDraft, QuestionDraft
from interviews.agents.taxonomy import (
    BEHAVIORAL,
    SPECIAL_SKILLS,
    SYSTEM_DESIGN,
    canonical_skill,
    kind_of,
    taxonomy,
)

_SLUG_RE = re.compile(r"[^a-z0-9]+")
_SPECIAL_ALIASES = {
    "behavioral": BEHAVIORAL,
    "behavioural": BEHAVIORAL,
    "system design": SYSTEM_DESIGN,
    "system-design": SYSTEM_DESIGN,
}


@dataclass(frozen=True)
class PlanContext:
    """What the checks on a draft need to know about the request."""

    skills: dict[str, str]  # lowercased name -> canonical name
    allowed: tuple[str, ...]
    skip: set[str]
    include_design: bool
    budget: int
    duration: int
    version: int


def plan_request(
    request: InterviewRequest, skills: list[ValidatedSkill], feedback: str, version: int
) -> tuple[dict[str, Any], PlanContext]:
    """The model's brief for a plan, and the context its draft is checked against."""
    level = interview_level(request.level)
    fb = parse_feedback(feedback, [s.name for s in skills])
    # "Harder" / "easier" feedback moves the allowed difficulties exactly as
    # it does in the heuristic engine.
    allowed = allowed_difficulties(level, fb.level_shift)
    duration = interview_minutes(request)
    budget = question_budget(duration)
    include_design = asks_system_design(level, fb.skip)
    ordered = [s for s in skills if s.status == "VALID"] + [s for s in skills if s.status != "VALID"]
    payload: dict[str, Any] = {
        "position": request.position,
        "level": level,
        "language": request.language or "en",
        "job_description": request.job_description,
        "skills": [{"name": s.name, "status": s.status, "category": s.category} for s in ordered],
        "allowed_difficulties": list(allowed),
        "duration_minutes": duration,
        "question_minutes_budget": budget,
        "include_system_design": include_design,
        "plan_version": version,
    }
    if feedback:
        payload["recruiter_feedback"] = feedback
    context = PlanContext(
        skills={s.name.lower(): s.name for s in skills},
        allowed=allowed,
        skip=set(fb.skip),
        include_design=include_design,
        budget=budget,
        duration=duration,
        version=max(1, int(version)),
    )
    return payload, context


def _plan_skill(name: str, context: PlanContext) -> str | None:
    lowered = name.strip().lower()
    if lowered in _SPECIAL_ALIASES:
        return _SPECIAL_ALIASES[lowered]
    if lowered in context.skills:
        return context.skills[lowered]
    known = canonical_skill(name, taxonomy())
    if known is not None and known.name.lower() in context.skills:
        return context.skills[known.name.lower()]
    return None


def _kept_questions(draft: PlanDraft, context: PlanContext) -> list[tuple[str, QuestionDraft]]:
    kept: list[tuple[str, QuestionDraft]] = []
    strangers: list[str] = []
    for q in draft.questions:
        skill = _plan_skill(q.skill, context)
        if skill is None:
            strangers.append(q.skill)
            continue
        if skill == SYSTEM_DESIGN and not context.include_design:
            continue
        kept.append((skill, q))
    # Skills the recruiter asked to drop go, as long as something remains
    # (the heuristic engine's rule for the same feedback).
    if context.skip and any(skill not in context.skip for skill, _ in kept):
        kept = [(skill, q) for skill, q in kept if skill not in context.skip]
    if not kept:
        raise OutputInvalid(
            "no question is about the given skills; 'skill' must be one of "
            f"{sorted(context.skills.values()) + list(SPECIAL_SKILLS)}"
            + (f" (got {sorted(set(strangers))})" if strangers else "")
        )
    # Interview flow as in the heuristic engine: technical questions, then
    # system design, then behavioural; the model's order within each.
    kept.sort(key=lambda sq: kind_rank(kind_of(sq[0])))
    return kept


def _question(skill: str, q: QuestionDraft, context: PlanContext) -> PlannedQuestion:
    concepts = _concepts(q)
    if len(concepts) < 3:
        raise OutputInvalid(f"question about {skill!r}: a rubric needs at least 3 distinct concepts")
    return PlannedQuestion(
        key="",
        skill=skill,
        kind=kind_of(skill),
        difficulty=q.difficulty if q.difficulty in context.allowed else context.allowed[0],
        text=q.text,
        rubric=Rubric(
            concepts=concepts,
            score_1=q.rubric.score_1,
            score_3=q.rubric.score_3,
            score_5=q.rubric.score_5,
        ),
        minutes=clamp_question_minutes(q.minutes),
    )


def finish_plan(draft: PlanDraft, context: PlanContext) -> Plan:
    """The plan from the model's draft, checked and fitted; raises OutputInvalid when unusable."""
    questions = [_question(skill, q, context) for skill, q in _kept_questions(draft, context)]
    questions = fit_minutes(questions, context.budget)
    questions = [
        replace(q, key=f"llm-v{context.version}-{i + 1}-{_slug(q.skill)}"[:100])
        for i, q in enumerate(questions)
    ]
    total = sum(q.minutes for q in questions)
    count = f"{len(questions)} question{'' if len(questions) == 1 else 's'}"
    summary = f"{count}, {total} of {context.duration} minutes."
    if draft.summary:
        summary = f"{draft.summary} ({summary[:-1]})"
    return Plan(questions=questions, duration_minutes=context.duration, summary=summary)


def fit_minutes(questions: list[PlannedQuestion], budget: int) -> list[PlannedQuestion]:
    """Make the minutes add up to at most ``budget``, deterministically.

    In order: drop extra questions on an already-covered skill (last first),
    shorten the longest question a minute at a time down to
    ``MIN_QUESTION_MINUTES``, then drop questions from the end. One question
    always stays, shortened to the budget if it must be.
    """
    questions = list(questions)

    def total() -> int:
        return sum(q.minutes for q in questions)

    while total() > budget:
        skills = [q.skill for q in questions]
        extra = next((i for i in range(len(questions) - 1, -1, -1) if skills.count(skills[i]) > 1), None)
        if extra is None:
            break
        del questions[extra]
    while total() > budget:
        longest = max(range(len(questions)), key=lambda k: (questions[k].minutes, -k))
        if questions[longest].minutes <= MIN_QUESTION_MINUTES:
            break
        questions[longest] = replace(questions[longest], minutes=questions[longest].minutes - 1)
    while total() > budget and len(questions) > 1:
        questions.pop()
    if total() > budget:
        questions[0] = replace(questions[0], minutes=max(1, budget))
    return questions


def _concepts(q: QuestionDraft) -> list[Concept]:
    concepts: list[Concept] = []
    seen: set[str] = set()
    for c in q.rubric.concepts:
        key = " ".join(tokens(c.name))
        if not key or key in seen:
            continue  # a concept the matcher cannot see, or a duplicate in other words
        seen.add(key)
        synonyms = []
        for s in c.synonyms:
            if s.lower() != c.name.lower() and s not in synonyms:
                synonyms.append(s)
        concepts.append(Concept(name=c.name, synonyms=synonyms))
    return concepts


def _slug(text: str) -> str:
    return _SLUG_RE.sub("-", text.lower()).strip("-") or "skill"

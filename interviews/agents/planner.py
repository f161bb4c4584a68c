"""The offline engine's plans: questions from the bank that fit the level, the time and the feedback."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, replace

from interviews.agents.bank import Bank
from interviews.agents.base import (
    LEVELS,
    InterviewRequest,
    Plan,
    PlannedQuestion,
    SkillValidation,
    ValidatedSkill,
)
from interviews.agents.feedback import Feedback, parse_feedback
from interviews.agents.policy import (
    MAX_QUESTION_MINUTES,
    MIN_QUESTION_MINUTES,
    SENIOR_LEVELS,
    allowed_difficulties,
    asks_system_design,
    interview_level,
    interview_minutes,
    kind_rank,
    question_budget,
)
from interviews.agents.taxonomy import BEHAVIORAL, SPECIAL_SKILLS, SYSTEM_DESIGN
from interviews.agents.text import count_phrase, join_topics, stable_int

# Regenerating a plan replays the earlier versions (to make sure the new one
# differs); the replay is bounded so a huge version number stays cheap.
VERSION_CYCLE = 100


@dataclass
class _Slot:
    skill: str
    kind: str
    candidates: list[PlannedQuestion]
    cap: int
    per_round: int = 1


@dataclass(frozen=True)
class _Pick:
    slot: int
    question: PlannedQuestion
    round: int


def build_plan(
    data: Bank, request: InterviewRequest, validation: SkillValidation, feedback: str, version: int
) -> Plan:
    """Pick questions that fit the level and the time.

    Time: the question minutes add up to at most the question budget
    (:func:`~interviews.agents.policy.question_budget`) and fill most of it.
    Every skill gets one question (two if the feedback asks for more of it)
    before any gets another; when even that does not fit, the lowest-priority
    skills are left out (given skills outrank inferred ones) and the rest are
    shortened, never below ``MIN_QUESTION_MINUTES``.

    Versions: ``version`` reshuffles the choice among the questions that fit
    the level, and when that happens to reproduce the previous version's
    questions, each skill's first question is swapped for one not used there.
    Feedback is understood as described in
    :func:`~interviews.agents.feedback.parse_feedback`.
    """
    skills = [s for s in validation.valid if s.name in data.questions]
    if not skills:
        raise ValueError(
            "Cannot plan an interview without at least one recognised skill: "
            + (validation.reason or "the skill validation has no valid skill.")
        )
    duration = interview_minutes(request)
    version = (max(1, int(version)) - 1) % VERSION_CYCLE + 1
    fb = parse_feedback(feedback, [s.name for s in skills], data)
    slots, selected = _select(data, request, skills, fb, version, question_budget(duration))
    # Interview flow: technical skills in priority order (easier questions
    # first within a skill), then system design, then behavioural.
    ordered = sorted(
        selected,
        key=lambda pm: (
            kind_rank(slots[pm[0].slot].kind),
            pm[0].slot,
            LEVELS.index(pm[0].question.difficulty),
        ),
    )
    questions = [replace(p.question, minutes=m) for p, m in ordered]
    return Plan(questions=questions, duration_minutes=duration, summary=_summary(request, questions, skills))


def _select(
    data: Bank,
    request: InterviewRequest,
    skills: Sequence[ValidatedSkill],
    fb: Feedback,
    version: int,
    budget: int,
) -> tuple[list[_Slot], list[tuple[_Pick, int]]]:
    # Replays versions 1..version so each one differs from the one before.
    previous: list[str] | None = None
    selected: list[tuple[_Pick, int]] = []
    slots: list[_Slot] = []
    for v in range(1, version + 1):
        slots = _slots(data, request, skills, fb, version=v, avoid=frozenset())
        selected = _fit_minutes(_pick_sequence(slots), budget)
        keys = sorted(p.question.key for p, _ in selected)
        if previous is not None and keys == previous:
            slots = _slots(data, request, skills, fb, version=v, avoid=frozenset(previous))
            selected = _fit_minutes(_pick_sequence(slots), budget)
            keys = sorted(p.question.key for p, _ in selected)
        previous = keys
    return slots, selected


def _slots(
    data: Bank,
    request: InterviewRequest,
    skills: Sequence[ValidatedSkill],
    fb: Feedback,
    *,
    version: int,
    avoid: frozenset[str],
) -> list[_Slot]:
    level = interview_level(request.level)
    prefs = allowed_difficulties(level, fb.level_shift)

    def slot(name: str, kind: str, cap: int, per_round: int = 1) -> _Slot:
        cands = _ordered_candidates(data.questions[name], prefs, version, avoid)
        return _Slot(name, kind, cands, cap, per_round)

    technical = [s for s in skills if s.name not in fb.skip] or list(skills)
    boosted = [s for s in technical if s.name in fb.more]
    given = [s for s in technical if s.status == "VALID" and s not in boosted]
    inferred = [s for s in technical if s.status != "VALID" and s not in boosted]
    reduced = [s for s in (*given, *inferred) if s.name in fb.fewer]
    given = [s for s in given if s not in reduced]
    inferred = [s for s in inferred if s not in reduced]

    big = 10**6
    slots = [slot(s.name, "technical", big, 2) for s in boosted]
    slots += [slot(s.name, "technical", big) for s in given]
    if asks_system_design(level, fb.skip):
        slots.append(slot(SYSTEM_DESIGN, "system_design", 2 if SYSTEM_DESIGN in fb.more else 1))
    if BEHAVIORAL not in fb.skip:
        cap = 2 if level in SENIOR_LEVELS and BEHAVIORAL in fb.more else 1
        slots.append(slot(BEHAVIORAL, "behavioral", cap))
    slots += [slot(s.name, "technical", big) for s in inferred]
    slots += [slot(s.name, "technical", 1) for s in reduced]
    return [s for s in slots if s.candidates and s.cap > 0]


def _ordered_candidates(
    questions: Sequence[PlannedQuestion],
    prefs: Sequence[str],
    version: int,
    avoid: frozenset[str],
) -> list[PlannedQuestion]:
    fitting = [q for q in questions if q.difficulty in prefs]
    # Best-fitting difficulty first; within a difficulty the order is a stable
    # shuffle keyed by the plan version, so a regenerated plan reshuffles.
    fitting.sort(key=lambda q: (prefs.index(q.difficulty), stable_int("plan", version, q.key)))
    if avoid:
        fresh = next((q for q in fitting if q.key not in avoid), None)
        if fresh is not None:
            fitting.remove(fresh)
            fitting.insert(0, fresh)
    return fitting


def _pick_sequence(slots: Sequence[_Slot]) -> list[_Pick]:
    """All picks in priority order: round after round over the slots."""
    taken = [0] * len(slots)
    sequence: list[_Pick] = []
    progress = True
    rnd = 0
    while progress:
        progress = False
        for i, slot in enumerate(slots):
            for _ in range(slot.per_round):
                if taken[i] < min(slot.cap, len(slot.candidates)):
                    sequence.append(_Pick(i, slot.candidates[taken[i]], rnd))
                    taken[i] += 1
                    progress = True
        rnd += 1
    return sequence


def _fit_minutes(picks: Sequence[_Pick], budget: int) -> list[tuple[_Pick, int]]:
    """Choose picks and minutes so that the total stays within ``budget``."""
    if not picks or budget <= 0:
        return []
    # First pass: the first round (one question per slot, two for a skill the
    # feedback asked more of), the coverage the plan must have.
    first = [p for p in picks if p.round == 0]
    nominal = sum(p.question.minutes for p in first)
    if nominal > budget:
        return _shrink(first, budget)

    chosen = {id(p) for p in first}
    selected = [(p, p.question.minutes) for p in first]
    used = nominal
    # Second pass: deepen in round-robin priority order with whatever still
    # fits; a long question that does not fit lets a shorter one through.
    for p in picks:
        if id(p) in chosen:
            continue
        if used + p.question.minutes <= budget:
            selected.append((p, p.question.minutes))
            used += p.question.minutes
    return _grow(selected, budget)


def _shrink(first: Sequence[_Pick], budget: int) -> list[tuple[_Pick, int]]:
    # Too many skills for the time: keep the highest-priority ones that fit at
    # the minimum length and shrink them proportionally.
    keep = first[: max(1, budget // MIN_QUESTION_MINUTES)]
    if budget < MIN_QUESTION_MINUTES:
        return [(keep[0], budget)]
    total = sum(p.question.minutes for p in keep)
    minutes = [max(MIN_QUESTION_MINUTES, math.floor(p.question.minutes * budget / total)) for p in keep]
    while sum(minutes) > budget:
        j = max(range(len(minutes)), key=lambda k: (minutes[k], -k))
        minutes[j] -= 1
    return _grow(list(zip(keep, minutes, strict=True)), budget)


def _grow(selected: list[tuple[_Pick, int]], budget: int) -> list[tuple[_Pick, int]]:
    # Hand spare minutes back to the questions (room for follow-ups) so the
    # interview uses the time it was booked for.
    spare = budget - sum(m for _, m in selected)
    limits = [
        min(MAX_QUESTION_MINUTES, max(m, p.question.minutes + max(1, p.question.minutes // 2)))
        for p, m in selected
    ]
    minutes = [m for _, m in selected]
    while spare > 0:
        grew = False
        for i in range(len(minutes)):
            if spare > 0 and minutes[i] < limits[i]:
                minutes[i] += 1
                spare -= 1
                grew = True
        if not grew:
            break
    return [(p, m) for (p, _), m in zip(selected, minutes, strict=True)]


def _summary(
    request: InterviewRequest, questions: Sequence[PlannedQuestion], skills: Sequence[ValidatedSkill]
) -> str:
    counts: dict[str, int] = {}
    for q in questions:
        counts[q.skill] = counts.get(q.skill, 0) + 1
    tech = [f"{name} ({n})" for name, n in counts.items() if name not in SPECIAL_SKILLS]
    extras = [
        count_phrase(counts[name], label)
        for name, label in (
            (SYSTEM_DESIGN, "system-design question"),
            (BEHAVIORAL, "behavioural question"),
        )
        if counts.get(name)
    ]
    minutes = sum(q.minutes for q in questions)
    text = (
        f"A {interview_minutes(request)}-minute "
        f"{request.level.lower()}-level interview for {request.position or 'the role'} with "
        f"{count_phrase(len(questions), 'question')} ({minutes} minutes) covering "
        f"{join_topics(tech) if tech else 'general skills'}"
    )
    if extras:
        text += f", plus {join_topics(extras)}"
    left_out = [s.name for s in skills if s.name not in counts]
    if left_out:
        text += f"; not covered: {join_topics(left_out)}"
    return text + "."

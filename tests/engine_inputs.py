"""Inputs the heuristic engine's tests share: the seed request, the bank's test answers, small helpers."""

from __future__ import annotations

import json
from collections import Counter
from dataclasses import replace
from pathlib import Path

from interviews.agents.bank import bank
from interviews.agents.base import InterviewRequest, Plan, PlannedQuestion, Turn
from interviews.agents.heuristic import HeuristicEngine

ANSWERS: dict[str, dict[str, str]] = json.loads(
    (Path(__file__).resolve().parents[1] / "interviews" / "tests" / "data" / "answers.json").read_text(
        encoding="utf-8"
    )
)
SEED = InterviewRequest(
    position="Senior Software Engineer",
    level="SENIOR",
    skills=["TypeScript", "React", "Node.js", "PostgreSQL"],
    job_description=(
        "Join our platform team to build scalable web applications with a modern tech stack. "
        "You will architect and own key services."
    ),
)


def request(**overrides) -> InterviewRequest:
    return replace(SEED, **overrides)


def plan_for(engine: HeuristicEngine, req: InterviewRequest, **kwargs) -> Plan:
    return engine.plan(req, engine.validate_skills(req), **kwargs)


def skill_counts(plan: Plan) -> Counter[str]:
    return Counter(q.skill for q in plan.questions)


def all_questions() -> list[PlannedQuestion]:
    return [q for qs in bank().questions.values() for q in qs]


def answer(plan: Plan, which: str) -> list[Turn]:
    return [Turn(i, "main", q.text, ANSWERS[q.key][which]) for i, q in enumerate(plan.questions)]

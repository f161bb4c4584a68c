"""Many interviews of one organization, written in bulk, shaped as the workflow leaves them.

The dashboard benchmark (25,000 interviews) and the tests that count queries at a few
thousand rows both use it. Rows are deterministic for a given ``seed``: states, positions,
levels, scores and dates spread the way a busy organization's would, and every assessed
interview has a plan and an assessment (with skill scores and flags) behind it.
"""

from __future__ import annotations

import random
import uuid
from datetime import timedelta

from django.db import transaction
from django.utils import timezone

from interviews.models import Assessment, Interview, Plan, Question, State

POSITIONS = [
    "Backend Engineer",
    "Frontend Engineer",
    "Data Engineer",
    "Site Reliability Engineer",
    "Mobile Engineer",
    "Security Engineer",
    "Machine Learning Engineer",
    "QA Engineer",
    "Engineering Manager",
    "Product Designer",
    "Platform Engineer",
    "Solutions Architect",
]
LEVELS = ["JUNIOR", "MID", "SENIOR", "LEAD", "PRINCIPAL"]
SKILLS = ["Python", "PostgreSQL", "Django", "React", "TypeScript", "Kubernetes", "System Design", "Go"]
FLAG_KINDS = ["paste", "away", "fast_answer", "fast_typing"]
# Shares of the interviews that are not waiting for a decision.
SETTLED = [
    (State.ASSESSMENT_APPROVED, 50),
    (State.APPROVED, 12),
    (State.EXPIRED, 10),
    (State.CANCELLED, 8),
    (State.REJECTED, 6),
    (State.IN_PROGRESS, 5),
    (State.INFO_NEEDED, 4),
    (State.FAILED, 3),
    (State.VALIDATING_SKILLS, 2),
]
PLANNED = {
    State.PENDING,
    State.APPROVED,
    State.IN_PROGRESS,
    State.ASSESSMENT_PENDING,
    State.ASSESSMENT_APPROVED,
    State.EXPIRED,
}
ASSESSED = {State.ASSESSMENT_PENDING, State.ASSESSMENT_APPROVED}
BATCH = 2000


def recommendation_for(score: int) -> str:
    if score >= 80:
        return "STRONG_HIRE"
    if score >= 65:
        return "HIRE"
    if score >= 45:
        return "LEAN_NO_HIRE"
    return "NO_HIRE"


def _states(rng: random.Random, total: int, waiting: int) -> list[str]:
    states = [State.PENDING if i % 2 else State.ASSESSMENT_PENDING for i in range(waiting)]
    names, weights = zip(*SETTLED, strict=True)
    states += rng.choices(names, weights=weights, k=total - waiting)
    rng.shuffle(states)
    return states


def _result(rng: random.Random, skills: list[str], score: int, flags: int, when) -> dict:
    return {
        "overall": score,
        "recommendation": recommendation_for(score),
        "skill_scores": {skill: round(min(5.0, max(1.0, rng.gauss(score / 20, 0.6))), 2) for skill in skills},
        "flags": [
            {"kind": rng.choice(FLAG_KINDS), "at": when.isoformat(), "message": "flagged", "seconds": None}
            for _ in range(flags)
        ],
        "question_scores": [],
        "strengths": [],
        "concerns": [],
        "summary": "",
    }


def _interview(rng, organization_id, state, index, now, days) -> Interview:
    created = now - timedelta(days=rng.uniform(0, days))
    updated = min(now, created + timedelta(hours=rng.uniform(0.1, 72)))
    row = Interview(
        id=uuid.uuid4(),
        run_id=uuid.uuid4(),
        organization_id=organization_id,
        state=state,
        candidate_name=f"Candidate {index}",
        candidate_email=f"candidate{index}@example.com",
        position=rng.choice(POSITIONS),
        level=rng.choice(LEVELS),
        skills=rng.sample(SKILLS, 4),
        job_description="Build and run the services of our hiring platform.",
        data_quality="GOOD",
        created_at=created,
        updated_at=updated,
    )
    if state in (State.PENDING, State.ASSESSMENT_PENDING):
        row.waiting_since = updated
    if state in ASSESSED:
        row.score = float(max(0, min(100, round(rng.gauss(62, 16)))))
        row.recommendation = recommendation_for(int(row.score))
        row.flag_count = rng.choices([0, 1, 2, 3], weights=[60, 25, 10, 5])[0]
    return row


def _plans_and_assessments(rng, rows: list[Interview], questions_per_plan: int) -> tuple[list, list, list]:
    """Each planned interview's plan (set as its current plan), questions and assessment, unsaved."""
    plans, questions, assessments = [], [], []
    for row in rows:
        if row.state not in PLANNED:
            continue
        plan = Plan(id=uuid.uuid4(), interview=row, version=1, engine="heuristic", duration_minutes=45)
        row.current_plan = plan
        plans.append(plan)
        questions += [
            Question(
                plan=plan,
                position=n,
                key=f"q{n}",
                skill=row.skills[n % len(row.skills)],
                kind="technical",
                difficulty="medium",
                text=f"Question {n + 1} about {row.skills[n % len(row.skills)]}?",
                rubric={"concepts": [{"name": "a concept", "synonyms": []}]},
                minutes=6,
            )
            for n in range(questions_per_plan)
        ]
        if row.state in ASSESSED:
            decided = row.state == State.ASSESSMENT_APPROVED
            # Decided ones were assessed part of the way between the request and the decision.
            assessed_at = row.created_at + (row.updated_at - row.created_at) * (0.6 if decided else 1)
            assessments.append(
                Assessment(
                    interview=row,
                    plan=plan,
                    engine="heuristic",
                    result=_result(rng, row.skills, int(row.score), row.flag_count, assessed_at),
                    overall=int(row.score),
                    recommendation=row.recommendation,
                    created_at=assessed_at,
                    approved_at=row.updated_at if decided else None,
                    decided_score=int(row.score) if decided else None,
                    decided_recommendation=row.recommendation if decided else "",
                )
            )
    return plans, questions, assessments


def build(
    organization, total: int, *, waiting: int, days: float = 365, questions_per_plan: int = 6, seed: int = 7
) -> list[Interview]:
    """``total`` interviews of ``organization`` over the last ``days``, ``waiting`` of them in the queue."""
    rng = random.Random(seed)
    now = timezone.now()
    rows = [
        _interview(rng, organization.id, state, index, now, days)
        for index, state in enumerate(_states(rng, total, waiting))
    ]
    plans, questions, assessments = _plans_and_assessments(rng, rows, questions_per_plan)
    # Interviews and their plans point at each other: the foreign keys are checked at commit.
    with transaction.atomic():
        Interview.objects.bulk_create(rows, batch_size=BATCH)
        Plan.objects.bulk_create(plans, batch_size=BATCH)
        Question.objects.bulk_create(questions, batch_size=BATCH)
        Assessment.objects.bulk_create(assessments, batch_size=BATCH)
    return rows

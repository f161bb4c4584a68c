"""Building interviews for tests: through the real API, or fast from a plan made once per session.

The fixtures in :mod:`tests.plugin` use these; test modules ask for the
fixtures (``pending``, ``make_pending``, ``make_planned``, ``assessed``, ...).
"""

from __future__ import annotations

import json
import uuid
from datetime import timedelta
from pathlib import Path

from django.db import transaction
from django.utils import timezone
from rest_framework.test import APIClient

from benchmarks.dashboard_data import recommendation_for
from interviews import adapters, planning, services, workflow
from interviews.agents.base import InterviewRequest, Plan, SkillValidation
from interviews.agents.heuristic import HeuristicEngine
from interviews.models import (
    AgentStep,
    Assessment,
    IntegrityEvent,
    Interview,
    Question,
    State,
    StateChange,
    Turn,
)
from interviews.models import Plan as PlanRow
from interviews.serializers import FIELD_MAP

ROOT = Path(__file__).resolve().parent.parent
CREATE = "/api/v1/a2a/interview"
SEED_BODY = {
    "candidateName": "Jane Smith",
    "candidateEmail": "jane@example.com",
    "position": "Senior Software Engineer",
    "level": "SENIOR",
    "skills": ["TypeScript", "React", "Node.js", "PostgreSQL"],
    "jobDescription": (
        "Join our platform team to build scalable web applications with a modern tech stack. "
        "You will architect and own key services."
    ),
}
ANSWERS: dict[str, dict[str, str]] = json.loads((ROOT / "interviews/tests/data/answers.json").read_text())


def bearer_client(user) -> APIClient:
    from accounts.tokens import sign_in

    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {sign_in(user).access_token}")
    return client


def api_key_client(raw_key: str) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_X_API_KEY=raw_key)
    return client


def approved_interview(api_key: str, recruiter, capture, **overrides) -> tuple[str, str]:
    """Create (through the API) and approve an interview; returns (run_id, join token)."""
    ats = api_key_client(api_key)
    with capture(execute=True):
        created = ats.post(CREATE, {**SEED_BODY, **overrides}, format="json")
    assert created.status_code == 201, created.content
    run_id = created.json()["runId"]
    with capture(execute=True):
        approved = bearer_client(recruiter).post(
            f"{CREATE}/{run_id}/approve", {"approved": True}, format="json"
        )
    assert approved.status_code == 200, approved.content
    token = approved.json()["interviewLink"].rsplit("/", 1)[1]
    return run_id, token


# --- plans made once ------------------------------------------------------------------


class PlanTemplates:
    """The offline engine's validation and plan v1 for each distinct request, computed once.

    The heuristic engine is deterministic (no clock, no randomness), so its
    answer for a request can be reused by every test that only needs an
    interview waiting for a decision.
    """

    engine_name = HeuristicEngine.name

    def __init__(self) -> None:
        self._engine = HeuristicEngine()
        self._made: dict[tuple, tuple[SkillValidation, Plan]] = {}

    def for_request(self, request: InterviewRequest) -> tuple[SkillValidation, Plan]:
        key = (
            request.position,
            request.level,
            tuple(request.skills),
            request.job_description,
            request.duration_minutes,
            request.language,
        )
        if key not in self._made:
            validation = self._engine.validate_skills(request)
            assert validation.ok, validation.reason
            self._made[key] = (validation, self._engine.plan(request, validation, version=1))
        return self._made[key]


def waiting_interview(templates: PlanTemplates, api_key, **body) -> Interview:
    """An interview as intake and planning leave it, without running them: PENDING with plan v1.

    The same rows as ``POST /a2a/interview`` followed by the planning job:
    the interview, its StateChanges (created by the API key, planned by the
    system), the two AgentSteps, plan v1 with its questions, and the
    ``interview.plan_generated`` event with its deliveries (sent on commit).
    """
    values = {FIELD_MAP[name]: value for name, value in {**SEED_BODY, **body}.items()}
    interview = Interview(organization_id=api_key.organization_id, created_by_api_key=api_key, **values)
    interview.missing_fields = services.missing_fields(interview)
    assert not interview.missing_fields, interview.missing_fields
    interview.data_quality = services.data_quality(interview, [])
    validation, plan = templates.for_request(adapters.engine_request(interview))
    name = templates.engine_name
    with transaction.atomic():
        actor = workflow.Actor(label=f"api-key:{api_key.name}")
        workflow.create(interview, State.VALIDATING_SKILLS, actor=actor, reason="request complete")
        AgentStep.objects.bulk_create(
            AgentStep(interview=interview, step=step, engine=name, outcome=AgentStep.Outcome.OK)
            for step in ("validate_skills", "plan")
        )
        row = planning.save_plan_version(
            interview,
            version=1,
            engine=name,
            summary=plan.summary,
            duration_minutes=plan.duration_minutes,
            questions=plan.questions,
        )
        planning.move_to_pending(interview, row, validation, name)
    return interview


def clone_waiting(source: Interview, count: int, *, start: int = 0) -> list[Interview]:
    """``count`` copies of a waiting interview (its plan, questions, assessment), in bulk.

    The queue's paging and query-count tests need many rows shaped exactly like
    the real ones, not many runs of intake and planning.
    """
    now = timezone.now()
    # The lists' copies, as workflow.transition leaves them for this state.
    listed = {
        "waiting_since": now if source.state in workflow.WAITING else None,
        "score": source.score,
        "recommendation": source.recommendation,
        "flag_count": source.flag_count,
    }
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
            **listed,
        )
        for i in range(count)
    ]
    Interview.objects.bulk_create(clones)
    plans = _copy_plan(source.current_plan, clones)
    StateChange.objects.bulk_create(
        StateChange(
            interview=clone, from_state="", to_state=source.state, actor_label="system", created_at=now
        )
        for clone in clones
    )
    assessment = source.assessments.first()
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


def _copy_plan(plan: PlanRow, clones: list[Interview]) -> list[PlanRow]:
    """Give each clone a copy of ``plan`` and its questions as its current plan."""
    questions = list(plan.questions.order_by("position"))
    plans = [
        PlanRow(
            id=uuid.uuid4(),
            interview=clone,
            version=1,
            engine=plan.engine,
            summary=plan.summary,
            duration_minutes=plan.duration_minutes,
        )
        for clone in clones
    ]
    PlanRow.objects.bulk_create(plans)
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
    return plans


def answer_all(interview: Interview, *, weak_index: int = 1) -> None:
    """Play the candidate: answer every question (one follow-up), leave the tab for 47 s, paste an answer."""
    workflow.transition(
        interview, State.IN_PROGRESS, actor=workflow.Actor(label="candidate"), reason="joined"
    )
    sequence = 0
    # Each answer takes 90 s, the first question put twenty minutes ago.
    now = timezone.now() - timedelta(minutes=20)
    for index, question in enumerate(interview.current_plan.questions.order_by("position")):
        answers = ANSWERS.get(question.key, {})
        strong = answers.get("strong_answer") or f"I would explain {question.skill} in depth with examples."
        weak = answers.get("weak_answer") or "I am not sure."
        Turn.objects.create(
            interview=interview,
            sequence=sequence,
            question=question,
            question_index=index,
            kind=Turn.Kind.MAIN,
            question_text=question.text,
            answer_text=weak if index == weak_index else strong,
            asked_at=now,
            answered_at=now + timedelta(seconds=90),
        )
        now += timedelta(seconds=90)
        sequence += 1
        if index == 0:
            Turn.objects.create(
                interview=interview,
                sequence=sequence,
                question=question,
                question_index=index,
                kind=Turn.Kind.FOLLOWUP,
                question_text="Can you give a concrete example from a project?",
                answer_text="In our checkout service we measured first, then fixed the slow query.",
                asked_at=now,
                answered_at=now + timedelta(seconds=40),
            )
            now += timedelta(seconds=40)
            sequence += 1
    second = interview.turns.get(sequence=2)
    away = second.asked_at + timedelta(seconds=20)
    for event, at in (("tab_hidden", away), ("tab_visible", away + timedelta(seconds=47))):
        IntegrityEvent.objects.create(interview=interview, event=event, occurred_at=at, question_sequence=2)
    third = interview.turns.get(sequence=3)
    IntegrityEvent.objects.create(
        interview=interview,
        event="paste",
        occurred_at=third.asked_at + timedelta(seconds=30),
        question_sequence=3,
        detail={"chars": len(third.answer_text)},
    )


# No callback URL: nothing in these tests should try to reach an ATS on the internet.
BODY = {key: value for key, value in SEED_BODY.items() if key != "callbackUrl"}


def approved_link(ats, recruiter_client, recruiter, capture) -> tuple[Interview, str]:
    """A planned and approved interview, made through the API like an ATS and a recruiter would."""
    with capture(execute=True):
        run_id = ats.post(CREATE, BODY, format="json").json()["runId"]
    response = recruiter_client.post(
        f"{CREATE}/{run_id}/approve", {"approved": True, "userId": str(recruiter.id)}, format="json"
    )
    assert response.status_code == 200, response.content
    token = response.json()["interviewLink"].rsplit("/", 1)[1]
    return Interview.objects.get(run_id=run_id), token


def page_url(token: str) -> str:
    return f"/interview/join/{token}"


REVIEWED = {
    "points": 27.5,
    "score": 2,
    "needs_review": True,
    "review_reasons": ["keyword_list", "other_language", "prompted"],
    "prompted_concepts": ["connection pooling", "pool modes"],
}


def mark_for_review(interview, index: int = 3) -> dict:
    """Give question ``index`` of the stored assessment a needs-review score with prompted concepts."""
    assessment = interview.assessments.get()
    result = assessment.result
    score = next(q for q in result["question_scores"] if q["question_index"] == index)
    score.update(REVIEWED)
    score["matched_concepts"] = ["process per connection", "connection pooling", "pool modes"]
    assessment.save(update_fields=["result"])
    return score


def listed_interviews(organization, rows: list[dict]) -> list[Interview]:
    """Bare interviews for the lists, in bulk: each dict sets fields (state, position, score, ...).

    What the lists read is on the interview row (the copies the workflow keeps), so sorting
    and filtering tests need no plan or assessment behind them.
    """
    now = timezone.now()
    interviews = []
    for index, values in enumerate(rows):
        fields = {
            "state": State.ASSESSMENT_APPROVED,
            "candidate_name": f"Listed {index}",
            "candidate_email": f"listed{index}@example.com",
            "position": "Backend Engineer",
            "level": "MID",
            "created_at": now - timedelta(minutes=index),
            **values,
        }
        fields.setdefault("updated_at", fields["created_at"])
        if fields.get("score") is not None:
            fields.setdefault("recommendation", recommendation_for(int(fields["score"])))
            fields.setdefault("flag_count", 0)
        fields.update(id=uuid.uuid4(), run_id=uuid.uuid4(), organization=organization)
        interviews.append(Interview(**fields))
    return Interview.objects.bulk_create(interviews)


def vary_scores(interviews: list[Interview], scores: list[int]) -> None:
    """Give assessed interviews (clones of one) their own overall, recommendation and skill scores."""
    for interview, score in zip(interviews, scores, strict=True):
        assessment = Assessment.objects.get(interview=interview)
        result = dict(assessment.result)
        # Each skill a little around the overall, so the comparison has something to compare.
        skills = sorted(result.get("skill_scores") or {})
        result["skill_scores"] = {
            skill: round(max(1.0, min(5.0, score / 20 + (i - 1) * 0.3)), 2) for i, skill in enumerate(skills)
        }
        recommendation = recommendation_for(score)
        Assessment.objects.filter(pk=assessment.pk).update(
            overall=score, recommendation=recommendation, result=result
        )
        # What workflow.transition copied when the assessment arrived.
        Interview.objects.filter(pk=interview.pk).update(score=score, recommendation=recommendation)

"""What the LLM engine's tests share: driving an interview through the API and the candidate functions."""

from __future__ import annotations

import json

from interviews import assessing, live
from interviews.agents.base import InterviewRequest, Plan, plan_from_dict, to_dict
from interviews.agents.heuristic import HeuristicEngine
from interviews.models import AgentStep, Interview
from interviews.models import Turn as TurnRow
from tests.factories import SEED_BODY

CREATE = "/api/v1/a2a/interview"
GOOD_ANSWER = (
    "In production we weighed the trade-offs between consistency and speed. "
    "We added testing with unit tests, monitoring with metrics, and tuned performance for latency."
)


def use_fake_llm(settings, fake):
    """Point the LLM engine at ``fake`` (a ``tests.fake_llm.FakeLLM``)."""
    settings.AGENT_ENGINE = "llm"
    settings.LLM_PROVIDER = "openai-like"
    settings.LLM_BASE_URL = fake.url + "/v1"
    settings.LLM_MODEL = "fake-model"
    settings.LLM_API_KEY = "test"
    settings.LLM_TIMEOUT_SECONDS = 5
    settings.LLM_MAX_RETRIES = 2
    settings.LLM_MAX_FOLLOWUPS = 2
    return fake


def create(ats, capture, **overrides) -> str:
    with capture(execute=True):
        response = ats.post(CREATE, {**SEED_BODY, **overrides}, format="json")
    assert response.status_code == 201, response.content
    return response.json()["runId"]


def approve(recruiter_client, capture, run_id: str) -> None:
    with capture(execute=True):
        response = recruiter_client.post(f"{CREATE}/{run_id}/approve", {"approved": True}, format="json")
    assert response.status_code == 200, response.content


def drive(interview: Interview, capture, answer) -> None:
    """Take the interview from APPROVED to its end through the candidate functions."""
    with capture(execute=True):
        live.start(interview.id, "test-channel")
    for _ in range(60):
        pending = TurnRow.objects.filter(interview=interview, answered_at__isnull=True).last()
        if pending is None:
            break
        with capture(execute=True):
            live.store_answer(interview.id, pending.public_id, answer(pending))
    # The jobs ran eagerly on commit; these are idempotent and change nothing
    # when the interview already moved on.
    with capture(execute=True):
        live.step(interview.id)
    with capture(execute=True):
        assessing.assess(interview.id)


def steps(interview: Interview, step: str | None = None):
    rows = AgentStep.objects.filter(interview=interview).order_by("created_at", "id")
    return rows.filter(step=step) if step else rows


def bank_plan() -> Plan:
    """A plan as the app stores and reloads it: the heuristic engine's, through JSON."""
    engine = HeuristicEngine()
    request = InterviewRequest(position="Backend Engineer", level="SENIOR", skills=["Python", "PostgreSQL"])
    plan = engine.plan(request, engine.validate_skills(request))
    return plan_from_dict(json.loads(json.dumps(to_dict(plan))))

"""Every engine call is recorded as an AgentStep row, with either engine, and readable by operators."""

from __future__ import annotations

import pytest

from interviews.agents import get_engine
from interviews.agents.base import InterviewRequest
from interviews.agents.context import for_interview
from interviews.agents.heuristic import HeuristicEngine
from interviews.agents.recording import RecordingEngine
from interviews.models import AgentStep, Interview, State
from tests.llm_support import steps

pytestmark = pytest.mark.django_db


# --- recording and wiring ------------------------------------------------------------------


def test_heuristic_steps_are_recorded_too(settings, org):
    settings.AGENT_ENGINE = "heuristic"
    engine = get_engine()
    assert isinstance(engine, RecordingEngine) and isinstance(engine.engine, HeuristicEngine)
    assert engine.name == "heuristic" and get_engine() is engine
    interview = Interview.objects.create(
        organization=org, state=State.VALIDATING_SKILLS, position="Dev", level="MID"
    )
    request = InterviewRequest(position="Dev", level="MID", skills=["Python"])
    with for_interview(interview.id):
        engine.plan(request, engine.validate_skills(request))
    rows = list(steps(interview))
    assert [r.step for r in rows] == ["validate_skills", "plan"]
    for row in rows:
        assert (row.engine, row.outcome, row.provider, row.model, row.prompt_version) == (
            "heuristic",
            "ok",
            "",
            "",
            "",
        )
        assert row.input_tokens is None
    assert engine.last_outcome == "ok"


def test_an_engine_error_is_recorded_as_failed(settings, monkeypatch):
    settings.AGENT_ENGINE = "heuristic"

    def broken(self, request):
        raise RuntimeError("taxonomy missing")

    monkeypatch.setattr(HeuristicEngine, "validate_skills", broken)
    with pytest.raises(RuntimeError):
        get_engine().validate_skills(InterviewRequest(position="Dev", level="MID", skills=["Python"]))
    row = AgentStep.objects.get()
    assert (row.outcome, row.error) == ("failed", "RuntimeError: taxonomy missing")


def test_agent_steps_are_readable_in_the_operators_admin(rf, org):
    from django.contrib import admin

    import interviews.agents.admin_registration  # noqa: F401  (registers AgentStepAdmin)
    from accounts.models import User

    operator = User.objects.create_superuser("ops@acme.test", "S3cure-pass!", organization=org)
    AgentStep.objects.create(step="plan", engine="llm", provider="openai", model="m", outcome="fallback")
    model_admin = admin.site._registry[AgentStep]
    request = rf.get("/ops/interviews/agentstep/")
    request.user = operator
    response = model_admin.changelist_view(request)
    response.render()
    assert response.status_code == 200
    assert b"fallback" in response.content
    assert not model_admin.has_add_permission(request)
    assert not model_admin.has_change_permission(request, AgentStep.objects.get())

"""A regenerated plan says which part of the feedback it could not do."""

from __future__ import annotations

import pytest

from interviews.agents.base import InterviewRequest
from interviews.agents.feedback_gaps import FEEDBACK_GAPS_LABEL, feedback_gaps, with_gaps
from interviews.agents.heuristic import HeuristicEngine
from tests.factories import CREATE


def _gaps(feedback: str, level: str = "SENIOR") -> list[str]:
    engine = HeuristicEngine()
    request = InterviewRequest(position="Backend Engineer", level=level, skills=["Python", "PostgreSQL"])
    validation = engine.validate_skills(request)
    plan = engine.plan(request, validation, feedback=feedback, version=2)
    return feedback_gaps(feedback, [s.name for s in validation.valid], plan, level)


def test_feedback_the_plan_answers_has_no_gaps():
    assert _gaps("More focus on PostgreSQL. Harder questions.") == []
    assert _gaps("Go deeper on Python.") == []  # "Go" here is not the Go skill
    assert _gaps("") == []


def test_a_skill_the_interview_does_not_have_is_named():
    (gap,) = _gaps("More Kafka questions please.")
    assert gap.startswith("Kafka is not among this interview's skills")


def test_a_request_naming_no_known_skill_is_named():
    (gap,) = _gaps("More focus on Elixir.")
    assert "“More focus on Elixir” names no skill the question bank knows" in gap


def test_a_level_move_past_the_edge_is_named():
    assert _gaps("Easier questions please.", level="JUNIOR") == [
        "the questions are already at the easiest level"
    ]


def test_gaps_follow_the_summary():
    assert with_gaps("Plan.", []) == "Plan."
    assert with_gaps("Plan.", ["a", "b"]) == f"Plan. {FEEDBACK_GAPS_LABEL} a; b."


@pytest.mark.django_db
def test_api_and_page_show_what_the_new_version_could_not_do(
    ats, recruiter_client, pending, django_capture_on_commit_callbacks, client, recruiter
):
    feedback = "More focus on Kafka and Elixir, please"
    with django_capture_on_commit_callbacks(execute=True):
        response = recruiter_client.post(
            f"{CREATE}/{pending.run_id}/approve",
            {"approved": False, "regenerate": True, "feedback": feedback},
            format="json",
        )
    assert response.status_code == 200, response.content
    plan = ats.get(f"{CREATE}/{pending.run_id}/plan").json()
    assert plan["version"] == 2 and plan["feedback"] == feedback
    assert f"{FEEDBACK_GAPS_LABEL} Kafka is not among this interview's skills" in plan["summary"]
    client.force_login(recruiter)
    html = client.get(f"/admin/interviews/{pending.run_id}/plan").content.decode()
    assert "could not do all of it" in html
    assert "This version answers the feedback" not in html

"""Assessment review and decisions on the pages, and the report."""

from __future__ import annotations

import pytest

from approvals.models import Approval
from interviews.models import Interview, State
from tests.pages import messages_of

pytestmark = pytest.mark.django_db


def state_of(interview) -> str:
    return Interview.objects.get(pk=interview.pk).state


def test_the_assessment_page_shows_transcript_scores_and_flags(web, assessed):
    response = web.get(f"/admin/interviews/{assessed.run_id}/assessment")
    html = response.content.decode()
    assessment = assessed.assessments.get()
    assert f'data-testid="ai-score">{assessment.overall}<' in html
    assert "Follow-up question" in html
    assert "In our checkout service we measured first" in html
    assert "Left the tab" in html and "Pasted text" in html
    assert "during question" in html
    rows = response.context["rows"]
    assert len(rows) == assessed.current_plan.questions.count()
    assert all(row["score"] for row in rows)
    assert any(row["score"]["evidence"] for row in rows)
    for skill in assessment.result["skill_scores"]:
        assert skill in html


def test_approve_the_assessment(web, recruiter, assessed, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        response = web.post(f"/admin/interviews/{assessed.run_id}/assessment/decide", {"action": "approve"})
    assert response.status_code == 302
    interview = Interview.objects.get(pk=assessed.pk)
    assert interview.state == State.ASSESSMENT_APPROVED
    assessment = interview.assessments.get()
    assert (assessment.decided_score, assessment.decided_recommendation) == (
        assessment.overall,
        assessment.recommendation,
    )
    assert assessment.approved_by == recruiter
    data = interview.events.get(type="interview.assessment_approved").payload["data"]
    assert data["reportUrl"].endswith(f"/admin/interviews/{assessed.run_id}/report")
    assert data["overridden"] is False


def test_an_override_needs_a_reason(web, assessed):
    response = web.post(
        f"/admin/interviews/{assessed.run_id}/assessment/decide",
        {"action": "override", "score": "40", "recommendation": "NO_HIRE", "reason": ""},
    )
    assert response.status_code == 400
    assert "An override needs a reason" in response.content.decode()
    assert state_of(assessed) == State.ASSESSMENT_PENDING

    response = web.post(
        f"/admin/interviews/{assessed.run_id}/assessment/decide",
        {"action": "override", "score": "", "recommendation": "", "reason": "Gut feeling"},
    )
    assert response.status_code == 400
    assert "Give the final score, the final recommendation, or both." in response.content.decode()

    response = web.post(
        f"/admin/interviews/{assessed.run_id}/assessment/decide",
        {"action": "override", "score": "140", "reason": "Too high"},
    )
    assert response.status_code == 400
    assert state_of(assessed) == State.ASSESSMENT_PENDING


def test_override_keeps_the_ai_values_beside_the_final_ones(web, assessed):
    ai = assessed.assessments.get()
    response = web.post(
        f"/admin/interviews/{assessed.run_id}/assessment/decide",
        {
            "action": "override",
            "score": "42",
            "recommendation": "LEAN_NO_HIRE",
            "reason": "Weak on SQL in person",
        },
    )
    assert response.status_code == 302
    assessment = Interview.objects.get(pk=assessed.pk).assessments.get()
    assert (assessment.overall, assessment.recommendation) == (ai.overall, ai.recommendation)
    assert (assessment.decided_score, assessment.decided_recommendation) == (42, "LEAN_NO_HIRE")
    assert assessment.override_reason == "Weak on SQL in person"
    approval = Approval.objects.get(interview=assessed, kind=Approval.Kind.ASSESSMENT)
    assert approval.overrides == {"score": 42, "recommendation": "LEAN_NO_HIRE"}

    report = web.get(f"/admin/interviews/{assessed.run_id}/report").content.decode()
    assert 'data-testid="final-score">42<' in report
    assert f"The AI assessed {ai.overall}/100" in report
    assert "Weak on SQL in person" in report
    assert "Draft" not in report


def test_override_of_the_score_only(web, assessed):
    ai = assessed.assessments.get()
    web.post(
        f"/admin/interviews/{assessed.run_id}/assessment/decide",
        {"action": "override", "score": "77", "recommendation": "", "reason": "Strong pairing session"},
    )
    assessment = Interview.objects.get(pk=assessed.pk).assessments.get()
    assert (assessment.decided_score, assessment.decided_recommendation) == (77, ai.recommendation)


def test_the_report_before_approval_is_marked_draft(web, assessed):
    html = web.get(f"/admin/interviews/{assessed.run_id}/report").content.decode()
    assert "Draft: this assessment has not been approved" in html
    assert "report.css" in html


def test_no_report_without_an_assessment(web, pending):
    assert web.get(f"/admin/interviews/{pending.run_id}/report").status_code == 404


def test_assessment_decided_twice_is_a_message(web, assessed):
    web.post(f"/admin/interviews/{assessed.run_id}/assessment/decide", {"action": "approve"})
    response = web.post(
        f"/admin/interviews/{assessed.run_id}/assessment/decide", {"action": "approve"}, follow=True
    )
    assert response.status_code == 200
    assert any("only an assessment awaiting a decision" in m for m in messages_of(response))

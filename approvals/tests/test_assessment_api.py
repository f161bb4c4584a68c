"""POST /api/v1/a2a/interview/{runId}/assessment/approve: approve, override, or disagree."""

from __future__ import annotations

import pytest

from approvals.models import Approval
from interviews.models import Interview, State

pytestmark = pytest.mark.django_db


def decide(client, interview, body):
    return client.post(f"/api/v1/a2a/interview/{interview.run_id}/assessment/approve", body, format="json")


def approved_event(interview) -> dict:
    return interview.events.get(type="interview.assessment_approved").payload["data"]


def test_approve_as_it_is(recruiter_client, recruiter, assessed):
    response = decide(recruiter_client, assessed, {"approved": True, "userId": str(recruiter.id)})
    assert response.status_code == 200, response.content
    assert response.json() == {"message": "Assessment approved.", "workflowState": "ASSESSMENT_APPROVED"}
    assessment = assessed.assessments.get()
    assert (assessment.decided_score, assessment.decided_recommendation) == (
        assessment.overall,
        assessment.recommendation,
    )
    assert not assessment.is_overridden
    assert assessed.approvals.get(kind=Approval.Kind.ASSESSMENT).decision == Approval.Decision.APPROVED
    data = approved_event(assessed)
    assert (data["score"], data["overridden"]) == (assessment.overall, False)
    body = recruiter_client.get(f"/api/v1/a2a/interview/{assessed.run_id}/assessment").json()
    assert body["decision"]["score"] == assessment.overall
    assert body["decision"]["overridden"] is False


def test_null_overrides_are_no_override(recruiter_client, assessed):
    body = {"approved": True, "overrides": {"score": None, "recommendation": None}}
    assert decide(recruiter_client, assessed, body).status_code == 200
    assert not assessed.assessments.get().is_overridden


def test_override_needs_a_reason(recruiter_client, assessed):
    response = decide(recruiter_client, assessed, {"approved": True, "overrides": {"score": 40}})
    assert response.status_code == 400
    assert response.json()["error"]["fields"] == {"feedback": "A reason is required when overriding."}
    assert Interview.objects.get(pk=assessed.pk).state == State.ASSESSMENT_PENDING


def test_override(recruiter_client, assessed):
    body = {"approved": True, "overrides": {"recommendation": "NO_HIRE"}, "feedback": "Checked references"}
    assert decide(recruiter_client, assessed, body).status_code == 200
    assessment = assessed.assessments.get()
    assert (assessment.final_score, assessment.final_recommendation) == (assessment.overall, "NO_HIRE")
    assert assessment.override_reason == "Checked references"
    assert assessed.approvals.get(kind=Approval.Kind.ASSESSMENT).decision == Approval.Decision.APPROVED
    data = approved_event(assessed)
    assert (data["recommendation"], data["aiRecommendation"], data["overridden"]) == (
        "NO_HIRE",
        assessment.recommendation,
        True,
    )


def test_disagreeing_needs_the_recruiters_values(recruiter_client, assessed):
    response = decide(recruiter_client, assessed, {"approved": False, "feedback": "No"})
    assert response.status_code == 400
    assert response.json()["error"]["fields"] == {"overrides": "Required when approved is false."}
    assert Interview.objects.get(pk=assessed.pk).state == State.ASSESSMENT_PENDING


def test_disagree_with_values(recruiter_client, assessed):
    body = {"approved": False, "overrides": {"score": 30}, "feedback": "Answers were read aloud"}
    assert decide(recruiter_client, assessed, body).status_code == 200
    assessment = assessed.assessments.get()
    assert (assessment.decided_score, assessment.is_overridden) == (30, True)
    approval = assessed.approvals.get(kind=Approval.Kind.ASSESSMENT)
    assert (approval.decision, approval.overrides) == (Approval.Decision.REJECTED, {"score": 30})
    assert Interview.objects.get(pk=assessed.pk).state == State.ASSESSMENT_APPROVED


def test_only_an_assessment_awaiting_a_decision(recruiter_client, pending):
    response = decide(recruiter_client, pending, {"approved": True})
    assert response.status_code == 409
    assert response.json()["error"]["fields"] == {"state": "PENDING"}

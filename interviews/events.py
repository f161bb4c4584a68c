"""The webhook contract: one builder per event, named as in the README's event table.

Each function returns the event's ``data`` object (``sequence`` is added when the
event is recorded). ``EVENTS`` maps an interview's state to the event an ATS
receives when the interview enters it; events that are not state changes
(``interview.completed``) are recorded with ``workflow.record_event``.
"""

from __future__ import annotations

from .models import State

EVENTS: dict[str, str] = {
    State.INFO_NEEDED: "interview.info_needed",
    State.PENDING: "interview.plan_generated",
    State.APPROVED: "interview.plan_approved",
    State.REJECTED: "interview.plan_rejected",
    State.IN_PROGRESS: "interview.started",
    State.ASSESSMENT_PENDING: "interview.assessment_generated",
    State.ASSESSMENT_APPROVED: "interview.assessment_approved",
    State.CANCELLED: "interview.cancelled",
    State.EXPIRED: "interview.expired",
    State.FAILED: "interview.failed",
}


def info_needed(missing_fields: list[str], reason: str = "") -> dict:
    """`reason` only when no skill was recognised."""
    return {"missingFields": list(missing_fields), **({"reason": reason} if reason else {})}


def plan_generated(plan) -> dict:
    return {"planId": str(plan.id), "version": plan.version}


def plan_approved(plan_id, link: str, expires_at) -> dict:
    return {"planId": str(plan_id), "interviewLink": link, "expiresAt": expires_at.isoformat()}


def plan_rejected(plan_id, feedback: str, regenerate: bool) -> dict:
    return {"planId": str(plan_id), "feedback": feedback, "regenerate": regenerate}


def started() -> dict:
    return {}


def completed(answered_questions: int, abandoned: bool = False) -> dict:
    """`abandoned` only when true."""
    return {"answeredQuestions": answered_questions, **({"abandoned": True} if abandoned else {})}


def assessment_generated(assessment) -> dict:
    return {"assessmentId": str(assessment.id)}


def assessment_approved(assessment, *, report_url: str) -> dict:
    return {
        "assessmentId": str(assessment.id),
        "score": assessment.final_score,
        "recommendation": assessment.final_recommendation,
        "aiScore": assessment.overall,
        "aiRecommendation": assessment.recommendation,
        "overridden": assessment.is_overridden,
        "reportUrl": report_url,
    }


def cancelled(reason: str = "") -> dict:
    return {"reason": reason} if reason else {}


def expired() -> dict:
    return {}


def failed(reason: str) -> dict:
    return {"reason": reason}


def erased(erasure) -> dict:
    """The candidate's personal data is gone; the interview's history and scores stay."""
    return {"erasedAt": erasure.erased_at.isoformat(), "erasedBy": erasure.actor_label}

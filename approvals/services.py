"""Recruiters' decisions, one function each. The API and the dashboard pages both call these."""

from __future__ import annotations

from dataclasses import dataclass

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from interview_platform.api import Invalid, WrongState
from interviews import events, mailing, plan_queue, selectors, workflow
from interviews.events import EVENTS
from interviews.joining import mint_join_link
from interviews.models import Assessment, Interview, State

from .models import Approval
from .plan_editing import StalePlan


@dataclass(frozen=True)
class Decision:
    message: str
    workflow_state: str
    interview_link: str | None = None


# --- plans ------------------------------------------------------------------------------


def _lock_pending_plan(interview: Interview, expected_plan_id) -> Interview:
    """The interview, locked, with a PENDING plan that is still the one the recruiter reviewed.

    ``expected_plan_id`` is the version the recruiter reviewed; when given and
    someone has saved another version since, nothing is decided (StalePlan).
    """
    # Lock first so two recruiters deciding at once cannot both win.
    interview = Interview.objects.select_for_update().get(pk=interview.pk)
    if interview.state != State.PENDING or interview.current_plan_id is None:
        raise WrongState(
            f"The interview is {interview.state}; only a PENDING plan can be decided.",
            fields={"state": interview.state},
        )
    if expected_plan_id is not None and str(expected_plan_id) != str(interview.current_plan_id):
        # Checked under the lock: an edit saved a moment ago must not be approved unseen.
        current = interview.current_plan.version
        raise StalePlan(
            f"The plan changed since you opened it (now version {current}). Review it again.",
            fields={"planVersion": current},
        )
    return interview


def _record_plan_decision(user, interview: Interview, decision: str, feedback: str) -> None:
    Approval.objects.create(
        interview=interview,
        kind=Approval.Kind.PLAN,
        plan_id=interview.current_plan_id,
        decision=decision,
        decided_by=user,
        feedback=feedback,
    )


@transaction.atomic
def plan_approve(user, interview: Interview, *, feedback: str = "", expected_plan_id=None) -> Decision:
    """Approve the current plan: the candidate's join link is minted and sent to the ATS."""
    interview = _lock_pending_plan(interview, expected_plan_id)
    plan_id = interview.current_plan_id
    link, changes = mint_join_link(interview)
    _record_plan_decision(user, interview, Approval.Decision.APPROVED, feedback)
    workflow.transition(
        interview,
        State.APPROVED,
        actor=workflow.Actor.of(user),
        reason=feedback or "plan approved",
        changes=changes,
        event_data=events.plan_approved(plan_id, link, changes["join_expires_at"]),
    )
    # The job reads the link from the event just recorded: only the token's hash is stored.
    mailing.invite(interview)
    return Decision("Interview plan approved. Candidate link generated.", State.APPROVED, link)


@transaction.atomic
def plan_reject(user, interview: Interview, *, feedback: str = "", expected_plan_id=None) -> Decision:
    """Reject the plan; the interview ends (REJECTED)."""
    interview = _lock_pending_plan(interview, expected_plan_id)
    plan_id = interview.current_plan_id
    _record_plan_decision(user, interview, Approval.Decision.REJECTED, feedback)
    workflow.transition(
        interview,
        State.REJECTED,
        actor=workflow.Actor.of(user),
        reason=feedback or "plan rejected",
        event_data=events.plan_rejected(plan_id, feedback, False),
    )
    return Decision("Interview plan rejected.", State.REJECTED)


@transaction.atomic
def plan_regenerate(user, interview: Interview, *, feedback: str = "", expected_plan_id=None) -> Decision:
    """Reject the plan and have a new version written with the feedback (back to PENDING)."""
    interview = _lock_pending_plan(interview, expected_plan_id)
    plan_id = interview.current_plan_id
    _record_plan_decision(user, interview, Approval.Decision.REGENERATE, feedback)
    workflow.transition(
        interview,
        State.VALIDATING_SKILLS,
        actor=workflow.Actor.of(user),
        reason=f"plan rejected, regenerating: {feedback}" if feedback else "plan rejected, regenerating",
        # Planning reads the feedback from the interview; set in the same transition.
        changes={"plan_feedback": feedback},
        # The ATS hears of the rejection (with regenerate: true), then of the new plan.
        event=EVENTS[State.REJECTED],
        event_data=events.plan_rejected(plan_id, feedback, True),
    )
    plan_queue.request(interview.id)
    return Decision(
        "Interview plan rejected. A new plan version is being generated with your feedback.",
        State.VALIDATING_SKILLS,
    )


# --- assessments ------------------------------------------------------------------------
# The AI's values stay on the row; the recruiter's final values sit beside them.


def _lock_pending_assessment(interview: Interview) -> tuple[Interview, Assessment]:
    interview = Interview.objects.select_for_update().get(pk=interview.pk)
    if interview.state != State.ASSESSMENT_PENDING:
        raise WrongState(
            f"The interview is {interview.state}; only an assessment awaiting a decision can be decided.",
            fields={"state": interview.state},
        )
    return interview, selectors.latest_assessment(interview)


def _require_reason(reason: str) -> None:
    if not reason.strip():
        raise Invalid(
            "An override needs a reason.", fields={"feedback": "A reason is required when overriding."}
        )


def _decide_assessment(
    user, interview: Interview, assessment: Assessment, decision: str, overrides: dict, feedback: str
) -> Decision:
    """Store the final values and the decision, and tell the ATS (ASSESSMENT_APPROVED)."""
    assessment.approved_by = user
    assessment.approved_at = timezone.now()
    assessment.decided_score = overrides.get("score", assessment.overall)
    assessment.decided_recommendation = overrides.get("recommendation", assessment.recommendation)
    assessment.override_reason = feedback if overrides else ""
    assessment.save(
        update_fields=[
            "approved_by",
            "approved_at",
            "decided_score",
            "decided_recommendation",
            "override_reason",
        ]
    )
    Approval.objects.create(
        interview=interview,
        kind=Approval.Kind.ASSESSMENT,
        plan_id=assessment.plan_id,
        decision=decision,
        decided_by=user,
        feedback=feedback,
        overrides=overrides,
    )
    report_url = f"{settings.PUBLIC_BASE_URL}/admin/interviews/{interview.run_id}/report"
    workflow.transition(
        interview,
        State.ASSESSMENT_APPROVED,
        actor=workflow.Actor.of(user),
        reason=f"overridden: {feedback}" if overrides else (feedback or "assessment approved"),
        event_data=events.assessment_approved(assessment, report_url=report_url),
    )
    return Decision("Assessment approved.", State.ASSESSMENT_APPROVED)


@transaction.atomic
def assessment_approve(user, interview: Interview, *, feedback: str = "") -> Decision:
    """Approve the AI's assessment as it is."""
    interview, assessment = _lock_pending_assessment(interview)
    return _decide_assessment(user, interview, assessment, Approval.Decision.APPROVED, {}, feedback)


@transaction.atomic
def assessment_override(user, interview: Interview, *, overrides: dict, reason: str) -> Decision:
    """Approve the assessment with the recruiter's score and/or recommendation instead of the AI's."""
    interview, assessment = _lock_pending_assessment(interview)
    if not overrides:
        raise Invalid(
            "An override needs the score and/or recommendation you decide.",
            fields={"overrides": "Required for an override."},
        )
    _require_reason(reason)
    return _decide_assessment(user, interview, assessment, Approval.Decision.APPROVED, overrides, reason)


@transaction.atomic
def assessment_reject(user, interview: Interview, *, overrides: dict, reason: str) -> Decision:
    """Disagree with the assessment: recorded as rejected, with the recruiter's values.

    The interview is over either way, so a rejection is an override: the
    recruiter's values are what the ATS receives.
    """
    interview, assessment = _lock_pending_assessment(interview)
    if not overrides:
        raise Invalid(
            "To disagree with the assessment, give the score and/or recommendation you decide.",
            fields={"overrides": "Required when approved is false."},
        )
    _require_reason(reason)
    return _decide_assessment(user, interview, assessment, Approval.Decision.REJECTED, overrides, reason)

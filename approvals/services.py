"""Recruiters' decisions. The API and the dashboard pages both call these."""

from __future__ import annotations

from dataclasses import dataclass

from django.db import transaction

from interview_platform.api import Forbidden, Invalid, WrongState
from interview_platform.jobs import enqueue_on_commit
from interviews import events, workflow
from interviews.events import EVENTS
from interviews.joining import mint_join_link
from interviews.models import Interview, State

from .models import Approval
from .plan_editing import StalePlan


@dataclass(frozen=True)
class PlanDecision:
    message: str
    workflow_state: str
    interview_link: str | None = None


def check_acting_user(user, user_id) -> None:
    """A userId in a body must name the signed-in user: no deciding for someone else."""
    if user_id is not None and str(user_id) != str(user.id):
        raise Forbidden("userId must be the id of the signed-in user.", fields={"userId": str(user_id)})


@transaction.atomic
def decide_plan(
    user,
    interview: Interview,
    *,
    approved: bool,
    feedback: str = "",
    regenerate: bool = False,
    expected_plan_id=None,
) -> PlanDecision:
    """Approve, reject, or reject and regenerate the interview's current plan.

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
    actor = workflow.Actor.of(user)
    plan_id = str(interview.current_plan_id)
    if approved:
        link, changes = mint_join_link(interview)
        Approval.objects.create(
            interview=interview,
            kind=Approval.Kind.PLAN,
            plan_id=interview.current_plan_id,
            decision=Approval.Decision.APPROVED,
            decided_by=user,
            feedback=feedback,
        )
        workflow.transition(
            interview,
            State.APPROVED,
            actor=actor,
            reason=feedback or "plan approved",
            changes=changes,
            event_data=events.plan_approved(plan_id, link, changes["join_expires_at"]),
        )
        return PlanDecision("Interview plan approved. Candidate link generated.", State.APPROVED, link)

    decision = Approval.Decision.REGENERATE if regenerate else Approval.Decision.REJECTED
    Approval.objects.create(
        interview=interview,
        kind=Approval.Kind.PLAN,
        plan_id=interview.current_plan_id,
        decision=decision,
        decided_by=user,
        feedback=feedback,
    )
    event_data = events.plan_rejected(plan_id, feedback, regenerate)
    if not regenerate:
        workflow.transition(
            interview, State.REJECTED, actor=actor, reason=feedback or "plan rejected", event_data=event_data
        )
        return PlanDecision("Interview plan rejected.", State.REJECTED)

    workflow.transition(
        interview,
        State.VALIDATING_SKILLS,
        actor=actor,
        reason=f"plan rejected, regenerating: {feedback}" if feedback else "plan rejected, regenerating",
        changes={"plan_feedback": feedback},
        event=EVENTS[State.REJECTED],
        event_data=event_data,
    )
    enqueue_on_commit("interviews.tasks.validate_and_plan", str(interview.id))
    return PlanDecision(
        "Interview plan rejected. A new plan version is being generated with your feedback.",
        State.VALIDATING_SKILLS,
    )


@transaction.atomic
def decide_assessment(
    user,
    interview: Interview,
    *,
    approved: bool,
    overrides: dict | None = None,
    feedback: str = "",
) -> PlanDecision:
    """Approve the AI's assessment, optionally overriding score and recommendation (with a reason).

    The AI's values stay on the row; the recruiter's final values sit beside them.
    Rejecting an assessment is approving it with overrides: the interview is over
    either way, and the recruiter's values are what the ATS receives.
    """
    from django.conf import settings
    from django.utils import timezone

    interview = Interview.objects.select_for_update().get(pk=interview.pk)
    if interview.state != State.ASSESSMENT_PENDING:
        raise WrongState(
            f"The interview is {interview.state}; only an assessment awaiting a decision can be decided.",
            fields={"state": interview.state},
        )
    assessment = interview.assessments.order_by("-created_at").first()
    overrides = {k: v for k, v in (overrides or {}).items() if v is not None}
    if not approved and not overrides:
        raise Invalid(
            "To disagree with the assessment, give the score and/or recommendation you decide.",
            fields={"overrides": "Required when approved is false."},
        )
    if overrides and not feedback.strip():
        raise Invalid(
            "An override needs a reason.", fields={"feedback": "A reason is required when overriding."}
        )
    final_overall = overrides.get("score", assessment.overall)
    final_recommendation = overrides.get("recommendation", assessment.recommendation)
    assessment.approved_by = user
    assessment.approved_at = timezone.now()
    assessment.final_overall = final_overall
    assessment.final_recommendation = final_recommendation
    assessment.override_reason = feedback if overrides else ""
    assessment.save(
        update_fields=[
            "approved_by",
            "approved_at",
            "final_overall",
            "final_recommendation",
            "override_reason",
        ]
    )
    Approval.objects.create(
        interview=interview,
        kind=Approval.Kind.ASSESSMENT,
        plan_id=assessment.plan_id,
        decision=Approval.Decision.APPROVED if approved else Approval.Decision.REJECTED,
        decided_by=user,
        feedback=feedback,
        overrides=overrides,
    )
    report_url = f"{settings.PUBLIC_BASE_URL}/admin/interviews/{interview.run_id}/report"
    workflow.transition(
        interview,
        State.ASSESSMENT_APPROVED,
        actor=workflow.Actor.of(user),
        reason=(f"overridden: {feedback}" if overrides else (feedback or "assessment approved")),
        event_data=events.assessment_approved(assessment, overridden=bool(overrides), report_url=report_url),
    )
    return PlanDecision("Assessment approved.", State.ASSESSMENT_APPROVED, None)

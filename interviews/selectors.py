"""Reading interviews, always starting from the caller's organization."""

from __future__ import annotations

import uuid

from django.db.models import Avg, Count, Sum
from django.http import Http404

from .events import EVENTS
from .models import Assessment, Erasure, Interview, State


def interview_for(principal, run_id, *, for_update: bool = False) -> Interview:
    """The caller's interview by runId; another organization's is a 404, like a missing one."""
    try:
        run_uuid = uuid.UUID(str(run_id))
    except ValueError:
        raise Http404 from None
    queryset = Interview.objects.for_organization(principal.organization_id).select_related("organization")
    if for_update:
        # Lock the interview only, not the joined organization row.
        queryset = queryset.select_for_update(of=("self",))
    try:
        return queryset.get(run_id=run_uuid)
    except Interview.DoesNotExist:
        raise Http404 from None


def latest_assessment(interview: Interview) -> Assessment | None:
    """The interview's newest assessment (the one a recruiter decides), with its decider."""
    return interview.assessments.select_related("approved_by").order_by("-created_at").first()


def history(interview: Interview) -> list[dict]:
    return [
        {"state": change.to_state, "at": change.created_at}
        for change in interview.state_changes.order_by("created_at", "id")
    ]


def latest_event_payload(interview: Interview, event_type: str) -> dict | None:
    event = interview.events.filter(type=event_type).order_by("-sequence").first()
    return event.payload if event else None


def interview_link(interview: Interview) -> str | None:
    """The link as the ATS was told it (from the plan_approved event), while it can be used."""
    if interview.state not in (State.APPROVED, State.IN_PROGRESS):
        return None
    payload = latest_event_payload(interview, EVENTS[State.APPROVED])
    return payload["data"].get("interviewLink") if payload else None


def info_needed_message(interview: Interview, missing: list[str]) -> str:
    return (
        f"Interview request accepted, but information is missing: {', '.join(missing)}. "
        f"Send it with PATCH /api/v1/a2a/interview/{interview.run_id}."
    )


def created_body(interview: Interview) -> dict:
    """The answer to the request that created ``interview``."""
    body = {
        "runId": str(interview.run_id),
        "interviewId": str(interview.id),
        "state": interview.state,
        "message": "Interview request accepted. Skill validation in progress.",
        "dataQuality": interview.data_quality,
    }
    if interview.state == State.INFO_NEEDED:
        body["message"] = info_needed_message(interview, interview.missing_fields)
        body["missingFields"] = interview.missing_fields
    return body


def status_body(interview: Interview) -> dict:
    assessment = latest_assessment(interview)
    return {
        "runId": interview.run_id,
        "interviewId": interview.id,
        "externalId": interview.external_id,
        "state": interview.state,
        "dataQuality": interview.data_quality,
        "missingFields": interview.missing_fields,
        "infoReason": interview.info_reason,
        "planId": interview.current_plan_id,
        "interviewLink": interview_link(interview),
        "assessmentId": assessment.id if assessment else None,
        "updatedAt": interview.updated_at,
        "erasedAt": erased_at(interview),
        "history": history(interview),
    }


def erased_at(interview: Interview):
    erasure = Erasure.objects.filter(interview=interview).only("erased_at").first()
    return erasure.erased_at if erasure else None


def agent_step_summary(interview: Interview) -> list[dict]:
    """Per step, engine and outcome: how many calls, how long, how many tokens."""
    return list(
        interview.agent_steps.values("step", "engine", "provider", "model", "outcome")
        .annotate(
            calls=Count("id"),
            avg_latency_ms=Avg("latency_ms"),
            input_tokens=Sum("input_tokens"),
            output_tokens=Sum("output_tokens"),
        )
        .order_by("step", "engine", "outcome")
    )

"""Reading interviews, always starting from the caller's organization."""

from __future__ import annotations

import uuid
from types import SimpleNamespace

from django.db.models import Avg, Count, OuterRef, Subquery, Sum
from django.http import Http404

from interview_platform.prepared import Prepared
from webhooks.models import Event

from .events import EVENTS
from .models import Assessment, Erasure, Interview, State, StateChange

# What the status body needs besides the interview row, read in the same query
# (see ``status_for``); ``status_body`` reads them itself on other instances.
_LINK_EVENT = EVENTS[State.APPROVED]
STATUS_FIELDS = (
    "id",
    "run_id",
    "organization_id",
    "external_id",
    "state",
    "data_quality",
    "missing_fields",
    "info_reason",
    "current_plan_id",
    "updated_at",
)


def _status_query(organization_id, run_id):
    here = OuterRef("pk")
    return (
        Interview.objects.for_organization(organization_id)
        .filter(run_id=run_id)
        .annotate(
            **{
                "status_assessment_id": Subquery(
                    Assessment.objects.filter(interview=here).order_by("-created_at").values("id")[:1]
                ),
                "status_erased_at": Subquery(Erasure.objects.filter(interview=here).values("erased_at")[:1]),
                "status_link": Subquery(
                    Event.objects.filter(interview=here, type=_LINK_EVENT)
                    .order_by("-sequence")
                    .values("payload__data__interviewLink")[:1]
                ),
            }
        )
        .values(*STATUS_FIELDS, "status_assessment_id", "status_erased_at", "status_link")
    )


# Compiled once: the status endpoint runs these on every request.
_STATUS = Prepared(_status_query, arguments=2)
_HISTORY = Prepared(
    lambda interview_id: (
        StateChange.objects.filter(interview_id=interview_id)
        .order_by("created_at", "id")
        .values("to_state", "created_at")
    ),
    arguments=1,
)


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


def status_for(principal, run_id) -> dict:
    """The status body of the caller's interview: two queries (the row with its facts, the history)."""
    try:
        run_uuid = uuid.UUID(str(run_id))
    except ValueError:
        raise Http404 from None
    found = _STATUS.rows(principal.organization_id, run_uuid)
    if not found:
        raise Http404
    # The row with its facts, read as attributes by ``status_body`` as on an Interview.
    return status_body(SimpleNamespace(**found[0]))


def latest_assessment(interview: Interview) -> Assessment | None:
    """The interview's newest assessment (the one a recruiter decides), with its decider."""
    return interview.assessments.select_related("approved_by").order_by("-created_at").first()


def history(interview: Interview) -> list[dict]:
    return [{"state": row["to_state"], "at": row["created_at"]} for row in _HISTORY.rows(interview.id)]


def latest_event_payload(interview: Interview, event_type: str) -> dict | None:
    event = interview.events.filter(type=event_type).order_by("-sequence").first()
    return event.payload if event else None


def interview_link(interview: Interview) -> str | None:
    """The link as the ATS was told it (from the plan_approved event), while it can be used."""
    if interview.state not in (State.APPROVED, State.IN_PROGRESS):
        return None
    if hasattr(interview, "status_link"):
        return interview.status_link
    payload = latest_event_payload(interview, _LINK_EVENT)
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
    if hasattr(interview, "status_assessment_id"):  # read with the row by status_for
        assessment_id, erased = interview.status_assessment_id, interview.status_erased_at
    else:
        assessment = latest_assessment(interview)
        assessment_id, erased = (assessment.id if assessment else None), erased_at(interview)
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
        "assessmentId": assessment_id,
        "updatedAt": interview.updated_at,
        "erasedAt": erased,
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

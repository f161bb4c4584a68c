"""Reading interviews, always starting from the caller's organization."""

from __future__ import annotations

import uuid

from django.http import Http404

from .models import Assessment, Interview


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


def agent_step_summary(interview: Interview) -> list[dict]:
    """Per step, engine and outcome: how many calls, how long, how many tokens."""
    from django.db.models import Avg, Count, Sum

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

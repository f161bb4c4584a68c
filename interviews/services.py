"""Interview use cases: intake (create, complete missing data) and cancel."""

from __future__ import annotations

import hashlib
import json

from django.db import IntegrityError, transaction
from django.utils import timezone

from interview_platform.api import IdempotencyConflict, WrongState

from . import effects, events, plan_queue, selectors, workflow
from .models import DataQuality, IdempotencyRecord, Interview, State
from .serializers import FIELD_MAP, REQUIRED_FIELDS

# --- data quality ---------------------------------------------------------------
# EXCELLENT: everything required, a callbackUrl, >= 3 skills, a job description of
#            at least 100 characters.
# GOOD:      everything required, >= 2 skills, a job description of at least 40.
# FAIR:      everything required.
# POOR:      something required is missing (the interview waits in INFO_NEEDED).


def missing_fields(interview: Interview) -> list[str]:
    missing = []
    for wire in REQUIRED_FIELDS:
        value = getattr(interview, FIELD_MAP[wire])
        if value in (None, "", []):
            missing.append(wire)
    return missing


def data_quality(interview: Interview, missing: list[str]) -> str:
    if missing:
        return DataQuality.POOR
    description = len(interview.job_description.strip())
    skills = len(interview.skills)
    if interview.callback_url and skills >= 3 and description >= 100:
        return DataQuality.EXCELLENT
    if skills >= 2 and description >= 40:
        return DataQuality.GOOD
    return DataQuality.FAIR


def _request_hash(data: dict) -> str:
    return hashlib.sha256(json.dumps(data, sort_keys=True, separators=(",", ":")).encode()).hexdigest()


def request_interview(principal, values: dict, raw_body: dict, idempotency_key: str = "") -> tuple[int, dict]:
    """Create an interview from an ATS request; returns (status code, body).

    With an Idempotency-Key, the same key and body answer the first response
    again, and the same key with another body is a 422. Concurrent requests
    with one key race on a unique constraint, so exactly one interview exists.
    """
    organization_id = principal.organization_id
    request_hash = _request_hash(raw_body) if idempotency_key else ""
    if idempotency_key:
        replay = _replay(organization_id, idempotency_key, request_hash)
        if replay:
            return replay
    try:
        with transaction.atomic():
            interview = _create(principal, values)
            body = selectors.created_body(interview)
            if idempotency_key:
                IdempotencyRecord.objects.create(
                    organization_id=organization_id,
                    key=idempotency_key,
                    request_hash=request_hash,
                    response_status=201,
                    response_body=body,
                    interview=interview,
                )
    except IntegrityError:
        if not idempotency_key:
            raise
        # Another request with this key won the race; answer as it did.
        replay = _replay(organization_id, idempotency_key, request_hash)
        if replay is None:
            raise
        return replay
    return 201, body


def _replay(organization_id, key: str, request_hash: str) -> tuple[int, dict] | None:
    record = IdempotencyRecord.objects.filter(organization_id=organization_id, key=key).first()
    if record is None:
        return None
    if record.request_hash != request_hash:
        raise IdempotencyConflict(
            "This Idempotency-Key was already used with a different request body.",
            fields={"Idempotency-Key": key},
        )
    return record.response_status, record.response_body


def _create(principal, values: dict) -> Interview:
    interview = Interview(organization_id=principal.organization_id, **values)
    if getattr(principal, "api_key", None) is not None:
        interview.created_by_api_key = principal.api_key
    missing = missing_fields(interview)
    interview.missing_fields = missing
    interview.data_quality = data_quality(interview, missing)
    actor = workflow.Actor.of(principal)
    if missing:
        workflow.create(
            interview,
            State.INFO_NEEDED,
            actor=actor,
            reason=f"missing: {', '.join(missing)}",
            event_data=events.info_needed(missing),
        )
    else:
        workflow.create(interview, State.VALIDATING_SKILLS, actor=actor, reason="request complete")
        _plan_after_commit(interview)
    return interview


def _plan_after_commit(interview: Interview) -> None:
    plan_queue.request(interview.id)


@transaction.atomic
def complete_request(principal, run_id, values: dict) -> Interview:
    """PATCH: fill in what INFO_NEEDED asked for; once complete, plan."""
    interview = selectors.interview_for(principal, run_id, for_update=True)
    if interview.state != State.INFO_NEEDED:
        raise WrongState(
            f"The interview is {interview.state}; only an interview in INFO_NEEDED can be updated.",
            fields={"state": interview.state},
        )
    for field, value in values.items():
        setattr(interview, field, value)
    missing = missing_fields(interview)
    changes = {field: getattr(interview, field) for field in values}
    changes["missing_fields"] = missing
    changes["data_quality"] = data_quality(interview, missing)
    if missing:
        changes["updated_at"] = timezone.now()
        for field, value in changes.items():
            setattr(interview, field, value)
        interview.save(update_fields=sorted(changes))
        return interview
    changes["info_reason"] = ""
    workflow.transition(
        interview,
        State.VALIDATING_SKILLS,
        actor=workflow.Actor.of(principal),
        reason="missing information supplied",
        changes=changes,
    )
    _plan_after_commit(interview)
    return interview


@transaction.atomic
def cancel(principal, run_id, reason: str = "") -> Interview:
    interview = selectors.interview_for(principal, run_id)
    workflow.transition(
        interview,
        State.CANCELLED,
        actor=workflow.Actor.of(principal),
        reason=reason or "cancelled",
        event_data=events.cancelled(reason),
    )
    effects.tell_cancelled(interview.id)
    return interview

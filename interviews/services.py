"""Interview use cases: intake, completing missing data, planning, links."""

from __future__ import annotations

import contextlib
import hashlib
import json
import secrets
from datetime import timedelta

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone

from interview_platform.api import IdempotencyConflict, WrongState
from interview_platform.jobs import enqueue, enqueue_on_commit

from . import events, selectors, workflow
from .agents import get_engine
from .agents.base import InterviewRequest, to_dict
from .agents.context import for_interview
from .events import EVENTS
from .models import DataQuality, IdempotencyRecord, Interview, Plan, Question, State
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


def _info_needed_message(interview: Interview, missing: list[str]) -> str:
    return (
        f"Interview request accepted, but information is missing: {', '.join(missing)}. "
        f"Send it with PATCH /api/v1/a2a/interview/{interview.run_id}."
    )


def created_body(interview: Interview) -> dict:
    body = {
        "runId": str(interview.run_id),
        "interviewId": str(interview.id),
        "state": interview.state,
        "message": "Interview request accepted. Skill validation in progress.",
        "dataQuality": interview.data_quality,
    }
    if interview.state == State.INFO_NEEDED:
        body["message"] = _info_needed_message(interview, interview.missing_fields)
        body["missingFields"] = interview.missing_fields
    return body


def _request_hash(data: dict) -> str:
    return hashlib.sha256(json.dumps(data, sort_keys=True, separators=(",", ":")).encode()).hexdigest()


def request_interview(principal, values: dict, raw_body: dict, idempotency_key: str = "") -> tuple[int, dict]:
    """Create an interview from an ATS request; returns (status code, body).

    With an Idempotency-Key, the same key and body answer the first response
    again, and the same key with another body is a 422. Concurrent requests
    with one key race on a unique constraint, so exactly one interview exists.
    """
    organization_id = principal.organization_id
    request_hash = _request_hash(raw_body)
    if idempotency_key:
        replay = _replay(organization_id, idempotency_key, request_hash)
        if replay:
            return replay
    try:
        with transaction.atomic():
            interview = _create(principal, values)
            body = created_body(interview)
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
    enqueue_on_commit("interviews.tasks.validate_and_plan", str(interview.id))


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


def engine_request(interview: Interview) -> InterviewRequest:
    # The engine never sees the candidate's name or email.
    return InterviewRequest(
        position=interview.position,
        level=interview.level,
        skills=list(interview.skills),
        job_description=interview.job_description,
        duration_minutes=interview.duration_minutes,
        language=interview.language,
    )


def validate_and_plan(interview_id) -> None:
    """Validate the skills and write the next plan version; idempotent."""
    interview = Interview.objects.get(pk=interview_id)
    if interview.state != State.VALIDATING_SKILLS:
        return  # already planned, cancelled, or failed: nothing to do
    engine = get_engine()
    request = engine_request(interview)
    with for_interview(interview.id):
        validation = engine.validate_skills(request)
    if not validation.ok:
        workflow.transition(
            interview,
            State.INFO_NEEDED,
            actor=workflow.SYSTEM,
            reason=validation.reason,
            changes={
                "skill_validation": to_dict(validation),
                "info_reason": validation.reason,
                "missing_fields": ["skills"],
                "data_quality": DataQuality.POOR,
            },
            event_data=events.info_needed(["skills"], validation.reason),
        )
        return
    latest_version = interview.plans.order_by("-version").values_list("version", flat=True).first() or 0
    feedback = interview.plan_feedback if latest_version else ""
    with for_interview(interview.id):
        plan = engine.plan(request, validation, feedback=feedback, version=latest_version + 1)
    with transaction.atomic():
        row = save_plan_version(
            interview,
            version=latest_version + 1,
            engine=engine.name,
            summary=plan.summary,
            duration_minutes=plan.duration_minutes,
            questions=plan.questions,
            feedback=feedback,
        )
        workflow.transition(
            interview,
            State.PENDING,
            actor=workflow.SYSTEM,
            reason=f"plan v{row.version} generated by the {engine.name} engine",
            changes={"current_plan": row, "skill_validation": to_dict(validation)},
            event_data=events.plan_generated(row),
        )


def save_plan_version(
    interview: Interview,
    *,
    version: int,
    engine: str,
    summary: str,
    duration_minutes: int,
    questions,
    feedback: str = "",
    created_by=None,
) -> Plan:
    """Write a plan version and its questions (engine PlannedQuestions or edited drafts)."""
    row = Plan.objects.create(
        interview=interview,
        version=version,
        engine=engine,
        summary=summary,
        duration_minutes=duration_minutes,
        feedback=feedback,
        created_by=created_by,
    )
    Question.objects.bulk_create(
        Question(
            plan=row,
            position=position,
            key=q.key,
            skill=q.skill,
            kind=q.kind,
            difficulty=q.difficulty,
            text=q.text,
            rubric=q.rubric if isinstance(q.rubric, dict) else to_dict(q.rubric),
            minutes=q.minutes,
        )
        for position, q in enumerate(questions)
    )
    return row


def mint_join_link(interview: Interview) -> tuple[str, dict]:
    """A fresh candidate link: the token (>= 128 random bits) is returned once, only its hash kept."""
    token = secrets.token_urlsafe(32)
    link = f"{settings.PUBLIC_BASE_URL}/interview/join/{token}"
    changes = {
        "join_token_hash": hashlib.sha256(token.encode()).hexdigest(),
        "join_expires_at": timezone.now() + settings.JOIN_LINK_TTL,
    }
    return link, changes


def interview_link(interview: Interview) -> str | None:
    """The link as the ATS was told it (from the plan_approved event), while it can be used."""
    if interview.state not in (State.APPROVED, State.IN_PROGRESS):
        return None
    payload = selectors.latest_event_payload(interview, EVENTS[State.APPROVED])
    return payload["data"].get("interviewLink") if payload else None


def status_body(interview: Interview) -> dict:
    assessment = selectors.latest_assessment(interview)
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
        "history": selectors.history(interview),
    }


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
    from .push import push

    interview_id = str(interview.id)
    frame = {
        "type": "error",
        "code": "cancelled",
        "message": "This interview has been cancelled by the company.",
    }
    transaction.on_commit(lambda: push(interview_id, {"type": "interview.frame", "frame": frame}))
    return interview


STALLED_AFTER = timedelta(minutes=2)
MAX_STEP_ATTEMPTS = 5


def stall_cutoff():
    """Work older than this with nothing to show for it was dropped (lost worker, restart)."""
    seconds = STALLED_AFTER.total_seconds()
    if settings.AGENT_ENGINE == "llm":
        # A model step may take (retries + 1) x timeout, twice when its reply is repaired;
        # resuming earlier would pay for the same call twice.
        seconds = max(seconds, 2 * (settings.LLM_MAX_RETRIES + 1) * settings.LLM_TIMEOUT_SECONDS + 60)
    return timezone.now() - timedelta(seconds=seconds)


def resume_stalled() -> int:
    """Re-enqueue the background step a lost worker or a restarted process dropped.

    Planning that never finished, a live interview whose next question never
    came, a finished interview that was never assessed. After MAX_STEP_ATTEMPTS
    the interview fails, and the ATS (and a waiting candidate) are told.
    """
    from django.db.models import Exists, Max, OuterRef, Q

    from .models import Turn

    cutoff = stall_cutoff()
    live = Interview.objects.filter(state=State.IN_PROGRESS, updated_at__lt=cutoff)
    work = [
        (
            Interview.objects.filter(state=State.VALIDATING_SKILLS, updated_at__lt=cutoff),
            "interviews.tasks.validate_and_plan",
            "planning",
        ),
        (
            live.filter(candidate_session__completed_at__lt=cutoff, assessments__isnull=True),
            "interviews.tasks.assess",
            "assessment",
        ),
        (
            live.filter(
                candidate_session__completed_at__isnull=True, candidate_session__started_at__lt=cutoff
            )
            .exclude(Exists(Turn.objects.filter(interview=OuterRef("pk"), answered_at__isnull=True)))
            .annotate(last_answer=Max("turns__answered_at"))
            .filter(Q(last_answer__lt=cutoff) | Q(last_answer__isnull=True)),
            "interviews.tasks.interview_step",
            "the next interview question",
        ),
    ]
    resumed = 0
    for queryset, task, what in work:
        for interview in queryset.distinct()[:200]:
            resumed += _resume(interview, task, what)
    return resumed


def _resume(interview: Interview, task: str, what: str) -> int:
    if interview.step_attempts >= MAX_STEP_ATTEMPTS:
        with contextlib.suppress(WrongState):
            workflow.transition(
                interview,
                State.FAILED,
                actor=workflow.SYSTEM,
                reason=f"{what} did not finish after {MAX_STEP_ATTEMPTS} attempts",
                event_data=events.failed(f"{what} did not finish"),
            )
            push_failure(interview.id)
        return 0
    # Conditional: when two sweepers race, one of them resumes.
    claimed = Interview.objects.filter(
        pk=interview.pk, state=interview.state, updated_at=interview.updated_at
    ).update(step_attempts=F("step_attempts") + 1, updated_at=timezone.now())
    if claimed:
        enqueue(task, str(interview.id))
    return claimed


def tell_candidate(interview_id, code: str, message: str) -> None:
    """An error frame for a candidate who may be on the socket, sent after commit."""
    from .push import push

    interview_id = str(interview_id)
    frame = {"type": "error", "code": code, "message": message}
    transaction.on_commit(lambda: push(interview_id, {"type": "interview.frame", "frame": frame}))


def push_failure(interview_id) -> None:
    tell_candidate(
        interview_id,
        "interview_failed",
        "We could not continue the interview because of a technical problem. "
        "Your answers are saved and the recruiting team will contact you.",
    )


def expire_links() -> int:
    """Approved interviews whose link was never used expire on schedule."""
    expired = 0
    due = Interview.objects.filter(state=State.APPROVED, join_expires_at__lt=timezone.now())
    for interview in due[:500]:
        try:
            workflow.transition(
                interview,
                State.EXPIRED,
                actor=workflow.SYSTEM,
                reason="the candidate link was not used before it expired",
                event_data=events.expired(),
            )
            expired += 1
        except WrongState:
            pass  # the candidate joined meanwhile
    return expired

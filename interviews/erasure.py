"""Erasing a candidate's personal data from an interview (GDPR Art. 17), keeping an anonymous trail.

Goes: the candidate's name and email, the join link, every answer and recording
(the files too), follow-up questions (written from the answers), transcripts,
the assessment's quotes and prose about the candidate, device and integrity
details, agent-step errors, free-text reasons and feedback, the email-code
device, and the free-text fields of the interview's webhook events (their
stored bodies too) and the receivers' responses.

Stays, because it says nothing about who the candidate is: the interview's
state history (from, to, who, when), the events' types, times and sequence,
the plan (written from the job, never from the candidate), the scores and
recommendation, the ATS's externalId, and an ``Erasure`` row (who, when, how much).
"""

from __future__ import annotations

import json
import logging
import re

from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from webhooks import signing
from webhooks.models import Attempt, Event

from . import effects, events, selectors, workflow
from .models import (
    AgentStep,
    CandidateEmailDevice,
    CandidateMessage,
    CandidateSession,
    Erasure,
    IdempotencyRecord,
    IntegrityEvent,
    Interview,
    Plan,
    Recording,
    State,
    StateChange,
    Turn,
)

logger = logging.getLogger(__name__)

ERASED_EVENT = "interview.erased"
CANCEL_REASON = "cancelled to erase the candidate's personal data"
# Event data keys that carry free text or the candidate's link; removed from stored events.
PERSONAL_EVENT_KEYS = frozenset({"feedback", "reason", "interviewLink"})
# Ids, codes, numbers and times: never personal, and never searched for the candidate's name
# (a short name can be hex inside a UUID).
STRUCTURAL_EVENT_KEYS = frozenset(
    {
        "planId",
        "version",
        "expiresAt",
        "assessmentId",
        "score",
        "recommendation",
        "aiScore",
        "aiRecommendation",
        "overridden",
        "reportUrl",
        "answeredQuestions",
        "abandoned",
        "missingFields",
        "regenerate",
        "sequence",
        "erasedAt",
        "erasedBy",
    }
)


@transaction.atomic
def erase(principal, run_id) -> tuple[Erasure, bool]:
    """Erase the interview's personal data once; returns (the erasure, whether it happened now).

    A live interview is cancelled first (the candidate's socket is told). A
    second call finds the first erasure and changes nothing.
    """
    interview = selectors.interview_for(principal, run_id, for_update=True)
    existing = Erasure.objects.filter(interview=interview).first()
    if existing is not None:
        return existing, False
    actor = workflow.Actor.of(principal)
    removed = scrub(interview)
    if workflow.can_transition(interview.state, State.CANCELLED):
        workflow.transition(
            interview, State.CANCELLED, actor=actor, reason=CANCEL_REASON, event_data=events.cancelled()
        )
        effects.tell_cancelled(interview.id)
    erasure = Erasure.objects.create(
        interview=interview, actor_label=actor.label, actor_user=actor.user, removed=removed
    )
    workflow.record_event(interview, ERASED_EVENT, events.erased(erasure))
    logger.info("personal data of interview %s erased by %s", interview.id, actor.label)
    return erasure, True


def erasure_of(interview: Interview) -> Erasure | None:
    return Erasure.objects.filter(interview=interview).first()


def scrub(interview: Interview) -> dict[str, int]:
    """Clear every personal field of ``interview`` (in the caller's transaction); counts by kind."""
    name, email = interview.candidate_name, interview.candidate_email
    Interview.objects.filter(pk=interview.pk).update(
        candidate_name="",
        candidate_email="",
        plan_feedback="",
        join_token_hash="",
        updated_at=timezone.now(),
    )
    interview.candidate_name = interview.candidate_email = interview.plan_feedback = ""
    interview.join_token_hash = ""
    removed = {
        "recordingFiles": delete_recording_files(Recording.objects.filter(interview=interview)),
        **scrub_transcripts(Interview.objects.filter(pk=interview.pk)),
        "deviceDetails": CandidateSession.objects.filter(interview=interview).update(
            device_details={}, live_channel=""
        ),
        "integrityDetails": IntegrityEvent.objects.filter(interview=interview)
        .exclude(detail={})
        .update(detail={}),
        "agentStepErrors": AgentStep.objects.filter(interview=interview).exclude(error="").update(error=""),
        "reasons": StateChange.objects.filter(interview=interview).exclude(reason="").update(reason=""),
        "feedback": Plan.objects.filter(interview=interview).exclude(feedback="").update(feedback="")
        + interview.approvals.exclude(feedback="").update(feedback=""),
        "emailCodeDevices": CandidateEmailDevice.objects.filter(interview=interview).delete()[0],
        "candidateEmails": scrub_candidate_emails(interview),
        "webhookEvents": scrub_events(interview, {name, email} - {""}),
        # The hash of the request that created the interview, name and email included.
        "idempotencyRecords": IdempotencyRecord.objects.filter(interview=interview)
        .exclude(request_hash="")
        .update(request_hash=""),
        "webhookResponses": Attempt.objects.filter(delivery__event__interview=interview)
        .exclude(response_excerpt="")
        .update(response_excerpt=""),
    }
    return removed


def scrub_candidate_emails(interview: Interview) -> int:
    """The record of emails to the candidate keeps kind, subject, status and times, not the address.

    Emails not sent yet never will be: there is no address left to send them to.
    """
    messages = CandidateMessage.objects.filter(interview=interview)
    messages.filter(status__in=(CandidateMessage.Status.QUEUED, CandidateMessage.Status.RETRYING)).update(
        status=CandidateMessage.Status.SKIPPED, error="the candidate's data was erased"
    )
    return messages.exclude(to="").update(to="")


def delete_recording_files(recordings) -> int:
    """Delete the audio files of ``recordings`` from storage and mark them deleted; how many files went."""
    deleted = 0
    for recording in recordings.exclude(audio=""):
        # Before the commit on purpose: if the transaction fails, the erasure is
        # repeated, and a file that should not exist is worse than a missing one.
        recording.audio.delete(save=False)
        deleted += 1
    recordings.filter(deleted_at__isnull=True).update(deleted_at=timezone.now())
    recordings.update(audio="")
    return deleted


def scrub_transcripts(interviews) -> dict[str, int]:
    """Clear what the candidate said (answers, transcripts, quotes) in ``interviews``; counts by kind."""
    turns = Turn.objects.filter(interview__in=interviews)
    answers = turns.exclude(answer_text="").update(answer_text="")
    # Follow-ups and the closing are written from the candidate's answers; plan questions are not.
    questions = turns.exclude(kind=Turn.Kind.MAIN).exclude(question_text="").update(question_text="")
    recordings = Recording.objects.filter(interview__in=interviews)
    # A transcription still running finds its recording no longer waiting and stores nothing.
    recordings.filter(status=Recording.Status.TRANSCRIBING).update(status=Recording.Status.FAILED)
    transcripts = recordings.filter(~Q(text="") | ~Q(error="")).update(text="", error="")
    assessments = 0
    for interview in interviews.prefetch_related("assessments"):
        for assessment in interview.assessments.all():
            assessment.result = scrub_assessment(assessment.result)
            assessment.override_reason = ""
            assessment.save(update_fields=["result", "override_reason"])
            assessments += 1
    return {
        "answers": answers,
        "questions": questions,
        "transcripts": transcripts,
        "assessments": assessments,
    }


def scrub_assessment(result: dict) -> dict:
    """The engine's result without quotes and prose about the candidate; scores and codes stay."""
    result = dict(result or {})
    result["question_scores"] = [
        {**score, "evidence": [], "rationale": ""} for score in result.get("question_scores") or []
    ]
    for key in ("strengths", "concerns"):
        if key in result:
            result[key] = []
    if "summary" in result:
        result["summary"] = ""
    for key in ("integrity_flags", "flags"):
        result[key] = [{**flag, "message": ""} for flag in result.get(key) or []]
    return result


def scrub_events(interview: Interview, personal: set[str]) -> int:
    """Drop free-text keys (and values naming the candidate) from stored events; re-fix their bodies."""
    changed = 0
    for event in Event.objects.filter(interview=interview).select_for_update():
        data = event.payload.get("data") or {}
        kept = {
            key: value
            for key, value in data.items()
            if key in STRUCTURAL_EVENT_KEYS
            or (key not in PERSONAL_EVENT_KEYS and not _mentions(value, personal))
        }
        if kept == data:
            continue
        # The body a retry or redelivery sends is the erased one, under the same webhook-id.
        event.payload = {**event.payload, "data": kept}
        event.body = signing.serialize(event.payload).decode()
        event.save(update_fields=["payload", "body"])
        changed += 1
    return changed


def _keeps(key: str, value, personal: set[str]) -> bool:
    if key in STRUCTURAL_EVENT_KEYS:
        return True
    return key not in PERSONAL_EVENT_KEYS and not _mentions(value, personal)


def _mentions(value, personal: set[str]) -> bool:
    text = json.dumps(value).lower()
    return any(re.search(rf"\b{re.escape(item.lower())}\b", text) for item in personal)

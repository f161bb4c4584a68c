"""The live interview behind the candidate's socket.

The socket stores what the candidate sends first (answers, integrity events)
and leaves the next move to the ``interview_step`` job: ``step`` asks the
engine, writes the next question and pushes it to the socket after commit.
"""

from __future__ import annotations

import json
from datetime import timedelta

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import F, Max
from django.utils import timezone
from django.utils.dateparse import parse_datetime

from interview_platform.api import WrongState

from . import conversation, effects, events, mailing, recordings, workflow
from .adapters import engine_plan, engine_turns
from .agents import get_engine
from .agents.context import for_interview
from .joining import CodeProblem, candidate_session
from .models import CandidateSession, IntegrityEvent, Interview, State, Turn

MAX_ANSWER_CHARS = 10_000
INTEGRITY_EVENTS = {
    "tab_hidden",
    "tab_visible",
    "paste",
    "copy",
    "focus_lost",
    "focus_gained",
    "fullscreen_exit",
}
# What one integrity event may carry besides its name (the page sends a few small fields).
INTEGRITY_DETAIL_MAX_CHARS = 1000
ABANDONED_AFTER = timedelta(hours=24)


def start(interview_id, channel_name: str) -> dict:
    """A socket connected: take the interview live (first time) and say where it stands.

    Returns {"takeover": old channel or "", "frames": [...]}: the introduction, the
    thread so far and, when one is waiting, the open question.
    """
    with transaction.atomic():
        interview = Interview.objects.select_for_update().get(pk=interview_id)
        session = candidate_session(interview)
        previous = session.live_channel if session.live_channel != channel_name else ""
        now = timezone.now()
        session.live_channel, session.connected_at = channel_name, now
        fields = ["live_channel", "connected_at"]
        if interview.state == State.APPROVED:
            session.started_at = now
            fields.append("started_at")
            workflow.transition(
                interview,
                State.IN_PROGRESS,
                actor=workflow.Actor(label="candidate"),
                reason="candidate joined",
                changes={"join_expires_at": None},
                event_data=events.started(),
            )
        session.save(update_fields=fields)
        interview_id = str(interview.id)
        pending = interview.turns.filter(answered_at__isnull=True).select_related("question").last()
        total = interview.current_plan.questions.count() if interview.current_plan_id else 0
        frames = conversation.opening_frames(interview, total)
        if pending:
            frames.append(conversation.question_frame(pending, total))
        else:
            # Nothing waiting for an answer: the next move is the engine's.
            effects.enqueue("interviews.tasks.interview_step", interview_id)
    return {"takeover": previous, "frames": frames}


def disconnect(interview_id, channel_name: str) -> None:
    CandidateSession.objects.filter(interview_id=interview_id, live_channel=channel_name).update(
        live_channel=""
    )


def store_answer(interview_id, question_id: str, text: str, recording_id: str | None = None) -> None:
    """Store the answer first; then ask for the next move. Raises CodeProblem for bad frames."""
    text = (text or "").strip()
    if len(text) > MAX_ANSWER_CHARS:
        raise CodeProblem(f"The answer is longer than {MAX_ANSWER_CHARS} characters.", code="answer_too_long")
    with transaction.atomic():
        interview = Interview.objects.select_for_update().get(pk=interview_id)
        if interview.state != State.IN_PROGRESS:
            raise WrongState("The interview is not in progress.", code="not_in_progress")
        pending = interview.turns.filter(answered_at__isnull=True).last()
        if pending is None or pending.public_id != question_id:
            raise CodeProblem(
                "That question is not the one waiting for an answer.",
                code="out_of_turn",
                fields={"expected": pending.public_id if pending else None},
            )
        if not text and pending.kind != Turn.Kind.CLOSING:
            # "Any questions for us?" may be left empty; a question may not.
            raise CodeProblem("The answer is empty.", code="empty_answer")
        spoken = recordings.answer_fields(pending, recording_id, text)
        updated = Turn.objects.filter(pk=pending.pk, answered_at__isnull=True).update(
            answer_text=text, answered_at=timezone.now(), **spoken
        )
        if updated:
            effects.enqueue("interviews.tasks.interview_step", str(interview_id))


def store_integrity_event(interview_id, event: str, at: str | None, detail: dict | None) -> None:
    """Store what the browser reported, while the interview runs; beyond the cap, only count it.

    A browser can send events as fast as it likes: past INTEGRITY_MAX_EVENTS per
    interview they are counted (the recruiter sees how many), not stored. After
    the interview is complete nothing is stored: the report is final.
    """
    if event not in INTEGRITY_EVENTS:
        raise CodeProblem(f"Unknown integrity event {event!r}.", code="bad_frame")
    if detail and len(json.dumps(detail)) > INTEGRITY_DETAIL_MAX_CHARS:
        raise CodeProblem(
            f"An integrity event's detail is at most {INTEGRITY_DETAIL_MAX_CHARS} characters of JSON.",
            code="too_large",
            fields={"detail": "too large"},
        )
    occurred = _reported_time(at)
    with transaction.atomic():
        session = CandidateSession.objects.select_for_update().get(interview_id=interview_id)
        state = Interview.objects.values_list("state", flat=True).get(pk=interview_id)
        if state != State.IN_PROGRESS or session.completed_at:
            raise WrongState("The interview is complete; nothing more is recorded.", code="completed")
        if IntegrityEvent.objects.filter(interview_id=interview_id).count() >= settings.INTEGRITY_MAX_EVENTS:
            CandidateSession.objects.filter(pk=session.pk).update(
                integrity_events_dropped=F("integrity_events_dropped") + 1
            )
            return
        pending = Turn.objects.filter(interview_id=interview_id, answered_at__isnull=True).last()
        IntegrityEvent.objects.create(
            interview_id=interview_id,
            event=event,
            occurred_at=occurred,
            question_sequence=pending.sequence if pending else None,
            detail=detail or {},
        )


def _reported_time(at: str | None):
    occurred = timezone.now()
    if isinstance(at, str) and at:
        try:
            parsed = parse_datetime(at)
        except ValueError:
            parsed = None
        # The browser's clock is informative only: keep ours when the time is
        # malformed, has no zone, or is far off.
        if parsed and timezone.is_aware(parsed) and abs((parsed - occurred).total_seconds()) < 300:
            occurred = parsed
    return occurred


def step(interview_id) -> None:
    """Ask the engine for the next move and push it to the socket; idempotent."""
    interview = Interview.objects.select_related("current_plan").get(pk=interview_id)
    if interview.state != State.IN_PROGRESS:
        return
    if interview.turns.filter(answered_at__isnull=True).exists():
        return  # a question is already waiting for its answer
    session = candidate_session(interview)
    if session.completed_at:
        return
    plan, questions = engine_plan(interview)
    with for_interview(interview.id):
        move = get_engine().next_turn(plan, engine_turns(interview))
    try:
        with transaction.atomic():
            locked = Interview.objects.select_for_update().get(pk=interview_id)
            if locked.state != State.IN_PROGRESS or locked.turns.filter(answered_at__isnull=True).exists():
                return
            sequence = locked.turns.count()
            if move.action == "complete":
                if conversation.closing_asked(locked):
                    complete(locked, conversation.completed_message(locked, move.text))
                else:
                    closing = conversation.ask_closing(locked, sequence, len(questions))
                    effects.push_frame(interview_id, conversation.question_frame(closing, len(questions)))
                return
            turn = Turn.objects.create(
                interview=locked,
                sequence=sequence,
                question=questions[move.question_index],
                question_index=move.question_index,
                kind=Turn.Kind.MAIN if move.action == "question" else Turn.Kind.FOLLOWUP,
                question_text=move.text,
            )
            effects.push_frame(interview_id, conversation.question_frame(turn, len(questions)))
    except IntegrityError:
        return  # a concurrent step asked first


def complete(interview: Interview, closing: str, *, abandoned: bool = False) -> None:
    """End the interview (inside the caller's transaction): tell the ATS and the socket, then assess."""
    now = timezone.now()
    CandidateSession.objects.filter(interview=interview).update(completed_at=now)
    answered = (
        interview.turns.filter(answered_at__isnull=False)
        .exclude(kind=Turn.Kind.CLOSING)
        .values("question_index")
        .distinct()
        .count()
    )
    workflow.record_event(interview, "interview.completed", events.completed(answered, abandoned))
    interview_id = str(interview.id)
    effects.push_frame(interview_id, {"type": "completed", "message": closing})
    effects.enqueue("interviews.tasks.assess", interview_id)
    if not abandoned:
        mailing.queue_receipt(interview)


def close_abandoned() -> int:
    """Interviews left half-way for a day are closed and assessed on what was answered.

    Unanswered questions score as such; the recruiter sees the interview as
    abandoned in the completed event and decides as usual.
    """
    cutoff = timezone.now() - ABANDONED_AFTER
    idle = (
        Interview.objects.filter(
            state=State.IN_PROGRESS,
            candidate_session__completed_at__isnull=True,
            candidate_session__live_channel="",
            candidate_session__connected_at__lt=cutoff,
        )
        .annotate(last_asked=Max("turns__asked_at"), last_answered=Max("turns__answered_at"))
        .filter(last_asked__lt=cutoff)
        .exclude(last_answered__gte=cutoff)
    )
    closed = 0
    for interview in idle[:200]:
        with transaction.atomic():
            locked = Interview.objects.select_for_update().get(pk=interview.pk)
            if locked.state != State.IN_PROGRESS or candidate_session(locked).completed_at:
                continue
            complete(
                locked,
                "This interview was closed after a day without activity. Thank you for your time.",
                abandoned=True,
            )
            closed += 1
    return closed

"""The live interview behind the candidate's socket.

The socket stores what the candidate sends first (answers, integrity events).
The next move comes from the engine (``moves``): decided in the answer's own
transaction when the engine is quick, and handed back to the socket that sent
the answer; by the ``interview_step`` job (``step``) when a model is asked,
and pushed to the socket through the channel layer after commit.
"""

from __future__ import annotations

import json
import logging
from datetime import timedelta

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import F, Max
from django.utils import timezone
from django.utils.dateparse import parse_datetime

from interview_platform import prepared
from interview_platform.api import WrongState
from interview_platform.prepared import Prepared, as_instance, model_fields

from . import conversation, effects, events, joining, moves, recordings, workflow
from .adapters import engine_plan, engine_turns_of
from .agents import get_engine
from .agents.context import for_interview
from .agents.recording import collecting_steps
from .joining import CodeProblem, candidate_session
from .models import AgentStep, CandidateSession, IntegrityEvent, Interview, State, Turn

logger = logging.getLogger(__name__)

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


def join(token: str, session, channel_name: str) -> dict:
    """A socket opened with a join token: admitted and taken live in one transaction.

    Returns {"problem": (code, message)} when the link or this browser session may
    not join now, and changes nothing then; else what ``start`` returns, with
    "interviewId" and "step": whether the ``interview_step`` job is to be enqueued,
    which the socket does (``ask_next``) once it has joined the interview's group,
    so the question the job pushes finds it there.
    """
    if not token or len(token) > 200:
        return {"problem": ("unknown", "This interview link is not valid.")}
    session.get(joining.SESSION_KEY)  # the browser session is read before the interview is locked
    with transaction.atomic(), prepared.held():
        interview = _locked().filter(join_token_hash=joining.token_hash(token)).first()
        joined = _existing_session(interview) if interview else None
        try:
            joining.check_link(interview, joined)
        except joining.LinkProblem as exc:
            return {"problem": (exc.code, exc.message)}
        problem = joining.readiness_problem(interview, session, joined)
        if problem:
            return {"problem": problem}
        status = _go_live(interview, channel_name)
    return {**status, "interviewId": str(interview.id), "problem": None}


def start(interview_id, channel_name: str) -> dict:
    """A socket connected: take the interview live (first time) and say where it stands.

    Returns {"takeover": old channel or "", "frames": [...]}: the introduction, the
    thread so far and, when one is waiting, the open question.
    """
    # Its writes go together (prepared.held) wherever no read comes between them.
    with transaction.atomic(), prepared.held():
        status = _go_live(_locked().get(pk=interview_id), channel_name)
    if status.pop("step"):
        ask_next(interview_id)
    return status


def _locked():
    """Interviews locked, with what the opening frames and the first question need, in one read."""
    return Interview.objects.select_for_update(of=("self",)).select_related(
        "organization", "current_plan", "candidate_session"
    )


def _go_live(interview: Interview, channel_name: str) -> dict:
    """Take the locked ``interview`` live; "step": the ``interview_step`` job is to be enqueued."""
    session = _joined_session(interview)
    previous = session.live_channel if session.live_channel != channel_name else ""
    now = timezone.now()
    changed = {"live_channel": channel_name, "connected_at": now}
    if interview.state == State.APPROVED:
        changed["started_at"] = now
        workflow.transition(
            interview,
            State.IN_PROGRESS,
            actor=workflow.Actor(label="candidate"),
            reason="candidate joined",
            changes={"join_expires_at": None},
            event_data=events.started(),
            already_locked=True,
        )
    prepared.update(CandidateSession, session.pk, changed)
    for name, value in changed.items():
        setattr(session, name, value)
    interview_id = str(interview.id)
    turns = list(interview.turns.select_related("question"))
    pending = next((t for t in reversed(turns) if t.answered_at is None), None)
    # The plan's questions are read once per process (engine_plan), not counted on every connect.
    total = len(engine_plan(interview)[1]) if interview.current_plan_id else 0
    step = False
    # The question a quick engine asks now joins these frames once the move commits.
    with effects.replies(interview_id) as frames:
        frames.extend(conversation.opening_frames(interview, total, turns))
        if pending:
            frames.append(conversation.question_frame(pending, total))
        elif interview.state == State.IN_PROGRESS and get_engine().quick:
            # Nothing waiting for an answer: a quick engine decides the next
            # move here, and this socket sends it with the introduction.
            moves.advance(interview, turns)
        else:
            step = True
    return {"takeover": previous, "frames": frames, "step": step}


def ask_next(interview_id) -> None:
    """Enqueue the job that decides the next move (a model engine's, once the interview is live).

    With the broker away it is logged, not raised: the socket stays open, and the
    stalled-interview sweep enqueues the step once the broker is back.
    """
    try:
        effects.enqueue("interviews.tasks.interview_step", str(interview_id))
    except Exception:
        logger.warning("could not enqueue the next step of interview %s", interview_id, exc_info=True)


def _existing_session(interview: Interview) -> CandidateSession | None:
    """The candidate session read with ``interview``, if it has one (none is made here)."""
    try:
        return interview.candidate_session
    except CandidateSession.DoesNotExist:
        return None


def _joined_session(interview: Interview) -> CandidateSession:
    """The candidate session read with ``interview``; made now when there is none yet."""
    try:
        return interview.candidate_session
    except CandidateSession.DoesNotExist:
        return candidate_session(interview)


def disconnect(interview_id, channel_name: str) -> None:
    CandidateSession.objects.filter(interview_id=interview_id, live_channel=channel_name).update(
        live_channel=""
    )


def store_answer(
    interview_id, question_id: str, text: str, recording_id: str | None = None, *, reply_to: str = ""
) -> list[dict]:
    """Store the answer first; then the next move. Raises CodeProblem for bad frames.

    With a quick engine the move is decided in the same transaction
    (``moves.advance``); otherwise the ``interview_step`` job decides it. When
    ``reply_to`` (the asking socket's channel) is the interview's live socket,
    the frames that move produces (the next question, or the end) are returned,
    once committed, for that socket to send itself; else they are pushed to it.
    """
    text = (text or "").strip()
    if len(text) > MAX_ANSWER_CHARS:
        raise CodeProblem(f"The answer is longer than {MAX_ANSWER_CHARS} characters.", code="answer_too_long")
    quick = get_engine().quick
    with transaction.atomic():
        interview, turns = _locked_with_turns(interview_id)
        if interview.state != State.IN_PROGRESS:
            raise WrongState("The interview is not in progress.", code="not_in_progress")
        direct = bool(reply_to) and _live_channel(interview) == reply_to
        # The answer, the step record and the next question go to the database as one statement.
        with prepared.held(), effects.replies(interview_id, direct) as frames:
            _answer(turns, question_id, text, recording_id)
            if quick:
                moves.advance(interview, turns)
            else:
                effects.enqueue("interviews.tasks.interview_step", str(interview_id))
    return frames


# An answer's two reads, compiled to SQL once per process (compiling them cost
# more than running them) and sent together: the interview locked with its
# candidate session, and its turns.
_SESSION = "candidate_session__"
_LOCKED = Prepared(
    lambda interview_id: (
        Interview.objects.select_for_update(of=("self",))
        .filter(pk=interview_id)
        .order_by()
        .values(*model_fields(Interview), *(_SESSION + name for name in model_fields(CandidateSession)))
    ),
    arguments=1,
)
_TURNS = Prepared(
    lambda interview_id: (
        Turn.objects.filter(interview_id=interview_id).order_by("sequence").values(*model_fields(Turn))
    ),
    arguments=1,
)


def _locked_with_turns(interview_id) -> tuple[Interview, list[Turn]]:
    """The interview locked (``select_for_update(of=("self",)).select_related("candidate_session")``)
    and its turns in order, each knowing its interview: one round trip, the lock taken first."""
    rows, turn_rows = prepared.rows_together((_LOCKED, (interview_id,)), (_TURNS, (interview_id,)))
    if not rows:
        raise Interview.DoesNotExist("Interview matching query does not exist.")
    interview = as_instance(Interview, rows[0])
    session = None
    if rows[0][_SESSION + "id"] is not None:
        session = as_instance(CandidateSession, rows[0], _SESSION)
        CandidateSession.interview.field.set_cached_value(session, interview)
    Interview.candidate_session.related.set_cached_value(interview, session)
    turns = [as_instance(Turn, row) for row in turn_rows]
    for turn in turns:
        Turn.interview.field.set_cached_value(turn, interview)
    return interview, turns


def _answer(turns: list[Turn], question_id: str, text: str, recording_id) -> None:
    """Store ``text`` as the answer to the open turn ``question_id``, in the row and in ``turns``."""
    pending = next((t for t in reversed(turns) if t.answered_at is None), None)
    if pending is None or pending.public_id != question_id:
        raise CodeProblem(
            "That question is not the one waiting for an answer.",
            code="out_of_turn",
            fields={"expected": pending.public_id if pending else None},
        )
    if not text and pending.kind != Turn.Kind.CLOSING:
        # "Any questions for us?" may be left empty; a question may not.
        raise CodeProblem("The answer is empty.", code="empty_answer")
    fields = {
        "answer_text": text,
        "answered_at": timezone.now(),
        **recordings.answer_fields(pending, recording_id, text),
    }
    # The interview row is locked: no other answer to this turn can be stored meanwhile.
    prepared.update(Turn, pending.pk, fields)
    for name, value in fields.items():
        setattr(pending, name, value)


def _live_channel(interview: Interview) -> str:
    try:
        return interview.candidate_session.live_channel
    except CandidateSession.DoesNotExist:
        return ""


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
    """The job's next move: the engine is asked outside any transaction (a model may take
    seconds), the move written under the lock with the call's AgentStep row; idempotent."""
    interview = Interview.objects.select_related("current_plan").get(pk=interview_id)
    if interview.state != State.IN_PROGRESS:
        return
    turns = list(interview.turns.all())
    if any(t.answered_at is None for t in turns):
        return  # a question is already waiting for its answer
    if candidate_session(interview).completed_at:
        return
    plan, questions = engine_plan(interview)
    with collecting_steps() as steps, for_interview(interview.id):
        try:
            move = get_engine().next_turn(plan, engine_turns_of(turns))
        except Exception:
            AgentStep.objects.bulk_create(steps)  # the failure is on record; the job decides about retrying
            raise
    try:
        with transaction.atomic():
            locked = Interview.objects.select_for_update().get(pk=interview_id)
            AgentStep.objects.bulk_create(steps)
            turns = list(locked.turns.all())
            if locked.state != State.IN_PROGRESS or any(t.answered_at is None for t in turns):
                return
            moves.write(locked, turns, questions, move)
    except IntegrityError:
        return  # a concurrent step asked first


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
            moves.complete(
                locked,
                "This interview was closed after a day without activity. Thank you for your time.",
                abandoned=True,
            )
            closed += 1
    return closed

"""The candidate's side: the join link, the email code, the device check, the live interview."""

from __future__ import annotations

import hashlib
import logging
import smtplib
from datetime import timedelta

from django.conf import settings
from django.core.mail import send_mail
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.dateparse import parse_datetime

from interview_platform.api import DomainError, WrongState
from interview_platform.jobs import enqueue_on_commit

from . import events, workflow
from .agents import get_engine
from .agents.base import IntegrityEvent as EngineIntegrityEvent
from .agents.base import Turn as EngineTurn
from .agents.base import plan_from_dict, to_dict
from .agents.context import for_interview
from .models import (
    Assessment,
    CandidateSession,
    IntegrityEvent,
    Interview,
    Plan,
    State,
    Turn,
)
from .otp import CODE_TTL, MAX_CODES_PER_HOUR, MAX_WRONG_TRIES, CandidateEmailDevice
from .push import push

logger = logging.getLogger(__name__)

SESSION_KEY = "candidate_interview"
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


class LinkProblem(DomainError):
    """The link cannot be used; ``code`` says why so the page can say what to do."""

    status_code = 404


class CodeProblem(DomainError):
    status_code = 400


class TooManyRequests(DomainError):
    status_code = 429
    code = "throttled"


class NotVerified(DomainError):
    status_code = 403
    code = "not_verified"


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def resolve(token: str, *, for_update: bool = False) -> Interview:
    """The interview behind a join token, if the link can still be used."""
    if not token or len(token) > 200:
        raise LinkProblem("This interview link is not valid.", code="unknown")
    queryset = Interview.objects.select_related("organization")
    if for_update:
        queryset = queryset.select_for_update(of=("self",))
    interview = queryset.filter(join_token_hash=token_hash(token)).first()
    if interview is None:
        raise LinkProblem("This interview link is not valid.", code="unknown")
    if interview.state == State.CANCELLED:
        raise LinkProblem("This interview has been cancelled.", code="cancelled")
    if interview.state == State.EXPIRED or (
        interview.state == State.APPROVED
        and interview.join_expires_at
        and interview.join_expires_at < timezone.now()
    ):
        raise LinkProblem("This interview link has expired.", code="expired")
    if interview.state in (State.ASSESSMENT_PENDING, State.ASSESSMENT_APPROVED) or (
        interview.state == State.IN_PROGRESS and _session(interview).completed_at
    ):
        raise LinkProblem("This interview has already been completed.", code="used")
    if interview.state not in (State.APPROVED, State.IN_PROGRESS):
        raise LinkProblem("This interview link cannot be used.", code="unavailable")
    return interview


def _session(interview: Interview) -> CandidateSession:
    session, _ = CandidateSession.objects.get_or_create(interview=interview)
    return session


def websocket_url(token: str) -> str:
    base = settings.PUBLIC_BASE_URL
    scheme = "wss" if base.startswith("https://") else "ws"
    return f"{scheme}://{base.split('://', 1)[1]}/ws/interview/{token}/"


def record_consent(token: str) -> None:
    interview = resolve(token)
    CandidateSession.objects.filter(pk=_session(interview).pk, consented_at__isnull=True).update(
        consented_at=timezone.now()
    )


class EmailUnavailable(DomainError):
    status_code = 503
    code = "email_unavailable"


def send_code(token: str) -> int:
    """Email a fresh code; returns its lifetime in seconds.

    The email goes out inside the transaction: if the mail server refuses, the
    new code, the cooldown and the hourly count roll back with it, so a retry
    is not held up by a code nobody received. The code travels only in the
    email, never in logs or job arguments.
    """
    with transaction.atomic():
        interview = resolve(token, for_update=True)
        device, _ = CandidateEmailDevice.objects.get_or_create(
            interview=interview, defaults={"name": "email"}
        )
        allowed, info = device.generate_is_allowed()
        if not allowed:
            wait = int((info["next_generation_at"] - timezone.now()).total_seconds()) + 1
            raise TooManyRequests(
                f"A code was sent moments ago. You can ask for a new one in {wait} s.",
                fields={"retryAfterSeconds": wait},
            )
        if len(device.sends_in_last_hour(timezone.now())) >= MAX_CODES_PER_HOUR:
            raise TooManyRequests(
                "Too many codes were sent for this link in the last hour. Please try again later.",
                fields={"retryAfterSeconds": 3600},
            )
        code = device.new_code()
        organization = interview.organization.name
        try:
            send_mail(
                subject=f"Your interview code: {organization}",
                message=(
                    f"Hello,\n\nYour one-time code for the {interview.position} interview with "
                    f"{organization} is:\n\n    {code}\n\nIt is valid for 10 minutes and can be used once. "
                    "If you did not ask for it, you can ignore this email.\n"
                ),
                from_email=None,
                recipient_list=[interview.candidate_email],
            )
        except (smtplib.SMTPException, OSError) as exc:
            logger.error(
                "could not email a join code for interview %s: %s", interview.id, exc.__class__.__name__
            )
            raise EmailUnavailable(
                "We could not send the email just now. Please try again in a few minutes."
            ) from None
    logger.info("sent a join code for interview %s", interview.id)
    return int(CODE_TTL.total_seconds())


def _check_code(device: CandidateEmailDevice | None, code: str) -> CodeProblem | None:
    if device is None or device.token is None:
        if device is not None and device.wrong_tries >= MAX_WRONG_TRIES:
            return CodeProblem("Too many wrong codes. Ask for a new code.", code="code_locked")
        return CodeProblem("No valid code. Ask for a new code.", code="code_expired")
    if timezone.now() >= device.valid_until:
        return CodeProblem("This code has expired. Ask for a new code.", code="code_expired")
    if device.check_code(code):
        return None
    left = MAX_WRONG_TRIES - device.wrong_tries
    if left <= 0:
        return CodeProblem("Too many wrong codes. Ask for a new code.", code="code_locked")
    return CodeProblem(
        f"That code is not right. {left} tries left.", code="code_invalid", fields={"code": "wrong"}
    )


def verify_code(token: str, code: str, session) -> str:
    """Check the code and bind this browser session to this one link."""
    with transaction.atomic():
        interview = resolve(token)
        # Locked, so parallel guesses are counted one after another: five tries means five.
        device = CandidateEmailDevice.objects.select_for_update().filter(interview=interview).first()
        problem = _check_code(device, code)
    # Raised after the commit, so the wrong try stays counted.
    if problem:
        raise problem
    # A fresh session key: a session id planted before verification is worthless after.
    session.cycle_key()
    session[SESSION_KEY] = str(interview.id)
    CandidateSession.objects.filter(pk=_session(interview).pk).update(verified_at=timezone.now())
    return websocket_url(token)


def verified_interview(token: str, session) -> Interview:
    interview = resolve(token)
    if session.get(SESSION_KEY) != str(interview.id):
        raise NotVerified("Verify your email with the one-time code first.")
    return interview


def record_device_check(token: str, session, camera: bool, microphone: bool, details: dict) -> bool:
    interview = verified_interview(token, session)
    CandidateSession.objects.filter(pk=_session(interview).pk).update(
        camera_ok=camera, microphone_ok=microphone, device_checked_at=timezone.now(), device_details=details
    )
    return camera and microphone


# --- the live interview -------------------------------------------------------------


def readiness_problem(interview: Interview, session_data) -> tuple[str, str] | None:
    """Why this browser session may not join the socket now, or None."""
    if session_data.get(SESSION_KEY) != str(interview.id):
        return "not_verified", "Verify your email with the one-time code first."
    state = _session(interview)
    if not state.consented_at:
        return "no_consent", "Please accept the interview terms on the join page first."
    if not state.device_ok:
        return "device_check_required", "Complete the camera and microphone check first."
    return None


def question_frame(turn: Turn, total: int) -> dict:
    return {
        "type": "question",
        "questionId": turn.public_id,
        "text": turn.question_text,
        "index": turn.question_index + 1,
        "total": total,
        "kind": turn.kind,
        "minutes": turn.question.minutes if turn.question_id else None,
    }


def _plan_questions(interview: Interview):
    return list(interview.current_plan.questions.order_by("position")) if interview.current_plan_id else []


def start(interview_id, channel_name: str) -> dict:
    """A socket connected: take the interview live (first time) and say where it stands.

    Returns {"takeover": old channel or "", "frame": question/completed frame or None}.
    """
    with transaction.atomic():
        interview = Interview.objects.select_for_update().get(pk=interview_id)
        session = _session(interview)
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
        frame = question_frame(pending, total) if pending else None
        if frame is None:
            # Nothing waiting for an answer: the next move is the engine's.
            enqueue_on_commit("interviews.tasks.interview_step", interview_id)
    return {"takeover": previous, "frame": frame}


def disconnect(interview_id, channel_name: str) -> None:
    CandidateSession.objects.filter(interview_id=interview_id, live_channel=channel_name).update(
        live_channel=""
    )


def store_answer(interview_id, question_id: str, text: str) -> None:
    """Store the answer first; then ask for the next move. Raises CodeProblem for bad frames."""
    text = (text or "").strip()
    if not text:
        raise CodeProblem("The answer is empty.", code="empty_answer")
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
        updated = Turn.objects.filter(pk=pending.pk, answered_at__isnull=True).update(
            answer_text=text, answered_at=timezone.now()
        )
        if updated:
            enqueue_on_commit("interviews.tasks.interview_step", str(interview_id))


def store_integrity_event(interview_id, event: str, at: str | None, detail: dict | None) -> None:
    if event not in INTEGRITY_EVENTS:
        raise CodeProblem(f"Unknown integrity event {event!r}.", code="bad_frame")
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
    pending = Turn.objects.filter(interview_id=interview_id, answered_at__isnull=True).last()
    IntegrityEvent.objects.create(
        interview_id=interview_id,
        event=event,
        occurred_at=occurred,
        question_sequence=pending.sequence if pending else None,
        detail=detail or {},
    )


def engine_plan(interview: Interview):
    plan = interview.current_plan
    questions = list(plan.questions.order_by("position"))
    return plan_from_dict(
        {
            "summary": plan.summary,
            "duration_minutes": plan.duration_minutes,
            "questions": [
                {
                    "key": q.key,
                    "skill": q.skill,
                    "kind": q.kind,
                    "difficulty": q.difficulty,
                    "text": q.text,
                    "rubric": q.rubric,
                    "minutes": q.minutes,
                }
                for q in questions
            ],
        }
    ), questions


def engine_turns(interview: Interview) -> list[EngineTurn]:
    return [
        EngineTurn(
            question_index=t.question_index,
            kind=t.kind,
            question_text=t.question_text,
            answer_text=t.answer_text,
        )
        for t in interview.turns.order_by("sequence")
        if t.answered_at
    ]


def step(interview_id) -> None:
    """Ask the engine for the next move and push it to the socket; idempotent."""
    interview = Interview.objects.select_related("current_plan").get(pk=interview_id)
    if interview.state != State.IN_PROGRESS:
        return
    if interview.turns.filter(answered_at__isnull=True).exists():
        return  # a question is already waiting for its answer
    session = _session(interview)
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
                _complete(locked, move.text)
                return
            turn = Turn.objects.create(
                interview=locked,
                sequence=sequence,
                question=questions[move.question_index],
                question_index=move.question_index,
                kind=Turn.Kind.MAIN if move.action == "question" else Turn.Kind.FOLLOWUP,
                question_text=move.text,
            )
            frame = question_frame(turn, len(questions))
            transaction.on_commit(lambda: push(interview_id, {"type": "interview.frame", "frame": frame}))
    except IntegrityError:
        return  # a concurrent step asked first


def _complete(interview: Interview, closing: str, *, abandoned: bool = False) -> None:
    now = timezone.now()
    CandidateSession.objects.filter(interview=interview).update(completed_at=now)
    answered = interview.turns.filter(answered_at__isnull=False).values("question_index").distinct().count()
    workflow.record_event(interview, "interview.completed", events.completed(answered, abandoned))
    interview_id = str(interview.id)
    frame = {"type": "completed", "message": closing}
    transaction.on_commit(lambda: push(interview_id, {"type": "interview.frame", "frame": frame}))
    enqueue_on_commit("interviews.tasks.assess", interview_id)


ABANDONED_AFTER = timedelta(hours=24)


def close_abandoned() -> int:
    """Interviews left half-way for a day are closed and assessed on what was answered.

    Unanswered questions score as such; the recruiter sees the interview as
    abandoned in the completed event and decides as usual.
    """
    from django.db.models import Max

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
            if locked.state != State.IN_PROGRESS or _session(locked).completed_at:
                continue
            _complete(
                locked,
                "This interview was closed after a day without activity. Thank you for your time.",
                abandoned=True,
            )
            closed += 1
    return closed


def assess(interview_id) -> None:
    """Score the transcript and hand it to the recruiters; idempotent."""
    interview = Interview.objects.select_related("current_plan").get(pk=interview_id)
    if interview.state != State.IN_PROGRESS or interview.assessments.exists():
        return
    plan, _ = engine_plan(interview)
    integrity = [
        EngineIntegrityEvent(event=e.event, at=e.occurred_at.isoformat())
        for e in interview.integrity_events.all()
    ]
    engine = get_engine()
    with for_interview(interview.id):
        result = engine.assess(plan, engine_turns(interview), integrity)
    with transaction.atomic():
        locked = Interview.objects.select_for_update().get(pk=interview_id)
        if locked.state != State.IN_PROGRESS or locked.assessments.exists():
            return
        assessment = Assessment.objects.create(
            interview=locked,
            plan=Plan.objects.get(pk=locked.current_plan_id),
            engine=engine.name,
            result=to_dict(result),
            overall=result.overall,
            recommendation=result.recommendation,
        )
        workflow.transition(
            locked,
            State.ASSESSMENT_PENDING,
            actor=workflow.SYSTEM,
            reason=f"assessed by the {engine.name} engine: {result.overall}/100 {result.recommendation}",
            event_data=events.assessment_generated(assessment),
        )

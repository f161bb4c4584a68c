"""The interview's next move: ask the engine, then write what it decided.

A question (main or follow-up), the closing question, or the end. With a quick
engine (no model call) ``advance`` runs in the transaction that stores the
answer (``live.store_answer``): one transaction, one lock, the next question
out as soon as it commits. A slow engine is asked by the ``interview_step`` job
(``live.step``) outside any transaction, and ``write`` runs under the lock
afterwards. Either way the engine call's ``AgentStep`` row is written in the
same transaction as the move.
"""

from __future__ import annotations

import logging

from django.utils import timezone

from interview_platform import prepared

from . import conversation, effects, events, mailing, workflow
from .adapters import engine_plan, engine_turns_of
from .agents import get_engine
from .agents.context import for_interview
from .agents.recording import collecting_steps
from .models import CandidateSession, Interview, Turn

logger = logging.getLogger(__name__)


def session_completed(interview: Interview) -> bool:
    """Whether the candidate session (read with the interview, or now) says the interview is over."""
    try:
        session = interview.candidate_session
    except CandidateSession.DoesNotExist:
        return False
    return session.completed_at is not None


def advance(locked: Interview, turns: list[Turn]) -> None:
    """Decide and write the next move, in the caller's transaction (``locked`` is the locked row).

    ``turns`` are all the interview's turns in order, the answer just stored
    included. When the engine fails, the answer stays stored and the job is
    asked to try again (it retries, then tells the candidate).
    """
    if session_completed(locked):
        return
    plan, questions = engine_plan(locked)
    with collecting_steps() as steps, for_interview(locked.id):
        try:
            move = get_engine().next_turn(plan, engine_turns_of(turns))
        except Exception:
            logger.exception("the next move of interview %s failed; the job will try again", locked.id)
            move = None
    prepared.insert(steps)
    if move is None:
        effects.enqueue("interviews.tasks.interview_step", str(locked.id))
        return
    write(locked, turns, questions, move)


def write(locked: Interview, turns: list[Turn], questions: list, move) -> None:
    """Write ``move`` after ``turns`` and push it to the candidate, after commit (row locked)."""
    interview_id = str(locked.id)
    total = len(questions)
    if move.action == "complete":
        closing = next((t for t in turns if t.kind == Turn.Kind.CLOSING), None)
        if closing is not None:
            complete(locked, conversation.completed_message(locked, move.text, closing.answer_text), turns)
        else:
            turn = conversation.ask_closing(locked, len(turns), total)
            effects.push_frame(interview_id, conversation.question_frame(turn, total))
        return
    turn = Turn(
        interview=locked,
        sequence=len(turns),
        question=questions[move.question_index],
        question_index=move.question_index,
        kind=Turn.Kind.MAIN if move.action == "question" else Turn.Kind.FOLLOWUP,
        question_text=move.text,
    )
    prepared.insert([turn])
    effects.push_frame(interview_id, conversation.question_frame(turn, total))


def complete(interview: Interview, closing: str, turns: list[Turn] | None = None, *, abandoned=False) -> None:
    """End the interview (in the caller's transaction, row locked): tell the ATS and the socket, then assess.

    ``turns``: all the interview's turns when the caller has read them already.
    """
    now = timezone.now()
    reverse = Interview.candidate_session.related
    session = reverse.get_cached_value(interview) if reverse.is_cached(interview) else None
    if session is not None:  # read with the interview: its key is known, the update can be held
        prepared.update(CandidateSession, session.pk, {"completed_at": now})
    else:
        CandidateSession.objects.filter(interview=interview).update(completed_at=now)
    if turns is None:
        turns = list(interview.turns.filter(answered_at__isnull=False))
    answered = len({t.question_index for t in turns if t.answered_at and t.kind != Turn.Kind.CLOSING})
    workflow.record_event(
        interview, "interview.completed", events.completed(answered, abandoned), locked=True
    )
    interview_id = str(interview.id)
    effects.push_frame(interview_id, {"type": "completed", "message": closing})
    effects.enqueue("interviews.tasks.assess", interview_id)
    if not abandoned:
        mailing.queue_receipt(interview)

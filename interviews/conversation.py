"""The conversation around the questions: introduction, the thread so far, repeat, rephrase, closing.

Every (re)connect opens with an ``intro`` frame (the organization's named
interviewer and the agenda) and a ``history`` frame (the answered turns), so
the thread survives a reload. The candidate may ask for the open question
again (``repeat``) or in other words (``rephrase``, at most
``MAX_REPHRASINGS`` times per turn, then it is repeated). After the last
planned question comes the closing question; its answer is stored as a turn
of kind ``closing`` and never scored. The frames are listed in the README
("The live interview").
"""

from __future__ import annotations

from django.conf import settings
from django.db import transaction

from interview_platform.api import WrongState

from .adapters import engine_plan
from .agents import get_engine
from .agents.context import for_interview
from .agents.conversation import (
    CLOSING_QUESTION,
    MAX_REPHRASINGS,
    asked_questions,
    introduction,
    next_steps,
)
from .joining import CodeProblem
from .models import Interview, State, Turn


def voice_enabled() -> bool:
    """Whether spoken answers are on (a speech-to-text provider is configured)."""
    return settings.STT_PROVIDER != "none"


def question_frame(turn: Turn, total: int, **flags: bool) -> dict:
    """The ``question`` frame for ``turn``; ``repeat`` / ``rephrased`` flags when set."""
    closing = turn.kind == Turn.Kind.CLOSING
    frame = {
        "type": "question",
        "questionId": turn.public_id,
        "text": turn.question_text,
        # The closing question comes after the last planned one and keeps its number.
        "index": min(turn.question_index + 1, total) if closing else turn.question_index + 1,
        "total": total,
        "kind": turn.kind,
        "minutes": turn.question.minutes if turn.question_id else None,
    }
    frame.update({name: True for name, on in flags.items() if on})
    return frame


def intro_frame(interview: Interview, total: int) -> dict:
    organization = interview.organization
    plan = interview.current_plan
    minutes = plan.duration_minutes if plan else interview.duration_minutes
    voice = voice_enabled()
    return {
        "type": "intro",
        "interviewer": organization.interviewer_name,
        "organization": organization.name,
        "text": introduction(
            interviewer=organization.interviewer_name,
            organization=organization.name,
            position=interview.position,
            questions=total,
            minutes=minutes,
            voice=voice,
        ),
        "agenda": {"questions": total, "minutes": minutes, "voice": voice},
    }


def history_frame(interview: Interview, turns: list[Turn] | None = None) -> dict:
    """The answered turns in order; ``turns``: all the interview's turns, when read already."""
    if turns is None:
        answered = interview.turns.filter(answered_at__isnull=False).order_by("sequence")
    else:
        answered = [t for t in turns if t.answered_at is not None]
    return {
        "type": "history",
        "items": [
            {"questionId": t.public_id, "kind": t.kind, "text": t.question_text, "answer": t.answer_text}
            for t in answered
        ],
    }


def opening_frames(interview: Interview, total: int, turns: list[Turn] | None = None) -> list[dict]:
    """What a (re)connecting socket is told first: who is interviewing, and the thread so far."""
    return [intro_frame(interview, total), history_frame(interview, turns)]


def _open_turn(interview_id, question_id: str) -> Turn:
    """The turn waiting for an answer, locked; out_of_turn when ``question_id`` is another one."""
    interview = Interview.objects.select_for_update().get(pk=interview_id)
    if interview.state != State.IN_PROGRESS:
        raise WrongState("The interview is not in progress.", code="not_in_progress")
    pending = interview.turns.filter(answered_at__isnull=True).select_related("question").last()
    if pending is None or pending.public_id != question_id:
        raise CodeProblem(
            "That question is not the one waiting for an answer.",
            code="out_of_turn",
            fields={"expected": pending.public_id if pending else None},
        )
    return pending


def _total(interview_id) -> int:
    return Interview.objects.get(pk=interview_id).current_plan.questions.count()


def repeat(interview_id, question_id: str) -> dict:
    """The open question again, word for word."""
    with transaction.atomic():
        turn = _open_turn(interview_id, question_id)
    return question_frame(turn, _total(interview_id), repeat=True)


def rephrase(interview_id, question_id: str) -> dict:
    """The open question in other words (the engine's), or repeated once the rephrasings are used up.

    The closing question has nothing to reword and is repeated. The engine is
    asked outside any transaction (a model call may take a while); the count
    is taken under the lock, so two quick requests cannot both pass the limit.
    """
    with transaction.atomic():
        turn = _open_turn(interview_id, question_id)
        if turn.kind == Turn.Kind.CLOSING or turn.rephrasings >= MAX_REPHRASINGS or not turn.question_id:
            return question_frame(turn, _total(interview_id), repeat=True)
        attempt = turn.rephrasings + 1
        Turn.objects.filter(pk=turn.pk).update(rephrasings=attempt)
    interview = Interview.objects.select_related("current_plan").get(pk=interview_id)
    plan, questions = engine_plan(interview)
    with for_interview(interview.id):
        text = get_engine().rephrase(plan.questions[turn.question_index], turn.question_text, attempt=attempt)
    frame = question_frame(turn, len(questions), rephrased=True)
    frame["text"] = text
    return frame


def ask_closing(locked: Interview, sequence: int, total: int) -> Turn:
    """The closing question, as the turn after the last planned one (inside the caller's transaction)."""
    return Turn.objects.create(
        interview=locked,
        sequence=sequence,
        question=None,
        question_index=total,
        kind=Turn.Kind.CLOSING,
        question_text=CLOSING_QUESTION,
    )


def completed_message(interview: Interview, closing: str, answer: str | None = None) -> str:
    """The engine's closing words and what happens next; ``answer``: the closing question's, when known."""
    if answer is None:
        answer = (
            interview.turns.filter(kind=Turn.Kind.CLOSING, answered_at__isnull=False)
            .values_list("answer_text", flat=True)
            .first()
        )
    organization = interview.organization
    steps = next_steps(
        organization=organization.name,
        contact_email=organization.contact_email,
        has_questions=asked_questions(answer or ""),
    )
    return f"{closing} {steps}"

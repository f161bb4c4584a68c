"""The candidate's side of the answer-cost tests: an interview started, its open turn, the answers given."""

from __future__ import annotations

from interviews import live
from interviews.models import Interview, Turn
from tests.factories import ANSWERS, approved_interview

CHANNEL = "socket-1"


def answer_for(turn: Turn) -> str:
    if turn.kind == Turn.Kind.CLOSING:
        return "How big is the team I would join?"
    if turn.sequence == 0:
        return "I am not sure, honestly."  # weak: earns a follow-up
    if turn.kind == Turn.Kind.FOLLOWUP:
        return "In our checkout service we measured first, then fixed the slow query."
    return (
        ANSWERS.get(turn.question.key, {}).get("strong_answer") or f"I would explain {turn.question.skill}."
    )


def started(api_key, recruiter, capture) -> Interview:
    run_id, _ = approved_interview(api_key, recruiter, capture)
    interview = Interview.objects.get(run_id=run_id)
    with capture(execute=True):
        live.start(interview.id, CHANNEL)
    return interview


def open_turn(interview) -> Turn | None:
    return (
        Turn.objects.filter(interview=interview, answered_at__isnull=True).select_related("question").last()
    )


def sql_of(captured) -> list[str]:
    return [q["sql"] for q in captured.captured_queries]


def assert_one_transaction(statements: list[str]) -> list[str]:
    """Everything inside one atomic block (a savepoint inside the test's transaction); returns the rest."""
    assert statements[0].startswith("SAVEPOINT") and statements[-1].startswith("RELEASE SAVEPOINT"), (
        statements
    )
    assert sum(s.startswith("SAVEPOINT") for s in statements) == 1, statements
    return statements[1:-1]

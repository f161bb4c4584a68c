"""Writes held together: ``prepared.held()`` sends its inserts and updates as one statement.

An answer stores itself on its turn, writes the step record and the next
question: three round trips, each costing both the socket process and
PostgreSQL more than the write in it. Held, they are one statement; anything
else that runs on the connection meanwhile sends them first, so the order of
everything is the order it was written in.
"""

from __future__ import annotations

import pytest
from django.db import IntegrityError, connection, transaction
from django.test.utils import CaptureQueriesContext

from interview_platform import prepared
from interviews.models import AgentStep, Interview, Turn
from tests.services import require_postgres

pytestmark = pytest.mark.django_db


@pytest.fixture
def interview(org):
    require_postgres()
    return Interview.objects.create(organization=org, state="IN_PROGRESS", position="X", level="SENIOR")


def turn(interview, sequence: int, text: str = "Why?") -> Turn:
    return Turn(interview=interview, sequence=sequence, question_index=0, kind="main", question_text=text)


def step(interview, latency: int) -> AgentStep:
    return AgentStep(
        interview=interview, step="next_turn", engine="heuristic", outcome="ok", latency_ms=latency
    )


def test_an_update_and_inserts_of_two_models_are_one_statement_with_every_key_set(interview):
    asked = turn(interview, 0)
    asked.save()
    steps, following = [step(interview, 1), step(interview, 2)], [turn(interview, 1, "And then?")]
    with transaction.atomic(), CaptureQueriesContext(connection) as run, prepared.held():
        assert prepared.update(Turn, asked.pk, {"answer_text": "Because."}) is None
        prepared.insert(steps)
        prepared.insert(following)
        assert steps[0].pk is None and following[0].pk is None  # not sent yet
    [sql] = [q["sql"] for q in run.captured_queries if not q["sql"].startswith(("SAVEPOINT", "RELEASE"))]
    assert sql.startswith('WITH w0 AS (UPDATE "interviews_turn"') and "UNION ALL" in sql
    assert Turn.objects.get(pk=asked.pk).answer_text == "Because."
    assert [AgentStep.objects.get(pk=s.pk).latency_ms for s in steps] == [1, 2]
    assert Turn.objects.get(pk=following[0].pk).question_text == "And then?"
    assert steps[1].pk > steps[0].pk


def test_another_statement_sends_what_is_held_first(interview):
    with transaction.atomic(), prepared.held():
        made = prepared.insert([turn(interview, 0)])
        # A query sees the held insert: it was sent before the query ran.
        assert Turn.objects.filter(interview=interview).count() == 1
        assert made[0].pk is not None
        prepared.update(Turn, made[0].pk, {"answer_text": "Seen."})
    assert Turn.objects.get(pk=made[0].pk).answer_text == "Seen."


def test_an_update_after_a_held_write_to_its_table_is_sent_apart(interview):
    # One statement runs on one snapshot: an update could not see a row another part inserts.
    with transaction.atomic(), CaptureQueriesContext(connection) as run, prepared.held():
        [new] = prepared.insert([turn(interview, 0)])
        prepared.update(Turn, new.pk, {"answer_text": "Written after the insert."})
        prepared.update(Turn, new.pk, {"answer_text": "And again."})
    writes = [q["sql"] for q in run.captured_queries if q["sql"].startswith(("INSERT", "UPDATE", "WITH"))]
    assert len(writes) == 3, writes
    assert Turn.objects.get(pk=new.pk).answer_text == "And again."


def test_an_error_in_the_held_writes_rolls_the_transaction_back(interview):
    with pytest.raises(IntegrityError), transaction.atomic(), prepared.held():
        prepared.insert([step(interview, 1)])
        prepared.insert([turn(interview, 0), turn(interview, 0)])  # the same sequence twice
    assert not AgentStep.objects.filter(interview=interview).exists()
    assert not Turn.objects.filter(interview=interview).exists()


def test_writes_held_when_the_block_raises_are_sent_as_they_would_have_been(interview):
    with transaction.atomic(), pytest.raises(RuntimeError), prepared.held():
        prepared.insert([step(interview, 7)])
        raise RuntimeError("caught outside the block; the transaction goes on")
    assert AgentStep.objects.get(interview=interview).latency_ms == 7


def test_nested_blocks_hold_once_and_a_savepoint_comes_after_the_held_writes(interview):
    with transaction.atomic(), prepared.held():
        prepared.insert([step(interview, 1)])
        with prepared.held():
            prepared.insert([step(interview, 2)])
        try:
            with transaction.atomic():  # its SAVEPOINT sends the two steps first
                prepared.insert([step(interview, 3)])
                raise ValueError
        except ValueError:
            pass
    assert sorted(AgentStep.objects.filter(interview=interview).values_list("latency_ms", flat=True)) == [
        1,
        2,
    ]


def test_prepared_reads_go_together_in_one_round_trip_each_with_its_own_rows(interview):
    from interviews import live

    made = prepared.insert([turn(interview, 0, "First?"), turn(interview, 1, "Second?")])
    with transaction.atomic(), CaptureQueriesContext(connection) as run:
        locked, turns = prepared.rows_together(
            (live._LOCKED, (interview.id,)), (live._TURNS, (interview.id,))
        )
    [sql] = [q["sql"] for q in run.captured_queries if not q["sql"].startswith(("SAVEPOINT", "RELEASE"))]
    assert sql.count("; ") == 1 and "FOR UPDATE" in sql
    assert [row["id"] for row in locked] == [interview.id]
    assert locked == live._LOCKED.rows(interview.id) and turns == live._TURNS.rows(interview.id)
    assert [(row["id"], row["question_text"]) for row in turns] == [(t.pk, t.question_text) for t in made]
    assert prepared.rows_together((live._TURNS, (interview.id,))) == [turns]

"""The answer's writes with statements built once per model: the rows the ORM would write.

An answer stores itself on its turn (an update by key), writes the engine's
step record and the next question (inserts). The ORM builds each statement
anew (a query, a compiler, the SQL field by field): 0.1-0.2 ms of the socket
process's time per statement, which these spare.
"""

from __future__ import annotations

import uuid

import pytest
from django.db import connection, models
from django.db.models.functions import Now
from django.test.utils import CaptureQueriesContext, isolate_apps
from django.utils import timezone

from interview_platform import prepared
from interviews.models import AgentStep, Interview, Recording, Turn
from tests.services import require_postgres

pytestmark = pytest.mark.django_db


@pytest.fixture
def interview(org):
    return Interview.objects.create(organization=org, state="IN_PROGRESS", position="X", level="SENIOR")


def _row(model, pk) -> dict:
    return model.objects.filter(pk=pk).values().get()


def _fields(instance) -> dict:
    return {f.attname: getattr(instance, f.attname) for f in instance._meta.concrete_fields}


def test_an_insert_writes_the_row_the_orm_would_and_sets_the_key(interview):
    require_postgres()
    mine = Turn(interview=interview, sequence=0, question_index=0, kind=Turn.Kind.MAIN, question_text="Why?")
    theirs = Turn(
        interview=interview, sequence=1, question_index=0, kind=Turn.Kind.MAIN, question_text="Why?"
    )
    with CaptureQueriesContext(connection) as run:
        assert prepared.insert([mine]) == [mine]
    theirs.save()
    assert len(run.captured_queries) == 1
    assert mine.pk is not None and not mine._state.adding and mine._state.db == "default"
    written, expected = _row(Turn, mine.pk), _row(Turn, theirs.pk)
    assert {k: v for k, v in written.items() if k not in ("id", "sequence", "asked_at")} == {
        k: v for k, v in expected.items() if k not in ("id", "sequence", "asked_at")
    }
    assert written["asked_at"] == mine.asked_at and written["sequence"] == 0
    assert _fields(Turn.objects.get(pk=mine.pk)) == _fields(mine)


def test_several_rows_are_one_statement_and_get_their_own_keys_in_order(interview):
    require_postgres()
    steps = [
        AgentStep(interview=interview, step="next_turn", engine="heuristic", outcome="ok", latency_ms=n)
        for n in range(3)
    ]
    with CaptureQueriesContext(connection) as run:
        prepared.insert(steps)
    assert len(run.captured_queries) == 1
    assert [AgentStep.objects.get(pk=s.pk).latency_ms for s in steps] == [0, 1, 2]
    assert prepared.insert([]) == []


def test_an_update_by_key_writes_plain_values_and_a_related_instance(interview):
    require_postgres()
    turn = Turn.objects.create(
        interview=interview, sequence=0, question_index=0, kind=Turn.Kind.MAIN, question_text="Why?"
    )
    other = Turn.objects.create(
        interview=interview, sequence=1, question_index=0, kind=Turn.Kind.MAIN, question_text="How?"
    )
    recording = Recording.objects.create(
        interview=interview, turn=turn, content_type="audio/webm", size=10, duration_seconds=1.0, text="we"
    )
    now = timezone.now()
    values = {
        "answer_text": "We measured first.",
        "answered_at": now,
        "recording": recording,
        "transcript_edited": True,
        "transcript_edit_ratio": 0.125,
    }
    with CaptureQueriesContext(connection) as run:
        assert prepared.update(Turn, turn.pk, values) == 1
    assert len(run.captured_queries) == 1
    stored = Turn.objects.get(pk=turn.pk)
    assert (stored.answer_text, stored.answered_at, stored.recording_id) == (
        "We measured first.",
        now,
        recording.pk,
    )
    assert (stored.transcript_edited, stored.transcript_edit_ratio) == (True, 0.125)
    assert Turn.objects.get(pk=other.pk).answer_text == ""  # by key: no other row
    assert prepared.update(Turn, 10**9, {"answer_text": "x"}) == 0
    assert prepared.update(Interview, uuid.uuid4(), {"position": "Y"}) == 0


@isolate_apps("interviews")
def test_values_the_database_computes_are_left_to_the_orm():
    class Computed(models.Model):  # noqa: DJ008
        made = models.DateTimeField(db_default=Now())

        class Meta:
            app_label = "interviews"

    class Plain(models.Model):  # noqa: DJ008
        made = models.DateTimeField()

        class Meta:
            app_label = "interviews"

    assert prepared._insert_plan(Computed, "default") is None
    head, row, returning, fields = prepared._insert_plan(Plain, "default")
    assert [f.name for f in fields] == ["made"] and returning.startswith(" RETURNING")

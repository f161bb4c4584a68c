"""What the end of an interview costs: the completing answer, then the assessment job.

When many interviews end together, every statement and every commit of their
last steps competes with the answers of the candidates still talking. Measured
before the change: the completing answer took 10 statements in its transaction
on PostgreSQL; the assessment job wrote its step record in a transaction of its
own (with a check that the interview exists), then read the interview it had
locked again, and the plan it had read already: 23 statements, two commits.
"""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from interviews import assessing, live
from interviews.agents.heuristic import HeuristicEngine
from interviews.models import AgentStep, Assessment, CandidateSession, State, Turn
from tests.answer_support import CHANNEL, answer_for, assert_one_transaction, open_turn, sql_of, started
from webhooks.models import Event

pytestmark = pytest.mark.django_db


def at_the_closing_question(api_key, recruiter, capture, watch_jobs):
    interview = started(api_key, recruiter, capture)
    enqueued = watch_jobs()
    while (turn := open_turn(interview)).kind != Turn.Kind.CLOSING:
        live.store_answer(interview.id, turn.public_id, answer_for(turn), reply_to=CHANNEL)
    return interview, turn, enqueued


def test_the_completing_answer_sends_its_writes_together(api_key, recruiter, capture, watch_jobs):
    interview, closing, enqueued = at_the_closing_question(api_key, recruiter, capture, watch_jobs)
    with capture(execute=True), CaptureQueriesContext(connection) as captured:
        frames = live.store_answer(interview.id, closing.public_id, answer_for(closing), reply_to=CHANNEL)
    inside = assert_one_transaction(sql_of(captured))
    assert [f["type"] for f in frames] == ["completed"]
    if connection.vendor == "postgresql":
        # The lock with the turns; the answer and the step record; the organization (the closing
        # words and whether to write to the candidate); the session, the event's number, the
        # event (the organization's endpoints read before its deliveries); the receipt's check;
        # the receipt.
        assert len(inside) == 7, inside
        together = next(s for s in inside if s.startswith('WITH w0 AS (UPDATE "interviews_candidatesession"'))
        assert 'UPDATE "interviews_interview" SET "event_sequence"' in together
        assert 'INSERT INTO "webhooks_event"' in together
        alone = ('UPDATE "interviews_candidatesession"', 'UPDATE "interviews_interview" SET "event_sequence"')
        assert not any(s.startswith(alone) for s in inside), inside
    interview.refresh_from_db()
    assert CandidateSession.objects.get(interview=interview).completed_at is not None
    assert interview.event_sequence == Event.objects.filter(interview=interview).count()
    assert interview.candidate_messages.filter(kind="receipt").count() == 1
    assert "interviews.tasks.assess" in enqueued


def test_the_assessment_is_written_with_its_step_record_in_one_transaction(
    api_key, recruiter, capture, watch_jobs
):
    interview, closing, _ = at_the_closing_question(api_key, recruiter, capture, watch_jobs)
    live.store_answer(interview.id, closing.public_id, answer_for(closing), reply_to=CHANNEL)
    steps_before = AgentStep.objects.filter(interview=interview, step="assess").count()
    with CaptureQueriesContext(connection) as captured:
        assessing.assess(interview.id)
    statements = sql_of(captured)
    first = next(n for n, s in enumerate(statements) if s.startswith("SAVEPOINT"))
    inside = statements[first:]
    # Everything written, in the one transaction (a savepoint inside the test's own).
    assert not any(s.startswith(("INSERT", "UPDATE", "WITH")) for s in statements[:first]), statements[:first]
    assert inside[-1].startswith("RELEASE SAVEPOINT"), inside
    written = " ".join(inside)
    assert 'INTO "interviews_agentstep"' in written and 'INTO "interviews_assessment"' in written
    # The interview is locked and read once, the plan not read again, no existence check of its own.
    locks = [s for s in inside if 'FROM "interviews_interview"' in s and "FOR UPDATE" in s]
    assert len(locks) == (1 if connection.features.has_select_for_update else 0), inside
    assert sum('FROM "interviews_interview"' in s for s in inside) == 1, inside
    assert not any('FROM "interviews_plan"' in s for s in inside), inside
    assert len(statements) <= (16 if connection.vendor == "postgresql" else 18), statements
    interview.refresh_from_db()
    assert interview.state == State.ASSESSMENT_PENDING
    assessment = Assessment.objects.get(interview=interview)
    assert assessment.plan_id == interview.current_plan_id
    assert AgentStep.objects.filter(interview=interview, step="assess").count() == steps_before + 1


def test_a_failed_assessment_call_is_on_record_and_writes_nothing_else(
    api_key, recruiter, capture, watch_jobs, monkeypatch
):
    interview, closing, _ = at_the_closing_question(api_key, recruiter, capture, watch_jobs)
    live.store_answer(interview.id, closing.public_id, answer_for(closing), reply_to=CHANNEL)

    def broken(self, *args, **kwargs):
        raise RuntimeError("the model went away")

    monkeypatch.setattr(HeuristicEngine, "assess", broken)
    with pytest.raises(RuntimeError, match="went away"):
        assessing.assess(interview.id)
    step = AgentStep.objects.filter(interview=interview, step="assess").get()
    assert step.outcome != AgentStep.Outcome.OK and "went away" in step.error
    assert not Assessment.objects.filter(interview=interview).exists()
    interview.refresh_from_db()
    assert interview.state == State.IN_PROGRESS


def test_a_run_that_finds_it_assessed_under_the_lock_records_its_call_and_changes_nothing(
    api_key, recruiter, capture, watch_jobs, monkeypatch
):
    interview, closing, _ = at_the_closing_question(api_key, recruiter, capture, watch_jobs)
    live.store_answer(interview.id, closing.public_id, answer_for(closing), reply_to=CHANNEL)
    engine_assess = HeuristicEngine.assess
    calls = []

    def meanwhile(self, *args, **kwargs):
        # Another run of the job assesses the interview while this one's engine call is out.
        calls.append(1)
        if len(calls) == 1:
            assessing.assess(interview.id)
        return engine_assess(self, *args, **kwargs)

    monkeypatch.setattr(HeuristicEngine, "assess", meanwhile)
    assessing.assess(interview.id)
    assert len(calls) == 2
    assert Assessment.objects.filter(interview=interview).count() == 1
    assert AgentStep.objects.filter(interview=interview, step="assess").count() == 2
    interview.refresh_from_db()
    assert interview.state == State.ASSESSMENT_PENDING
    assert Event.objects.filter(interview=interview, type="interview.assessment_generated").count() == 1

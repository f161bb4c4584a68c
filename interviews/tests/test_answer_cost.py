"""What one candidate answer costs: statements, transactions, and no background job with a quick engine.

The offline engine decides the next move in line, in the transaction that
stores the answer; the conversation is the same as when the job decides it.
"""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from interviews import adapters, effects, live
from interviews.agents.heuristic import HeuristicEngine
from interviews.models import AgentStep, Interview, Plan, Question, State, Turn
from tests.answer_support import CHANNEL, answer_for, assert_one_transaction, open_turn, sql_of, started
from tests.factories import approved_interview

pytestmark = pytest.mark.django_db


# Before: ~20 statements in 3 transactions (the answer; the job's read, engine
# call and write; the step record). Now, for an answer that gets a next question:
# lock the interview and read its turns (sent together on PostgreSQL), then store
# the answer, write the step record and the next question (one statement on
# PostgreSQL: the writes held together). The plan's questions are read once per
# process (a plan version never changes; the socket's first question read them already).
def statements_per_answer() -> int:
    return 2 if connection.vendor == "postgresql" else 5


def question_reads(statements: list[str]) -> int:
    return sum(s.startswith("SELECT") and 'FROM "interviews_question"' in s for s in statements)


def test_an_answer_is_one_transaction_of_two_round_trips_and_the_next_question_comes_back(
    api_key, recruiter, capture, watch_jobs
):
    interview = started(api_key, recruiter, capture)
    enqueued = watch_jobs()
    first = open_turn(interview)
    with capture(execute=True), CaptureQueriesContext(connection) as captured:
        frames = live.store_answer(interview.id, first.public_id, answer_for(first), reply_to=CHANNEL)
    inside = assert_one_transaction(sql_of(captured))
    assert len(inside) == statements_per_answer(), inside
    if connection.vendor == "postgresql":
        lock, turns = inside[0].split("; ")
        assert "FOR UPDATE OF" in lock and turns.startswith("SELECT") and 'FROM "interviews_turn"' in turns
        assert inside[-1].startswith('WITH w0 AS (UPDATE "interviews_turn"'), inside[-1]
    assert '"interviews_plan"' not in inside[0]  # the lock joins no plan: the kept one is used
    assert sum(s.startswith("SELECT") and "FOR UPDATE" in s for s in inside) == (
        1 if connection.features.has_select_for_update else 0
    )
    assert enqueued == []  # no job: the move was decided with the answer
    followup = open_turn(interview)
    assert (followup.sequence, followup.kind) == (1, Turn.Kind.FOLLOWUP)
    # The step record is written with the answer.
    assert AgentStep.objects.filter(interview=interview, step="next_turn").count() == 2
    [frame] = frames  # after commit, for the socket that sent the answer to send itself
    assert frame["type"] == "question" and frame["questionId"] == followup.public_id
    assert (frame["kind"], frame["index"], frame["text"]) == ("followup", 1, followup.question_text)


def test_the_completing_answer_is_one_transaction_too(api_key, recruiter, capture, watch_jobs):
    interview = started(api_key, recruiter, capture)
    enqueued = watch_jobs()
    while (turn := open_turn(interview)).kind != Turn.Kind.CLOSING:
        with capture(execute=True):
            live.store_answer(interview.id, turn.public_id, answer_for(turn), reply_to=CHANNEL)
    with capture(execute=True), CaptureQueriesContext(connection) as captured:
        frames = live.store_answer(interview.id, turn.public_id, answer_for(turn), reply_to=CHANNEL)
    inside = assert_one_transaction(sql_of(captured))
    assert len(inside) <= 14, inside
    assert [f["type"] for f in frames] == ["completed"]
    assert "Your questions have been passed on" in frames[0]["message"]
    assert "interviews.tasks.assess" in enqueued and "interviews.tasks.interview_step" not in enqueued
    interview.refresh_from_db()
    assert interview.event_sequence == interview.events.count()
    assert interview.events.order_by("-sequence").first().type == "interview.completed"


def drive(interview, capture) -> list[tuple]:
    """Answer to the end; the conversation as (kind, question index, question text) per turn."""
    while (turn := open_turn(interview)) is not None:
        with capture(execute=True):  # the jobs, when there are, run on commit
            live.store_answer(interview.id, turn.public_id, answer_for(turn), reply_to=CHANNEL)
    return list(
        Turn.objects.filter(interview=interview).values_list("kind", "question_index", "question_text")
    )


def test_the_conversation_is_the_same_as_when_the_job_decides(api_key, recruiter, capture, monkeypatch):
    inline = started(api_key, recruiter, capture)
    decided_inline = drive(inline, capture)
    monkeypatch.setattr(HeuristicEngine, "quick", False)  # as a model-backed engine: the job decides
    by_job = started(api_key, recruiter, capture)
    decided_by_job = drive(by_job, capture)
    assert decided_inline == decided_by_job
    assert [kind for kind, _, _ in decided_inline].count("followup") >= 1
    assert decided_inline[-1][0] == Turn.Kind.CLOSING
    for interview in (inline, by_job):
        interview.refresh_from_db()
        assert interview.state == State.ASSESSMENT_PENDING
    steps = {i.pk: AgentStep.objects.filter(interview=i, step="next_turn").count() for i in (inline, by_job)}
    assert steps[inline.pk] == steps[by_job.pk] == len(decided_inline) + 1


def test_a_slow_engine_leaves_the_move_to_the_job(api_key, recruiter, capture, watch_jobs, monkeypatch):
    monkeypatch.setattr(HeuristicEngine, "quick", False)
    interview = started(api_key, recruiter, capture)
    enqueued = watch_jobs()
    first = open_turn(interview)
    with CaptureQueriesContext(connection) as captured:
        frames = live.store_answer(interview.id, first.public_id, "I am not sure.", reply_to=CHANNEL)
    assert len(assert_one_transaction(sql_of(captured))) <= 3
    assert (frames, enqueued) == ([], ["interviews.tasks.interview_step"])
    assert open_turn(interview) is None  # stored; the job asks the next question


def test_a_failing_engine_keeps_the_answer_and_asks_the_job(
    api_key, recruiter, capture, watch_jobs, monkeypatch
):
    interview = started(api_key, recruiter, capture)
    enqueued = watch_jobs()
    first = open_turn(interview)

    def broken(self, plan, turns):
        raise RuntimeError("engine down")

    monkeypatch.setattr(HeuristicEngine, "next_turn", broken)
    with capture(execute=True):
        frames = live.store_answer(
            interview.id, first.public_id, "An answer worth keeping.", reply_to=CHANNEL
        )
    assert frames == [] and enqueued == ["interviews.tasks.interview_step"]
    assert Turn.objects.get(pk=first.pk).answer_text == "An answer worth keeping."
    assert AgentStep.objects.filter(interview=interview, step="next_turn", outcome="failed").count() == 1


def test_a_socket_that_was_taken_over_gets_nothing_back_the_live_one_is_pushed_to(
    api_key, recruiter, capture, monkeypatch
):
    interview = started(api_key, recruiter, capture)
    pushed = []
    monkeypatch.setattr(effects, "push", lambda interview_id, message: pushed.append(message["frame"]))
    with capture(execute=True):
        live.start(interview.id, "socket-2")  # a second window took over
    first = open_turn(interview)
    with capture(execute=True):
        frames = live.store_answer(interview.id, first.public_id, "I am not sure.", reply_to=CHANNEL)
    assert frames == []
    assert [(f["type"], f["questionId"]) for f in pushed] == [("question", open_turn(interview).public_id)]


def test_a_plan_is_read_once_per_process_and_a_new_version_afresh(api_key, recruiter, capture, watch_jobs):
    interview = started(api_key, recruiter, capture)
    watch_jobs()
    adapters.forget_plans()
    first = open_turn(interview)
    with capture(execute=True), CaptureQueriesContext(connection) as captured:
        live.store_answer(interview.id, first.public_id, answer_for(first), reply_to=CHANNEL)
    assert question_reads(sql_of(captured)) == 1  # not kept yet: read with the answer
    second = open_turn(interview)
    with capture(execute=True), CaptureQueriesContext(connection) as captured:
        live.store_answer(interview.id, second.public_id, answer_for(second), reply_to=CHANNEL)
    assert question_reads(sql_of(captured)) == 0
    # Another version of the plan (another row) is read on its own, with its own questions.
    old = Interview.objects.select_related("current_plan").get(pk=interview.pk)
    plan, _ = adapters.engine_plan(old)
    newer = Plan.objects.create(
        interview=interview, version=old.current_plan.version + 1, engine="heuristic", duration_minutes=30
    )
    Question.objects.bulk_create(adapters.question_rows(newer, plan.questions[:2]))
    Interview.objects.filter(pk=interview.pk).update(current_plan=newer)
    fresh = Interview.objects.select_related("current_plan").get(pk=interview.pk)
    with CaptureQueriesContext(connection) as captured:
        again, rows = adapters.engine_plan(fresh)
    assert question_reads(sql_of(captured)) == 1
    assert [q.key for q in again.questions] == [q.key for q in plan.questions[:2]]
    assert [r.plan_id for r in rows] == [newer.id, newer.id]


def test_kept_plans_are_bounded(api_key, recruiter, capture, monkeypatch):
    adapters.forget_plans()
    monkeypatch.setattr(adapters, "PLAN_CACHE_SIZE", 2)
    interviews = []
    for _ in range(3):
        run_id, _ = approved_interview(api_key, recruiter, capture)
        interviews.append(Interview.objects.select_related("current_plan").get(run_id=run_id))
    for interview in interviews:
        adapters.engine_plan(interview)
    assert list(adapters._plans) == [i.current_plan_id for i in interviews[1:]]
    with CaptureQueriesContext(connection) as captured:
        adapters.engine_plan(interviews[0])  # the oldest was dropped: read again
    assert question_reads(sql_of(captured)) == 1


def test_a_socket_connects_in_one_transaction_of_few_statements(api_key, recruiter, capture, watch_jobs):
    from interviews.models import CandidateSession

    run_id, _ = approved_interview(api_key, recruiter, capture)
    interview = Interview.objects.get(run_id=run_id)
    CandidateSession.objects.create(interview=interview)  # the join page made it
    adapters.forget_plans()
    watch_jobs()
    with capture(execute=True), CaptureQueriesContext(connection) as captured:
        status = live.start(interview.id, CHANNEL)
    statements = sql_of(captured)
    assert statements[0].startswith("SAVEPOINT") and statements[-1].startswith("RELEASE SAVEPOINT")
    inside = statements[1:-1]  # one transaction (a savepoint inside the test's)
    # The interview locked with its organization, plan and session (read once, not again to move it);
    # the move (its update, a savepoint around it, the state change and event together, the
    # endpoints); the session's update; the turns; the plan's questions (once per process); the
    # step and the first question together. Elsewhere the held writes go one by one.
    assert len(inside) == (10 if connection.vendor == "postgresql" else 12), inside
    assert sum(s.startswith("SELECT") and 'FROM "interviews_interview"' in s for s in inside) == 1
    assert not any("COUNT(" in s for s in inside)  # the question count comes from the kept plan
    assert [f["type"] for f in status["frames"]] == ["intro", "history", "question"]
    assert (
        status["frames"][0]["agenda"]["questions"]
        == Plan.objects.get(pk=interview.current_plan_id).questions.count()
    )


def test_a_quick_engine_asks_the_first_question_when_the_socket_connects(
    api_key, recruiter, capture, watch_jobs
):
    run_id, _ = approved_interview(api_key, recruiter, capture)
    interview = Interview.objects.get(run_id=run_id)
    enqueued = watch_jobs()
    with capture(execute=True):
        status = live.start(interview.id, CHANNEL)
    first = open_turn(interview)
    assert enqueued == [] and (first.sequence, first.kind) == (0, Turn.Kind.MAIN)
    assert [f["type"] for f in status["frames"]][-1] == "question"
    assert status["frames"][-1]["questionId"] == first.public_id
    assert AgentStep.objects.filter(interview=interview, step="next_turn").count() == 1
    # Connecting again (a reload) sends the same open question; nothing new is asked.
    with capture(execute=True):
        again = live.start(interview.id, "socket-2")
    assert again["takeover"] == CHANNEL and again["frames"][-1]["questionId"] == first.public_id
    assert Turn.objects.filter(interview=interview).count() == 1 and enqueued == []


def test_a_slow_engine_leaves_the_first_question_to_the_job(
    api_key, recruiter, capture, watch_jobs, monkeypatch
):
    monkeypatch.setattr(HeuristicEngine, "quick", False)
    run_id, _ = approved_interview(api_key, recruiter, capture)
    interview = Interview.objects.get(run_id=run_id)
    enqueued = watch_jobs()
    with capture(execute=True):
        status = live.start(interview.id, CHANNEL)
    assert enqueued == ["interviews.tasks.interview_step"] and open_turn(interview) is None
    assert "question" not in [f["type"] for f in status["frames"]]


def test_the_answers_compiled_reads_build_what_the_orm_would(api_key, recruiter, capture):
    from django.db import transaction

    from interviews.models import CandidateSession

    interview = started(api_key, recruiter, capture)
    expected = Interview.objects.select_related("candidate_session").get(pk=interview.pk)
    expected_turns = list(expected.turns.all())
    with transaction.atomic(), CaptureQueriesContext(connection) as reads:
        locked, turns = live._locked_with_turns(str(interview.pk))
        # The session and each turn's interview come with the reads: no more queries.
        session, back = locked.candidate_session, {turn.interview for turn in turns}
    # One round trip on PostgreSQL (both statements in one query), two elsewhere.
    assert len(reads.captured_queries) == (1 if connection.vendor == "postgresql" else 2)
    if connection.features.has_select_for_update_of:  # SQLite writes one at a time instead
        assert "FOR UPDATE OF" in reads.captured_queries[0]["sql"]
    fields = [f.attname for f in Interview._meta.concrete_fields]
    assert [getattr(locked, f) for f in fields] == [getattr(expected, f) for f in fields]
    session_fields = [f.attname for f in CandidateSession._meta.concrete_fields]
    assert [getattr(session, f) for f in session_fields] == [
        getattr(expected.candidate_session, f) for f in session_fields
    ]
    assert session.live_channel == CHANNEL and back == {locked}
    turn_fields = [f.attname for f in Turn._meta.concrete_fields]
    assert [[getattr(t, f) for f in turn_fields] for t in turns] == [
        [getattr(t, f) for f in turn_fields] for t in expected_turns
    ]
    assert not locked._state.adding and all(not t._state.adding for t in turns)

    CandidateSession.objects.filter(interview=interview).delete()
    with transaction.atomic():
        alone, _ = live._locked_with_turns(str(interview.pk))
        with CaptureQueriesContext(connection) as none, pytest.raises(CandidateSession.DoesNotExist):
            alone.candidate_session  # noqa: B018
        assert none.captured_queries == []
        with pytest.raises(Interview.DoesNotExist):
            live._locked_with_turns("00000000-0000-0000-0000-000000000000")

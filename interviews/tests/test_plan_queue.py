"""Waiting interviews are planned by planners that one wake-up starts, on the real broker and database.

A burst of requests sends one job; the job plans every interview waiting,
wakes helpers when more wait, gives way after its turn, and hands a failed
attempt to the per-interview job with its retries counted.
"""

from __future__ import annotations

import json
import re
import time
from datetime import timedelta

import pytest
import redis
from django.utils import timezone

from interview_platform import jobs
from interviews import plan_queue, sweeps
from interviews.models import Interview, State
from tests.factories import CREATE, SEED_BODY
from tests.live import empty_broker, free_port, stack_env, start_worker, stop

pytestmark = [pytest.mark.integration, pytest.mark.django_db(transaction=True)]

PLANNER = "interviews.tasks.plan_waiting"
ONE_PLAN = "interviews.tasks.validate_and_plan"


@pytest.fixture
def broker(settings):
    url = empty_broker()
    settings.EMBEDDED = False
    yield url
    redis.Redis.from_url(url).flushdb()


def _create(ats, n: int) -> list[str]:
    ids = []
    for i in range(n):
        response = ats.post(CREATE, {**SEED_BODY, "candidateEmail": f"c{i}@example.com"}, format="json")
        assert response.status_code == 201, response.content
        ids.append(response.json()["runId"])
    return ids


def _queued(broker: str, queue: str = "agents") -> list[dict]:
    """The jobs waiting on the broker: (task name, args, retries) of each message."""
    found = []
    for raw in redis.Redis.from_url(broker).lrange(queue, 0, -1):
        message = json.loads(raw)
        headers = message["headers"]
        found.append({"task": headers["task"], "args": headers["argsrepr"], "retries": headers["retries"]})
    return found


def _states(run_ids) -> list[str]:
    return list(Interview.objects.filter(run_id__in=run_ids).values_list("state", flat=True))


def test_a_burst_of_requests_sends_one_job_that_plans_them_all(ats, broker):
    run_ids = _create(ats, 12)
    assert _states(run_ids) == [State.VALIDATING_SKILLS] * 12
    assert [job["task"] for job in _queued(broker)] == [PLANNER]
    # The job (here in the test's process) plans every one; seeing more waiting after its
    # first, it woke one helper for a free worker (one: the wake-up stands until a job runs).
    assert plan_queue.plan_waiting() == 12
    assert _states(run_ids) == [State.PENDING] * 12
    assert [job["task"] for job in _queued(broker)] == [PLANNER, PLANNER]
    assert plan_queue.plan_waiting() == 0  # the helper finds nothing left
    # Once a job has looked, the next request wakes a new one.
    _create(ats, 1)
    assert [job["task"] for job in _queued(broker)] == [PLANNER, PLANNER, PLANNER]


def test_a_planner_that_finds_more_waiting_wakes_a_helper_and_gives_way_after_its_turn(
    ats, broker, monkeypatch
):
    _create(ats, 3)
    redis.Redis.from_url(broker).delete("agents")
    monkeypatch.setattr(plan_queue, "TURN_SECONDS", 0)
    assert plan_queue.plan_waiting() == 1
    # It took one and, seeing another, woke a helper; its turn over, it left the rest to it.
    assert [job["task"] for job in _queued(broker)] == [PLANNER]
    assert Interview.objects.filter(state=State.PENDING).count() == 1


def test_a_claimed_interview_is_not_taken_twice_until_its_claim_lapses(ats, broker):
    (run_id,) = _create(ats, 1)
    interview = Interview.objects.get(run_id=run_id)
    taken, more = plan_queue._claim()
    assert (taken, more) == (interview.id, False)
    assert plan_queue._claim() == (None, False)
    # A change to the interview after the claim (say, a recruiter's new feedback) frees it ...
    Interview.objects.filter(pk=interview.pk).update(updated_at=timezone.now() + timedelta(seconds=1))
    assert plan_queue._claim()[0] == interview.id
    # ... and so does a claim older than the stalled-work cutoff.
    Interview.objects.filter(pk=interview.pk).update(
        planning_claimed_at=timezone.now() - timedelta(hours=1),
        updated_at=timezone.now() - timedelta(hours=2),
    )
    assert plan_queue._claim()[0] == interview.id


def test_a_failed_attempt_goes_on_as_the_interviews_own_job_with_its_retry_counted(ats, broker, monkeypatch):
    (run_id,) = _create(ats, 1)
    redis.Redis.from_url(broker).delete("agents")

    def broken_engine():
        raise ConnectionError("model unreachable")

    monkeypatch.setattr("interviews.planning.get_engine", broken_engine)
    assert plan_queue.plan_waiting() == 1
    interview = Interview.objects.get(run_id=run_id)
    assert interview.state == State.VALIDATING_SKILLS
    assert [(job["task"], job["retries"]) for job in _queued(broker)] == [(ONE_PLAN, 1)]
    assert str(interview.id) in _queued(broker)[0]["args"]
    # Still claimed while its retry waits: no other planner takes it.
    assert plan_queue._claim() == (None, False)


def test_a_wake_up_that_cannot_be_sent_is_not_remembered(broker, monkeypatch):
    def broker_down(*args, **kwargs):
        raise ConnectionError("broker down")

    monkeypatch.setattr(jobs, "enqueue", broker_down)
    with pytest.raises(ConnectionError):
        plan_queue.wake()
    monkeypatch.undo()
    plan_queue.wake()
    assert [job["task"] for job in _queued(broker)] == [PLANNER]


def test_the_sweep_wakes_the_planners_for_a_backlog_and_counts_no_attempt(ats, broker):
    (run_id,) = _create(ats, 1)
    an_hour_ago = timezone.now() - timedelta(hours=1)
    Interview.objects.filter(run_id=run_id).update(updated_at=an_hour_ago)  # waiting, never taken
    redis.Redis.from_url(broker).delete("agents")
    assert sweeps.resume_stalled() == 0
    assert [job["task"] for job in _queued(broker)] == [PLANNER]
    interview = Interview.objects.get(run_id=run_id)
    assert (interview.state, interview.step_attempts) == (State.VALIDATING_SKILLS, 0)


def test_the_sweep_resumes_planning_a_planner_took_and_never_finished(ats, broker):
    (run_id,) = _create(ats, 1)
    assert plan_queue._claim()[0] is not None
    an_hour_ago = timezone.now() - timedelta(hours=1)
    # The planner's worker was lost an hour ago, just after it took the interview.
    Interview.objects.filter(run_id=run_id).update(
        updated_at=an_hour_ago - timedelta(seconds=1), planning_claimed_at=an_hour_ago
    )
    redis.Redis.from_url(broker).delete("agents")
    assert sweeps.resume_stalled() == 1
    interview = Interview.objects.get(run_id=run_id)
    assert [(job["task"], str(interview.id) in job["args"]) for job in _queued(broker)] == [(ONE_PLAN, True)]
    assert interview.step_attempts == 1
    # Its own job has it now: no planner takes it meanwhile.
    assert plan_queue._claim() == (None, False)


def test_a_real_worker_plans_a_burst_of_requests(ats, broker, tmp_path):
    worker = start_worker(stack_env(broker, tmp_path, free_port()), tmp_path / "worker.log", queues="agents")
    try:
        run_ids = _create(ats, 30)
        deadline = time.monotonic() + 60
        while _states(run_ids).count(State.PENDING) < 30 and time.monotonic() < deadline:
            time.sleep(0.2)
        assert sorted(_states(run_ids)) == [State.PENDING] * 30
    finally:
        stop(worker)
    log = (tmp_path / "worker.log").read_text()
    # Planners' jobs only, and between them each interview taken exactly once.
    assert f"Task {ONE_PLAN}[" not in log
    taken = [
        int(n) for n in re.findall(rf"Task {re.escape(PLANNER)}\[[^\]]+\] succeeded in [\d.]+s: (\d+)", log)
    ]
    assert taken and sum(taken) == 30, log[-3000:]

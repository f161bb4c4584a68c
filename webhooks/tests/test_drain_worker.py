"""A backlog drained by a real Celery worker: every delivery exactly once, sent in turns.

The contract promises no order (``data.sequence`` orders events); a turn claims
the oldest due deliveries first (test_drain.py).

The worker is a separate process on the same PostgreSQL database (real
commits: transaction=True) and Redis as the broker.
"""

from __future__ import annotations

import re
import time
from collections import Counter

import pytest
from django.db import transaction
from standardwebhooks.webhooks import Webhook

from tests.receiver import Receiver, Reply
from webhooks import services
from webhooks.models import Attempt, Delivery, DeliveryStatus

pytestmark = [
    pytest.mark.integration,
    pytest.mark.django_db(transaction=True),
    pytest.mark.usefixtures("allow_loopback"),
]

BACKLOG = 300


def _wait_until_delivered(count: int, worker, seconds: float = 120) -> None:
    deadline = time.monotonic() + seconds
    delivered = Delivery.objects.filter(status=DeliveryStatus.SUCCEEDED)
    while time.monotonic() < deadline and worker.poll() is None and delivered.count() < count:
        time.sleep(0.2)


def _turns(log: str) -> list[int]:
    """Attempts made by each drain job the worker ran (its return value, in the log)."""
    return [
        int(n) for n in re.findall(r"Task webhooks\.tasks\.drain\[[^\]]+\] succeeded in [\d.]+s: (\d+)", log)
    ]


def test_a_backlog_is_sent_exactly_once_in_turns_over_kept_alive_connections(org, make_interview, tmp_path):
    from tests.live import empty_broker, free_port, stack_env, start_worker, stop

    broker = empty_broker()
    env = stack_env(broker, tmp_path, free_port(), WEBHOOK_MAX_IN_FLIGHT_PER_HOST="4")
    log = tmp_path / "worker.log"
    worker = None
    with Receiver() as receiver:
        # Recorded while no worker runs: the backlog and one job per event wait in the queue.
        interviews = [make_interview(receiver.url + "/hook") for _ in range(BACKLOG // 10)]
        events = []
        for n in range(BACKLOG):
            with transaction.atomic():
                events.append(services.emit(interviews[n % len(interviews)], "interview.started", {}))
        try:
            worker = start_worker(env, log, queues="webhooks", concurrency=4)
            _wait_until_delivered(BACKLOG, worker)
        finally:
            stop(worker)
        requests = receiver.snapshot()
        most_at_once = receiver.max_in_flight

    worker_log = log.read_text()
    sent = Counter(r.headers["webhook-id"] for r in requests)
    assert set(sent) == {e.webhook_id for e in events}, worker_log[-4000:]
    assert set(sent.values()) == {1}, "every event exactly once"
    for request in requests:
        Webhook(org.webhook_secret).verify(request.body, request.headers)
    assert set(Delivery.objects.values_list("status", "attempt_count")) == {("SUCCEEDED", 1)}
    assert Attempt.objects.count() == BACKLOG
    assert most_at_once <= 4

    turns = _turns(worker_log)
    assert sum(turns) == BACKLOG and max(turns) > 1, turns
    # Each turn sends over one kept-alive connection.
    connections = {r.connection for r in requests}
    assert len(connections) <= BACKLOG // 5, len(connections)
    print(f"\n[drain] {BACKLOG} deliveries, {len(turns)} jobs, {len(connections)} connections")


SLOW = 24


def test_a_slow_receiver_costs_a_job_per_several_turns_while_no_other_job_waits(
    org, make_interview, tmp_path
):
    """A receiver taking 0.4 s a request and 1 s turns: three requests a turn.

    Nothing else waits for the worker, so a job takes its next turns itself
    instead of queueing a job per turn: the 24 deliveries need eight turns but
    only a few jobs.
    """
    from tests.live import empty_broker, free_port, stack_env, start_worker, stop

    broker = empty_broker()
    env = stack_env(
        broker, tmp_path, free_port(), WEBHOOK_MAX_IN_FLIGHT_PER_HOST="2", WEBHOOK_BATCH_SECONDS="1"
    )
    log = tmp_path / "worker.log"
    worker = None
    with Receiver(Reply(200, delay=0.4)) as receiver:
        interview = make_interview(receiver.url + "/hook")
        with transaction.atomic():
            for _ in range(SLOW):
                services.emit(interview, "interview.started", {})
        try:
            worker = start_worker(env, log, queues="webhooks", concurrency=4)
            _wait_until_delivered(SLOW, worker)
        finally:
            stop(worker)
        most_at_once = receiver.max_in_flight

    worker_log = log.read_text()
    outcomes = set(Delivery.objects.values_list("status", "attempt_count"))
    assert outcomes == {("SUCCEEDED", 1)}, worker_log[-4000:]
    assert most_at_once <= 2
    jobs = _turns(worker_log)
    working = [n for n in jobs if n]
    print(f"\n[slow receiver] {SLOW} deliveries, 0.4 s each: jobs that sent {working}, {len(jobs)} in all")
    assert sum(jobs) == SLOW
    # A job a turn: eight jobs that sent three each.
    assert len(working) <= 4, jobs
    assert max(working) >= 4, jobs

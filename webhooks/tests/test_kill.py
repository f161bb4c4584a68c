"""Nothing is lost when a worker is killed or Redis restarts; duplicates stay bounded.

A real Celery worker delivers to a real receiver on 127.0.0.1, with
PostgreSQL and Redis. The test process plays celery beat: it runs the
sweeper every second (with a short grace period, so recovery fits in a test).

Duplicates are requests answered 2xx for a webhook-id that had already been
answered 2xx: a worker killed after the receiver answered but before the
result was recorded. Each kill can cause at most one per worker thread.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import subprocess
import time
from collections import Counter
from urllib.parse import urlparse

import pytest
from django.db import transaction
from standardwebhooks.webhooks import Webhook

from tests.live import empty_broker, free_port, stack_env, start_worker, stop
from tests.receiver import Receiver, Reply
from tests.services import IN_CI
from webhooks import delivery, services
from webhooks.models import Delivery, DeliveryStatus

pytestmark = [pytest.mark.kill, pytest.mark.integration, pytest.mark.django_db(transaction=True)]

CONCURRENCY = 4
WAIT = 120  # seconds, at most, for any one thing to happen
# The receiver takes a moment per request, so a kill usually lands mid-send.
ANSWER = Reply(200, delay=0.05)


@pytest.fixture
def stack(settings, tmp_path):
    """The worker's environment, and the same delivery settings in this (sweeping) process."""
    broker = empty_broker()
    worker_settings = {
        "WEBHOOK_RETRY_SCHEDULE": "1,1,1,1,1",
        # A killed worker's claims come back after 2 x 2 + 1 = 5 s instead of 80 s.
        "WEBHOOK_TIMEOUT_SECONDS": "2",
        "WEBHOOK_CLAIM_MARGIN_SECONDS": "1",
        "WEBHOOK_MAX_IN_FLIGHT_PER_HOST": str(CONCURRENCY),
    }
    settings.WEBHOOK_RETRY_SCHEDULE = [1, 1, 1, 1, 1]
    settings.WEBHOOK_TIMEOUT_SECONDS = 2
    settings.WEBHOOK_CLAIM_MARGIN_SECONDS = 1
    # Jobs lost with a worker or with Redis are re-enqueued after 3 s rather than 10 s;
    # an extra job for a delivery already sent or claimed sends nothing.
    settings.WEBHOOK_SWEEP_GRACE_SECONDS = 3
    return broker, stack_env(broker, tmp_path, free_port(), **worker_settings), tmp_path


def _emit(make_interview, url: str, interviews: int, per_interview: int) -> list:
    targets = [make_interview(url) for _ in range(interviews)]
    events = []
    with transaction.atomic():
        for n in range(per_interview):
            for interview in targets:
                events.append(services.emit(interview, "interview.plan_generated", {"planId": f"p{n}"}))
    return events


def _sweep_until(condition, what: str, worker_logs, deadline_seconds: float = WAIT) -> None:
    """Run the sweeper every half second until ``condition()`` holds (bounded)."""
    deadline = time.monotonic() + deadline_seconds
    next_sweep = 0.0
    while not condition():
        if time.monotonic() > deadline:
            logs = "\n".join(log.read_text()[-3000:] for log in worker_logs if log.exists())
            raise AssertionError(f"timed out waiting for {what}\n{logs}")
        if time.monotonic() >= next_sweep:
            delivery.sweep_deliveries()
            next_sweep = time.monotonic() + 0.5
        time.sleep(0.1)


def _tally(requests, events, secret) -> tuple[int, set[str]]:
    """(duplicates, webhook-ids answered 2xx); every request must carry a valid signature."""
    ok = Counter()
    for request in requests:
        Webhook(secret).verify(request.body, request.headers)
        if 200 <= request.status < 300:
            ok[request.headers["webhook-id"]] += 1
    duplicates = sum(n - 1 for n in ok.values())
    return duplicates, set(ok)


def test_worker_killed_three_times_loses_nothing(org, make_interview, stack):
    broker, env, tmp_path = stack
    kills, logs, worker = 0, [], None
    started = time.monotonic()
    with Receiver(ANSWER) as receiver:
        # Some early answers are 503s, so retries (countdown messages) are in flight at the kills too.
        receiver.script([Reply(503, delay=0.05) if i % 15 == 7 else ANSWER for i in range(150)])
        try:
            logs.append(tmp_path / "worker-0.log")
            worker = start_worker(env, logs[-1], queues="webhooks", concurrency=CONCURRENCY)
            events = _emit(make_interview, receiver.url + "/hook", interviews=30, per_interview=10)
            assert len(events) == 300
            for threshold in (60, 130, 200):
                _sweep_until(lambda t=threshold: len(receiver.requests) >= t, f"{threshold} requests", logs)
                stop(worker, signal.SIGKILL)
                kills += 1
                logs.append(tmp_path / f"worker-{kills}.log")
                worker = start_worker(env, logs[-1], queues="webhooks", concurrency=CONCURRENCY)
            delivered = Delivery.objects.filter(status=DeliveryStatus.SUCCEEDED)
            _sweep_until(lambda: delivered.count() == 300, "all 300 delivered", logs)
            assert worker.poll() is None, "the last worker exited"
        finally:
            stop(worker)
        requests = receiver.snapshot()
    elapsed = time.monotonic() - started

    duplicates, answered = _tally(requests, events, org.webhook_secret)
    summary = f"kills={kills} requests={len(requests)} duplicates={duplicates} seconds={elapsed:.1f}"
    print(f"\n[kill test] {summary}")
    assert answered == {e.webhook_id for e in events}, summary  # every event, deduplicated: exactly 300
    assert len(answered) == 300
    assert duplicates <= kills * CONCURRENCY, summary
    assert Delivery.objects.count() == 300  # no extra deliveries, only extra attempts
    assert set(Delivery.objects.values_list("status", flat=True)) == {DeliveryStatus.SUCCEEDED}


# --- Redis -----------------------------------------------------------------------


def _missing(reason: str) -> None:
    if IN_CI:
        pytest.fail(f"{reason} (CI=true: every test must run)")
    pytest.skip(reason)


class LocalRedis:
    """The Redis server of REDIS_URL, stopped and started again the way it was started."""

    def __init__(self, url: str):
        import redis

        host = urlparse(url).hostname or "127.0.0.1"
        if host not in ("127.0.0.1", "localhost", "::1"):
            _missing(f"restarting Redis needs a local server, not {host}")
        if not shutil.which("redis-server"):
            _missing("restarting Redis needs redis-server on PATH")
        self.client = redis.Redis(host=host, port=urlparse(url).port or 6379, socket_timeout=2)
        config = {}
        for name in ("bind", "port", "save", "appendonly", "dir", "logfile"):
            config.update(self.client.config_get(name))
        # CONFIG GET reports what the server runs with; restarting with the same
        # values brings back the same server (an empty "save" keeps it memory-only).
        self.command = [
            "redis-server",
            "--daemonize",
            "yes",
            "--bind",
            *config["bind"].split(),
            "--port",
            config["port"],
            "--save",
            config["save"],
            "--appendonly",
            config["appendonly"],
            "--dir",
            config["dir"],
        ]
        if config["logfile"]:
            self.command += ["--logfile", config["logfile"]]

    def up(self) -> bool:
        import redis

        try:
            return bool(self.client.ping())
        except redis.RedisError:
            return False

    def _wait(self, up: bool, seconds: float = 15) -> None:
        deadline = time.monotonic() + seconds
        while self.up() is not up:
            if time.monotonic() > deadline:
                raise AssertionError(f"Redis did not come {'up' if up else 'down'} in {seconds}s")
            time.sleep(0.1)

    def shutdown(self) -> None:
        import redis

        # The server closing the connection is the answer.
        with contextlib.suppress(redis.ConnectionError):
            self.client.shutdown(nosave=True)
        self._wait(up=False)

    def start(self) -> None:
        subprocess.run(self.command, check=True, env={**os.environ}, capture_output=True, timeout=15)
        self._wait(up=True)


def test_redis_restart_mid_run_loses_nothing(org, make_interview, stack):
    broker, env, tmp_path = stack
    server = LocalRedis(broker)
    logs, worker = [tmp_path / "worker.log"], None
    started = time.monotonic()
    with Receiver(ANSWER) as receiver:
        try:
            worker = start_worker(env, logs[0], queues="webhooks", concurrency=CONCURRENCY)
            events = _emit(make_interview, receiver.url + "/hook", interviews=15, per_interview=10)
            _sweep_until(lambda: len(receiver.requests) >= 40, "40 requests", logs)

            server.shutdown()  # every queued message is gone with it
            down_at = len(receiver.requests)
            # Events keep happening while the broker is away: recorded, their jobs not enqueued
            # (each commit tries to publish, gives up after a moment, and goes on).
            events += _emit(make_interview, receiver.url + "/hook", interviews=5, per_interview=1)
            server.start()

            delivered = Delivery.objects.filter(status=DeliveryStatus.SUCCEEDED)
            _sweep_until(lambda: delivered.count() == len(events), f"all {len(events)} delivered", logs)
            assert worker.poll() is None, "the worker exited when Redis went away"
        finally:
            stop(worker)
            if not server.up():  # whatever happened, leave Redis running
                server.start()
        requests = receiver.snapshot()
    elapsed = time.monotonic() - started

    duplicates, answered = _tally(requests, events, org.webhook_secret)
    summary = (
        f"events={len(events)} requests={len(requests)} delivered before the restart={down_at} "
        f"duplicates={duplicates} seconds={elapsed:.1f}"
    )
    print(f"\n[redis restart test] {summary}")
    assert down_at < 150, "Redis went down after everything was sent: the test proved nothing"
    assert answered == {e.webhook_id for e in events}, summary
    # A restart loses messages, never claims: nothing is sent twice.
    assert duplicates == 0, summary
    assert set(Delivery.objects.values_list("status", flat=True)) == {DeliveryStatus.SUCCEEDED}

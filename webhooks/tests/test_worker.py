"""End to end with a real Celery worker process, Redis as the broker and PostgreSQL.

The worker is a separate process, so it must see the same database: the test
runs with real commits (transaction=True) against PostgreSQL.
"""

from __future__ import annotations

import itertools
import os
import subprocess
import sys
import tempfile
import time
import uuid
from urllib.parse import quote

import pytest
from django.conf import settings
from django.db import connection, transaction
from standardwebhooks.webhooks import Webhook

from tests.services import redis_url, require_postgres
from webhooks import services
from webhooks.models import Delivery, DeliveryStatus

EVENTS = 20
WAIT_SECONDS = 60


def _database_url() -> str:
    db = connection.settings_dict
    credentials = quote(db["USER"] or "", safe="")
    if db["PASSWORD"]:
        credentials += ":" + quote(db["PASSWORD"], safe="")
    host = db["HOST"] or "127.0.0.1"
    port = db["PORT"] or 5432
    # NAME is the test database's name while the test runs.
    return f"postgres://{credentials}@{host}:{port}/{db['NAME']}"


def _start_worker(broker: str, log) -> subprocess.Popen:
    env = {
        **os.environ,
        "DATABASE_URL": _database_url(),
        "REDIS_URL": broker,
        "DEBUG": "true",
        "WEBHOOK_ALLOWED_CIDRS": "127.0.0.0/8",
        "WEBHOOK_RETRY_SCHEDULE": "1,1,1",
    }
    command = [
        sys.executable,
        "-m",
        "celery",
        "-A",
        "interview_platform",
        "worker",
        "-Q",
        "webhooks,agents",
        "--pool=threads",
        "--concurrency=2",
        "--loglevel=INFO",
        "-n",
        f"webhooks-test-{uuid.uuid4().hex[:8]}@%h",
        "--without-gossip",
        "--without-mingle",
        "--without-heartbeat",
    ]
    return subprocess.Popen(command, cwd=settings.BASE_DIR, env=env, stdout=log, stderr=subprocess.STDOUT)


def _stop(worker: subprocess.Popen) -> None:
    worker.terminate()  # warm shutdown: finishes the task at hand
    try:
        worker.wait(timeout=20)
    except subprocess.TimeoutExpired:
        worker.kill()
        worker.wait(timeout=10)


@pytest.mark.integration
@pytest.mark.django_db(transaction=True)
def test_worker_delivers_every_event_signed(org, receiver, make_interview):
    broker = redis_url()
    require_postgres()
    # Some first answers fail, so retries go through the broker with a countdown too.
    receiver.script([500] * 5)
    interviews = [make_interview(receiver.url + f"/hook/{i}") for i in range(EVENTS)]

    with tempfile.TemporaryFile("w+") as log:
        worker = _start_worker(broker, log)
        try:
            with transaction.atomic():
                events = [
                    services.emit(interview, "interview.plan_generated", {"planId": f"p{n}"})
                    for n, interview in enumerate(interviews)
                ]
            deadline = time.monotonic() + WAIT_SECONDS
            while time.monotonic() < deadline and worker.poll() is None:
                if Delivery.objects.filter(status=DeliveryStatus.SUCCEEDED).count() == EVENTS:
                    break
                time.sleep(0.25)
            exit_code = worker.poll()
        finally:
            _stop(worker)
            log.seek(0)
            worker_log = log.read()

    assert exit_code is None, f"the worker exited ({exit_code}):\n{worker_log[-5000:]}"
    statuses = list(Delivery.objects.values_list("status", flat=True))
    assert statuses.count(DeliveryStatus.SUCCEEDED) == EVENTS, f"{statuses}\n{worker_log[-5000:]}"

    by_id = {}
    for request in receiver.requests:
        Webhook(org.webhook_secret).verify(request.body, request.headers)
        by_id.setdefault(request.headers["webhook-id"], []).append(request)
    assert set(by_id) == {e.webhook_id for e in events}
    assert len(receiver.requests) == EVENTS + 5
    # Each scripted 500 costs exactly one more request of the same event, at least
    # the 1 s retry delay (less 10% jitter) later, with the same body.
    assert sum(len(requests) - 1 for requests in by_id.values()) == 5
    for requests in by_id.values():
        for earlier, later in itertools.pairwise(requests):
            assert later.body == earlier.body
            assert later.at - earlier.at >= 0.8
    assert sum(d.attempt_count for d in Delivery.objects.all()) == EVENTS + 5


def _sessions_opened() -> int:
    """Sessions PostgreSQL has started on this database so far."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT sessions FROM pg_stat_database WHERE datname = current_database()")
        return cursor.fetchone()[0]


def _deliver(interviews, tag: str, worker) -> None:
    with transaction.atomic():
        for interview in interviews:
            services.emit(interview, "interview.plan_generated", {"planId": tag})
    expected = Delivery.objects.filter(event__payload__data__planId=tag)
    deadline = time.monotonic() + WAIT_SECONDS
    while expected.exclude(status=DeliveryStatus.SUCCEEDED).exists() or not expected.exists():
        assert worker.poll() is None and time.monotonic() < deadline, f"deliveries of {tag} not done"
        time.sleep(0.2)


@pytest.mark.integration
@pytest.mark.django_db(transaction=True)
def test_worker_keeps_its_database_connections_between_jobs(org, receiver, make_interview):
    broker = redis_url()
    require_postgres()
    interviews = [make_interview(receiver.url + f"/hook/{i}") for i in range(30)]
    with tempfile.TemporaryFile("w+") as log:
        worker = _start_worker(broker, log)
        try:
            _deliver(interviews[:4], "warm-up", worker)  # each worker thread has connected once
            time.sleep(1.5)  # PostgreSQL publishes its session counts about every second
            before = _sessions_opened()
            _deliver(interviews, "measured", worker)
            time.sleep(1.5)
            opened = _sessions_opened() - before
        finally:
            _stop(worker)
    # Closing the connection around every job would open at least one per job (30).
    assert opened <= 2, f"{opened} new database sessions for 30 jobs"

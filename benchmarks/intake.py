"""Benchmarks of the request path and the offline engine: numbers and ratios, no thresholds.

    make bench            # SQLite in a temporary folder, or DATABASE_URL when set

Prints per-operation latency (median, p95) and the database queries of one intake request.
"""

from __future__ import annotations

import os
import statistics
import sys
import tempfile
import time

from benchmarks.factory import engine_request, intake_body


def _setup() -> None:
    os.environ.setdefault("DEBUG", "true")
    if not os.environ.get("DATABASE_URL"):
        os.environ["DATA_DIR"] = tempfile.mkdtemp(prefix="bench-")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "interview_platform.settings")
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    call_command("seed_demo", stdout=open(os.devnull, "w"))  # noqa: SIM115


def _timed(fn, n: int) -> list[float]:
    samples = []
    for i in range(n):
        start = time.perf_counter()
        fn(i)
        samples.append((time.perf_counter() - start) * 1000)
    return samples


def _report(name: str, samples: list[float]) -> None:
    ordered = sorted(samples)
    p95 = ordered[int(len(ordered) * 0.95) - 1]
    print(f"{name:<42} n={len(samples):<5} median {statistics.median(samples):7.2f} ms   p95 {p95:7.2f} ms")


def main() -> None:
    _setup()
    from django.conf import settings
    from django.db import connection
    from django.test.utils import CaptureQueriesContext
    from rest_framework.test import APIClient

    from accounts.management.commands.seed_demo import DEMO_API_KEY
    from interviews.agents.heuristic import HeuristicEngine

    settings.ALLOWED_HOSTS = ["testserver", *settings.ALLOWED_HOSTS]
    settings.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"]["api_key"] = "1000000/min"
    client = APIClient()
    client.credentials(HTTP_X_API_KEY=DEMO_API_KEY)
    print(f"database: {connection.vendor}; engine: heuristic; python {sys.version.split()[0]}\n")

    def create(i: int) -> None:
        response = client.post("/api/v1/a2a/interview", intake_body(i), format="json")
        assert response.status_code == 201, response.content

    # Measure the request path alone: jobs enqueued on commit are dropped, and
    # the connection stays open across requests as in a pooled deployment.
    from django.core import signals
    from django.db import close_old_connections

    import webhooks.queueing
    from interview_platform import jobs

    jobs.enqueue = webhooks.queueing.enqueue = lambda *a, **k: None
    signals.request_started.disconnect(close_old_connections)
    signals.request_finished.disconnect(close_old_connections)
    create(-1)  # warm-up
    with CaptureQueriesContext(connection) as queries:
        create(-2)
    query_count = len(queries.captured_queries)  # read now: the log is a bounded ring
    _report("POST /a2a/interview (complete request)", _timed(create, 200))
    print(f"{'queries per intake request':<42} {query_count}")

    engine = HeuristicEngine()
    request = engine_request()
    validation = engine.validate_skills(request)
    _report("engine.validate_skills", _timed(lambda i: engine.validate_skills(request), 500))
    _report("engine.plan", _timed(lambda i: engine.plan(request, validation, version=1 + i % 5), 500))
    plan = engine.plan(request, validation)

    from interviews.agents.base import Turn

    answer = (
        "I would use indexes, caching, transactions and load testing, and measure before changing anything."
    )
    turns = [Turn(i, "main", q.text, answer) for i, q in enumerate(plan.questions)]
    _report("engine.next_turn (mid-interview)", _timed(lambda i: engine.next_turn(plan, turns[:5]), 500))
    _report(
        f"engine.assess ({len(plan.questions)} questions)",
        _timed(lambda i: engine.assess(plan, turns, []), 200),
    )


if __name__ == "__main__":
    main()

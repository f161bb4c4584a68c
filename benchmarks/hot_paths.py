"""What the hot paths cost, in one process: status and create against the floor, and one answer.

    python -m benchmarks.hot_paths        # SQLite in a temporary folder, or DATABASE_URL / REDIS_URL
    BENCH_SECONDS=5 BENCH_SQL=1 python -m benchmarks.hot_paths   # longer runs; print an answer's SQL

Prints requests per second of ``GET …/status`` and ``POST /a2a/interview`` next to the load test's
floor endpoints (bare Django + DRF reading or writing one row) and their ratio to the floor, the
SQL statements of each, and per candidate answer: statements, transactions and CPU time (the
answer stored and the next question decided, including the job that decides it when there is one).
The machine's load moves the absolute numbers; the ratios to the floor move much less.
"""

from __future__ import annotations

import os
import sys
import tempfile
import time

ANSWER = (
    "I would start by measuring, then use indexes, caching and transactions where they pay off, "
    "test it under load, and monitor it in production; I did this on our checkout service."
)


def _setup() -> None:
    os.environ.setdefault("DEBUG", "true")
    if not os.environ.get("DATABASE_URL"):
        os.environ["DATA_DIR"] = tempfile.mkdtemp(prefix="bench-")
    os.environ["DJANGO_SETTINGS_MODULE"] = "loadtest.settings"
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    call_command("seed_demo", stdout=open(os.devnull, "w"))  # noqa: SIM115


class Jobs:
    """Jobs the code enqueues are kept here; the answer's own step job is run in line."""

    def __init__(self) -> None:
        self.queued: list[tuple[str, tuple]] = []

    def enqueue(self, name: str, *args, countdown: float = 0) -> None:
        self.queued.append((name, args))

    def run_steps(self) -> None:
        from interviews import live

        queued, self.queued = self.queued, []
        for name, args in queued:
            if name == "interviews.tasks.interview_step":
                live.step(*args)


class Transactions:
    """Counts transactions the code opens (atomic blocks at the outermost level)."""

    def __init__(self, connection) -> None:
        self.count = 0
        original = connection.set_autocommit

        def counting(autocommit, **kwargs):
            if not autocommit:
                self.count += 1
            return original(autocommit, **kwargs)

        connection.set_autocommit = counting


def _rate(fn, seconds: float) -> float:
    done, start = 0, time.perf_counter()
    while time.perf_counter() - start < seconds:
        fn(done)
        done += 1
    return done / (time.perf_counter() - start)


def _queries(fn) -> int:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as captured:
        fn(0)
    return len(captured.captured_queries)


def _approved_interviews(client, count: int, admin) -> list:
    from approvals.services import plan_approve
    from benchmarks.factory import intake_body
    from interviews import planning
    from interviews.models import Interview

    made = []
    for i in range(count):
        run_id = client.post("/api/v1/a2a/interview", intake_body(10_000 + i), format="json").json()["runId"]
        interview = Interview.objects.get(run_id=run_id)
        planning.validate_and_plan(interview.id)
        plan_approve(admin, Interview.objects.get(pk=interview.pk))
        made.append(interview.id)
    return made


def _answers(interview_ids, jobs: Jobs, transactions: Transactions) -> None:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from interviews import live
    from interviews.models import Turn

    statements = answers = opened = 0
    cpu = 0.0
    for interview_id in interview_ids:
        live.start(interview_id, "bench-channel")
        jobs.run_steps()
        while (
            turn := Turn.objects.filter(interview_id=interview_id, answered_at__isnull=True).last()
        ) is not None:
            before = transactions.count
            with CaptureQueriesContext(connection) as captured:
                started = time.process_time()
                # As the socket calls it: the next question comes back to the live socket.
                live.store_answer(interview_id, turn.public_id, ANSWER, reply_to="bench-channel")
                jobs.run_steps()
                cpu += time.process_time() - started
            statements += len(captured.captured_queries)
            opened += transactions.count - before
            answers += 1
            # BENCH_SQL=1: the statements of the first interview's second and completing answers.
            first = interview_id == interview_ids[0]
            if os.environ.get("BENCH_SQL") and first and (answers == 2 or turn.kind == Turn.Kind.CLOSING):
                print("\n".join(q["sql"][:150] for q in captured.captured_queries), "\n")
    print(f"{'answers':<40} {answers} in {len(interview_ids)} interviews (the last of each completes it)")
    print(f"{'SQL statements per answer':<40} {statements / answers:.1f}")
    print(f"{'transactions per answer':<40} {opened / answers:.2f}")
    print(f"{'CPU per answer (ms, this process)':<40} {cpu / answers * 1000:.2f}")


def _http(client, admin, run_id) -> None:
    """Status and create next to the floor endpoints: requests/s, ratio, statements."""
    from rest_framework.test import APIClient

    from benchmarks.factory import intake_body

    floor = APIClient()

    def floor_read(i):
        assert floor.get(f"/loadtest/floor/{admin.pk}").status_code == 200

    def status(i):
        assert client.get(f"/api/v1/a2a/interview/{run_id}/status").status_code == 200

    def floor_write(i):
        assert floor.post("/loadtest/floor", {"n": i}, format="json").status_code == 201

    def create(i):
        assert client.post("/api/v1/a2a/interview", intake_body(i), format="json").status_code == 201

    # name: (request, the floor it is compared with)
    paths = {
        "floor read": (floor_read, "floor read"),
        "status": (status, "floor read"),
        "floor write": (floor_write, "floor write"),
        "create": (create, "floor write"),
    }
    seconds = float(os.environ.get("BENCH_SECONDS", "3"))
    rates = dict.fromkeys(paths, 0.0)
    for fn, _ in paths.values():
        fn(-1)  # warm-up
    for _ in range(3):  # interleaved, best of three: the machine is shared
        for name, (fn, _) in paths.items():
            rates[name] = max(rates[name], _rate(fn, seconds))
    for name, (fn, base) in paths.items():
        ratio = rates[name] / rates[base]
        print(
            f"{name:<12} {rates[name]:8.0f} req/s   {ratio:5.2f} of the floor   {_queries(fn):3d} statements"
        )


def main() -> None:
    _setup()
    from django.conf import settings
    from django.core import signals
    from django.db import close_old_connections, connection
    from rest_framework.test import APIClient

    import webhooks.delivery
    from accounts.management.commands.seed_demo import DEMO_API_KEY, DEMO_EMAIL
    from accounts.models import User
    from interview_platform import jobs as job_runner

    settings.ALLOWED_HOSTS = ["testserver", *settings.ALLOWED_HOSTS]
    settings.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"]["api_key"] = "100000000/min"
    jobs = Jobs()
    job_runner.enqueue = jobs.enqueue
    webhooks.delivery.enqueue = lambda *a, **k: None
    # One connection kept across requests, as with persistent connections in production.
    signals.request_started.disconnect(close_old_connections)
    signals.request_finished.disconnect(close_old_connections)
    transactions = Transactions(connection)

    client = APIClient()
    client.credentials(HTTP_X_API_KEY=DEMO_API_KEY)
    admin = User.objects.get(email=DEMO_EMAIL)
    interview_ids = _approved_interviews(client, 6, admin)
    from interviews.models import Interview

    run_id = Interview.objects.get(pk=interview_ids[0]).run_id
    print(f"database: {connection.vendor}; cache: {settings.CACHES['default']['BACKEND'].rsplit('.', 1)[-1]}")
    print(f"python {sys.version.split()[0]}; engine: {settings.AGENT_ENGINE}\n")
    _http(client, admin, run_id)
    jobs.queued.clear()
    print()
    _answers(interview_ids, jobs, transactions)


if __name__ == "__main__":
    main()

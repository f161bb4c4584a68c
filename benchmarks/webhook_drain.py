"""Webhook delivery on the real webhook worker: how fast a backlog drains, and isolation.

    make bench-webhooks      # python -m benchmarks.webhook_drain [--backlog 1000] [--slow 200] [--fast 100]

Runs the Procfile's ``webhooks`` process (``celery worker -Q webhooks``, WEBHOOK_CONCURRENCY
processes, 8 by default) under honcho, against local PostgreSQL and Redis of its own:
BENCH_DATABASE_URL (default ``postgres://postgres@127.0.0.1:5432/bench_webhooks``; dropped and
created again, so its name must contain "bench") and BENCH_REDIS_URL (default
``redis://127.0.0.1:6379/13``; emptied). Receivers listen on loopback.

1. drain: the worker is stopped (SIGSTOP) while ``--backlog`` deliveries to a fast receiver are
   recorded, each in its own transaction as business changes do; then it is let go. Deliveries/s
   is the backlog over the time from the release to the last arrival.
2. isolation: ``--slow`` deliveries wait on a receiver that takes 2 s per request; then ``--fast``
   deliveries to a fast receiver are recorded at a steady pace. Prints the fast receiver's latency
   (event recorded → request arrived) p50/p95/p99 and how many slow ones were done meanwhile.

Prints numbers, asserts nothing.
"""

from __future__ import annotations

import argparse
import json
import os
import secrets
import signal
import subprocess
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path
from urllib.parse import urlparse

from loadtest import cpu
from loadtest.receivers import Receiver
from loadtest.stats import p50_95_99

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
EVENTS_PER_INTERVIEW = 10


def _environment(database_url: str, redis_url: str, data_dir: str) -> dict[str, str]:
    return {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "interview_platform.settings",
        "DEBUG": "false",
        "SECRET_KEY": secrets.token_urlsafe(48),
        "DATABASE_URL": database_url,
        "REDIS_URL": redis_url,
        "DATA_DIR": data_dir,
        "ALLOWED_HOSTS": "127.0.0.1,localhost",
        "WEBHOOK_ALLOWED_CIDRS": "127.0.0.0/8",
        "WEBHOOK_CONCURRENCY": os.environ.get("WEBHOOK_CONCURRENCY", "8"),
        "PATH": f"{BIN}:{os.environ.get('PATH', '')}",
        "PYTHONUNBUFFERED": "1",
    }


def _fresh_database(database_url: str) -> None:
    import psycopg

    name = urlparse(database_url).path.lstrip("/")
    if "bench" not in name:
        raise SystemExit(f"refusing to recreate {name!r}: its name must contain 'bench'")
    admin = database_url.rsplit("/", 1)[0] + "/postgres"
    with psycopg.connect(admin, autocommit=True) as connection:
        connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        connection.execute(f'CREATE DATABASE "{name}"')


class Worker:
    """The Procfile's ``webhooks`` line, run by honcho as ``make up`` runs it."""

    def __init__(self, env: dict[str, str], log: Path):
        self.env, self.log = env, log
        self.process: subprocess.Popen | None = None

    def start(self, seconds: float = 90) -> None:
        command = [str(BIN / "honcho"), "--procfile", "Procfile", "start", "webhooks"]
        self.process = subprocess.Popen(  # noqa: S603
            command,
            cwd=ROOT,
            env=self.env,
            stdout=self.log.open("w"),
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        deadline = time.monotonic() + seconds
        while " ready." not in self.log.read_text():
            if self.process.poll() is not None or time.monotonic() > deadline:
                raise SystemExit(f"the webhook worker did not start; see {self.log}")
            time.sleep(0.2)

    def pids(self) -> list[int]:
        return [pid for pid, command in cpu.descendants(self.process.pid).items() if "-Q webhooks" in command]

    def signal(self, sig: int) -> None:
        for pid in self.pids():
            os.kill(pid, sig)

    def jobs_received(self) -> int:
        return self.log.read_text().count("] received")

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            self.signal(signal.SIGCONT)
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(timeout=60)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait()


def _setup_django(env: dict[str, str]):
    os.environ.update(env)
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    from accounts.models import Organization

    return Organization.objects.create(name="Bench", slug="bench")


def _emit(org, url: str, count: int, pace: float = 0.0) -> None:
    """``count`` events for ``url``, each committed on its own (``pace`` seconds apart)."""
    from django.db import transaction

    from interviews.models import Interview
    from webhooks.services import emit

    interview = None
    for n in range(count):
        if n % EVENTS_PER_INTERVIEW == 0:
            interview = Interview.objects.create(
                organization=org, state="PENDING", callback_url=url, position="X", level="SENIOR"
            )
        with transaction.atomic():
            emit(interview, "interview.started", {})
        if pace:
            time.sleep(pace)


def _wait_for(receiver: Receiver, count: int, seconds: float = 300) -> None:
    deadline = time.monotonic() + seconds
    while len(receiver.snapshot()) < count and time.monotonic() < deadline:
        time.sleep(0.05)


def drain(org, worker: Worker, database: str, count: int) -> dict:
    fast = Receiver()
    try:
        worker.signal(signal.SIGSTOP)
        try:
            _emit(org, fast.url, count)
        finally:
            jobs_before = worker.jobs_received()
            before = cpu.snapshot(worker.process.pid, database)
            released = time.time()
            worker.signal(signal.SIGCONT)
        _wait_for(fast, count)
        spent = cpu.delta(before, cpu.snapshot(worker.process.pid, database))
        arrivals = sorted(arrived for arrived, _ in fast.snapshot())
        ids = Counter(fast.webhook_ids())
    finally:
        fast.close()
    seconds = arrivals[-1] - released if arrivals else float("nan")
    return {
        "backlog": count,
        "delivered": len(ids),
        "duplicates": sum(n - 1 for n in ids.values()),
        "seconds": round(seconds, 2),
        "deliveries/s": round(len(arrivals) / seconds, 1) if arrivals else 0.0,
        "jobs the worker ran": worker.jobs_received() - jobs_before,
        "CPU ms per delivery": {
            role: round(s * 1000 / max(len(arrivals), 1), 2) for role, s in spent.items()
        },
    }


def isolation(org, slow_count: int, fast_count: int, pace: float = 0.05) -> dict:
    from webhooks.models import Delivery

    slow, fast = Receiver(delay=2.0), Receiver()
    try:
        _emit(org, slow.url, slow_count)
        _emit(org, fast.url, fast_count, pace=pace)
        _wait_for(fast, fast_count, seconds=120)
        slow_done = len(slow.snapshot())
        waiting = Delivery.objects.filter(url=slow.url).exclude(status="SUCCEEDED").count()
        latencies = [(arrived - created) * 1000 for arrived, created in fast.snapshot()]
    finally:
        fast.close()
        slow.close()
    return {
        "slow receiver backlog": slow_count,
        "fast deliveries": len(latencies),
        "fast receiver latency ms p50/p95/p99": p50_95_99(latencies),
        "slow deliveries done by then": slow_done,
        "slow deliveries still waiting": waiting,
    }


def _wait_until_idle(redis_url: str, seconds: float = 60) -> None:
    """Until the worker took every job left from the phase before (then a moment for the last ones)."""
    import redis

    queue, deadline = redis.Redis.from_url(redis_url), time.monotonic() + seconds
    while queue.llen("webhooks") and time.monotonic() < deadline:
        time.sleep(0.1)
    time.sleep(1)


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.webhook_drain")
    parser.add_argument("--backlog", type=int, default=1000, help="deliveries piled up for the drain")
    parser.add_argument("--slow", type=int, default=200, help="deliveries waiting on the 2 s receiver")
    parser.add_argument("--fast", type=int, default=100, help="fast deliveries measured meanwhile")
    args = parser.parse_args()
    database_url = os.environ.get("BENCH_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/bench_webhooks")
    redis_url = os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/13")
    _fresh_database(database_url)
    import redis

    redis.Redis.from_url(redis_url).flushdb()
    data_dir = tempfile.mkdtemp(prefix="bench-webhooks-")
    env = _environment(database_url, redis_url, data_dir)
    org = _setup_django(env)
    worker = Worker(env, Path(data_dir) / "worker.log")
    print(f"starting the webhook worker (log: {worker.log}) …", flush=True)
    worker.start()
    report = {"machine": f"{os.cpu_count()} cores", "concurrency": env["WEBHOOK_CONCURRENCY"]}
    try:
        report["drain"] = drain(org, worker, urlparse(database_url).path.lstrip("/"), args.backlog)
        print("drain: " + json.dumps(report["drain"]), flush=True)
        _wait_until_idle(redis_url)
        report["isolation"] = isolation(org, args.slow, args.fast)
        print("isolation: " + json.dumps(report["isolation"]), flush=True)
    finally:
        worker.stop()
    (Path(data_dir) / "report.json").write_text(json.dumps(report, indent=2))
    print(f"(report saved to {Path(data_dir) / 'report.json'})")


if __name__ == "__main__":
    main()

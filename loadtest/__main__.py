"""`make loadtest`: start the production shape, drive it, print what it costs.

    python -m loadtest [--levels 25,50,100,200] [--seconds 10]

Needs the local PostgreSQL and Redis (LOADTEST_DATABASE_URL, LOADTEST_REDIS_URL;
the database is dropped and created again, so its name must start with "loadtest").
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import platform
import signal
import time
from pathlib import Path

from . import intake, phases
from .mailrelay import MailRelay
from .receivers import Receiver
from .shape import ROOT, Shape

WARM_UP = 25  # candidates interviewed before the measured levels


def _machine() -> str:
    lines = Path("/proc/cpuinfo").read_text().splitlines()
    models = [line.split(":", 1)[1].strip() for line in lines if "model name" in line]
    model = models[0] if models else platform.processor()
    memory = int(Path("/proc/meminfo").read_text().split()[1]) // (1024 * 1024)
    return f"{os.cpu_count()} cores ({model}), {memory} GiB, {platform.system()} {platform.release()}"


async def run(shape: Shape, relay: MailRelay, levels: list[int], seconds: float, raw: dict) -> dict:
    """The report; ``raw`` gets each answer's and each webhook's time, for a closer look at the tails."""
    fast, slow = Receiver(), Receiver(delay=2.0)
    report: dict = {"machine": _machine(), "levels": {}}
    try:
        people = phases.People(shape, relay)
        await people.ats.login()
        http = await intake.http_ratios(people, seconds)
        report["http"], report["http rounds"], report["intake cost"] = http
        # Rounds of 400, 100 at a time: a round lasts several joins, so the rate is the platform's
        # capacity; in rounds of 200 on a quick machine half the round was its last joins ending,
        # with fewer than 100 under way, and each join's own wait for its email showed in the rate.
        report["joins"] = await phases.joins(people, 400)
        # Interviews first, not measured: the first sockets after a start open the socket
        # processes' database connections, one per thread of each pool (a new PostgreSQL
        # session cost the server ~100 ms of CPU here), which a running platform has long paid for.
        report["warm-up"] = await phases.candidates(people, shape, WARM_UP, fast)
        for level in levels:
            raw[level] = {}
            report["levels"][level] = await phases.candidates(people, shape, level, fast, raw[level])
        report["webhooks"] = phases.webhook_latency(fast)
        report["webhook isolation"] = await phases.isolation(people, fast, slow)
        report["drain"] = await phases.drain(people, shape, fast, 150)
        report["dashboard"] = await phases.dashboard(people)
    finally:
        for name, receiver in (("fast receiver", fast), ("slow receiver", slow)):
            raw[name] = receiver.records()
            receiver.close()
    return report


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m loadtest")
    parser.add_argument("--levels", default="25,50,100,200", help="concurrent candidates, comma-separated")
    parser.add_argument(
        "--seconds",
        type=float,
        default=10,
        help="seconds each HTTP endpoint and its floor run (in four rounds)",
    )
    args = parser.parse_args()
    levels = [int(n) for n in args.levels.split(",") if n.strip()]
    data_dir = ROOT / ".data" / "loadtest"
    shape = Shape(
        os.environ.get("LOADTEST_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/loadtest"),
        os.environ.get("LOADTEST_REDIS_URL", "redis://127.0.0.1:6379/12"),
        data_dir,
        int(os.environ.get("LOADTEST_WEB_PORT", "8100")),
        int(os.environ.get("LOADTEST_SOCKET_PORT", "8101")),
    )
    # The shape sends its email to a local relay whose answer time the joins phase sets.
    relay = MailRelay().start()
    shape.env.update(EMAIL_HOST="127.0.0.1", EMAIL_PORT=str(relay.port), EMAIL_USE_TLS="false")
    print(f"starting the production shape (log: {shape.log}) …", flush=True)
    shape.start()
    started = time.monotonic()
    raw: dict = {}
    try:
        report = asyncio.run(run(shape, relay, levels, args.seconds, raw))
    finally:
        shape.stop()
        relay.close()
    report["minutes"] = round((time.monotonic() - started) / 60, 1)
    (data_dir / "report.json").write_text(json.dumps(report, indent=2, default=str))
    (data_dir / "raw.json").write_text(json.dumps(raw))
    phases.print_report(report)
    print(f"\n(report saved to {data_dir / 'report.json'})")


if __name__ == "__main__":
    signal.signal(signal.SIGINT, signal.default_int_handler)
    main()

"""The load test's phases; each returns the numbers it measured."""

from __future__ import annotations

import asyncio
import itertools
import json
import os
import re
import signal
import subprocess
import time

import httpx

from . import cpu
from .mailrelay import MailRelay
from .people import Ats, Candidate
from .receivers import Receiver
from .shape import BIN, ROOT, Shape
from .stats import p50_95_99, percentile

DONE = {"ASSESSMENT_PENDING", "ASSESSMENT_APPROVED", "ASSESSMENT_REJECTED"}
RECRUITER = ("loadtest-recruiter@demo.ai-interview.com", "Loadtest-Recruiter-1!")


class People:
    def __init__(self, shape: Shape, relay: MailRelay):
        self.shape, self.relay = shape, relay
        self.ats = Ats(shape.web)
        self.serial = itertools.count(1)

    def email(self) -> str:
        return f"candidate{next(self.serial)}.{os.getpid()}@loadtest.example"

    async def create_many(self, count: int, callback_url: str, parallel: int = 16) -> list[tuple[str, str]]:
        gate = asyncio.Semaphore(parallel)

        async def one():
            async with gate:
                email = self.email()
                return await self.ats.create(email, callback_url), email

        return list(await asyncio.gather(*(one() for _ in range(count))))


async def _approve_all(people: People, run_ids: list[str], parallel: int = 32) -> list[str]:
    gate = asyncio.Semaphore(parallel)

    async def one(run_id):
        async with gate:
            return await people.ats.approve(run_id)

    return list(await asyncio.gather(*(one(r) for r in run_ids)))


async def _invited(people: People, count: int, callback_url: str) -> tuple[list, list[Candidate]]:
    created = await people.create_many(count, callback_url)
    tokens = await _approve_all(people, [run_id for run_id, _ in created])
    emails = [email for _, email in created]
    web = people.shape.web
    return created, [Candidate(web, t, e, people.relay) for t, e in zip(tokens, emails, strict=True)]


async def _join_all(folks: list[Candidate], parallel: int = 50, steps: dict | None = None) -> float:
    """Joins per second: code email, consent with the code, device check, ``parallel`` at a time.

    ``steps``, when given, collects each step's ms by step name.
    """
    gate, started = asyncio.Semaphore(parallel), time.monotonic()

    async def join(candidate):
        async with gate:
            timings = await candidate.join()
        if steps is not None:
            for name, ms in timings.items():
                steps.setdefault(name, []).append(ms)

    await asyncio.gather(*(join(c) for c in folks))
    return len(folks) / (time.monotonic() - started)


async def joins(people: People, count: int, relay_ms: int = 300) -> dict:
    """Joins/s with a relay that answers at once, then with one that takes ``relay_ms`` per email.

    100 candidates join at a time, enough to keep the platform busy, so the rate
    measures what it can take rather than how long one candidate waits.
    """
    rates: dict[int, list[float]] = {0: [], relay_ms: []}
    steps: dict[int, dict[str, list[float]]] = {0: {}, relay_ms: {}}
    # A round first, not measured: the first joins after a start open the mail worker's
    # database connections, one per thread, which a running platform paid for long ago.
    # Then rounds in the order A B B A, each started with the job queues empty (the
    # HTTP phase leaves thousands of plans to write), so neither relay gets a busier
    # machine, nor the part of it that drifts during the phase.
    for delay in (None, 0, relay_ms, relay_ms, 0):
        _, folks = await _invited(people, count, "")
        await queues_idle(people.shape)
        what = "not measured" if delay is None else f"mail relay answering in {delay} ms"
        print(f"… {count} joins, {what}", flush=True)
        people.relay.delay = (delay or 0) / 1000
        try:
            rate = await _join_all(folks, parallel=100, steps=steps[delay] if delay is not None else None)
        finally:
            people.relay.delay = 0
        if delay is not None:
            rates[delay].append(rate)
    fast, slow = (sum(r) / len(r) for r in (rates[0], rates[relay_ms]))
    return {
        "joins/s, relay at once": round(fast, 1),
        f"joins/s, relay {relay_ms} ms": round(slow, 1),
        "slow / fast": round(slow / fast, 2),
        "rounds": {str(k): [round(r, 1) for r in v] for k, v in rates.items()},
        # Where a join's time goes: the relay adds to the wait for the email, not to the requests.
        "step ms p50, relay at once / slow": {
            name: f"{percentile(times, 50):,.0f} / {percentile(steps[relay_ms][name], 50):,.0f}"
            for name, times in steps[0].items()
        },
    }


async def queues_idle(shape: Shape, seconds: float = 600) -> None:
    """Wait until no job waits in any of the shape's Celery queues and no interview waits to be
    planned (those wait in the database, taken by the planners one wake-up starts)."""
    import psycopg
    import redis

    broker = redis.Redis.from_url(shape.env["REDIS_URL"])
    database = psycopg.connect(shape.database_url, autocommit=True)
    unplanned = "SELECT count(*) FROM interviews_interview WHERE state = 'VALIDATING_SKILLS'"

    def waiting() -> int:
        jobs = sum(broker.llen(queue) for queue in ("agents", "webhooks", "mail"))
        return jobs + database.execute(unplanned).fetchone()[0]

    deadline = time.monotonic() + seconds
    try:
        while waiting() and time.monotonic() < deadline:
            await asyncio.sleep(0.5)
    finally:
        broker.close()
        database.close()


async def _cpu_every(shape: Shape, seconds: float, into: list) -> None:
    """Append (epoch seconds, CPU seconds per role since the last look) every ``seconds``, until cancelled.

    /proc is read on a thread, so the candidates' socket loop does not wait for it.
    """
    last = await asyncio.to_thread(cpu.snapshot, shape.process.pid, shape.database)
    while True:
        await asyncio.sleep(seconds)
        now = await asyncio.to_thread(cpu.snapshot, shape.process.pid, shape.database)
        into.append((time.time(), {role: round(s, 3) for role, s in cpu.delta(last, now).items()}))
        last = now


async def candidates(
    people: People, shape: Shape, level: int, fast: Receiver, raw: dict | None = None
) -> dict:
    """``raw``, when given, gets each answer's (epoch seconds, answer number, ms) and the CPU per 0.5 s."""
    print(f"… {level} candidates: planning and approving", flush=True)
    created, folks = await _invited(people, level, fast.url)
    joins_per_second = await _join_all(folks)

    print(f"… {level} candidates: interviewing", flush=True)
    latencies: list[float] = []
    before = cpu.snapshot(shape.process.pid, shape.database)
    timeline, sampler = None, None
    if raw is not None:
        timeline = raw.setdefault("answers", [])
        sampler = asyncio.create_task(_cpu_every(shape, 0.5, raw.setdefault("cpu", [])))
    openings: list[float] = []
    talks = (c.interview(latencies, (1.0, 3.0), timeline, openings) for c in folks)
    results = await asyncio.gather(*talks, return_exceptions=True)
    if sampler:
        sampler.cancel()
    spent = cpu.delta(before, cpu.snapshot(shape.process.pid, shape.database))
    failures = [repr(r) for r in results if isinstance(r, BaseException)]
    answers = sum(r for r in results if isinstance(r, int))
    # A failed interview is never assessed: wait for the others only as long as it takes.
    unassessed = []
    for run_id, _ in created:
        try:
            await people.ats.wait_for(run_id, DONE, seconds=120 if failures else 600)
        except RuntimeError as stuck:
            unassessed.append(str(stuck))
    return {
        "answer → next question ms p50/p95/p99": p50_95_99(latencies),
        # The level's sockets all open at once: how long a candidate then waits for the first question.
        "socket opened → first question ms p50/p95/p99": p50_95_99(openings),
        "answers": answers,
        "dropped or failed interviews": len(failures),
        "first failures": failures[:3],
        "every interview assessed": not unassessed,
        "not assessed": unassessed[:3],
        "joins/s": round(joins_per_second, 1),
        "CPU ms per answer": {role: round(s * 1000 / max(answers, 1), 1) for role, s in spent.items()},
        "CPU ms per answer, platform total": round(
            sum(s for role, s in spent.items() if role != "load generator") * 1000 / max(answers, 1), 1
        ),
    }


def webhook_latency(fast: Receiver) -> dict:
    """The fast receiver's webhooks so far: those of the candidate levels, sent with the cores busy."""
    latencies = [(arrived - created) * 1000 for arrived, created in fast.snapshot()]
    return {
        "fast receiver deliveries": len(latencies),
        "fast receiver latency ms p50/p95/p99": p50_95_99(latencies),
    }


async def isolation(
    people: People, fast: Receiver, slow: Receiver, backlog: int = 200, seconds: float = 20, rate: float = 5
) -> dict:
    """A fast receiver's webhooks while ``backlog`` deliveries wait on the slow (2 s) receiver.

    The backlog's interviews are requested and planned first (each plan a webhook to
    the slow receiver). Then, for ``seconds``, the ATS requests ``rate`` interviews a
    second for the fast receiver and approves each plan as it comes: two webhooks
    each, one sent from a planning job, one from the approving request. How many of
    the backlog still waited when the last of them arrived shows it held throughout.
    """
    slow_before, created = len(slow.snapshot()), time.monotonic()
    await people.create_many(backlog, slow.url)
    await queues_idle(people.shape)
    backlog_seconds, started = time.monotonic() - created, time.time()

    async def one():
        run_id = await people.ats.create(people.email(), fast.url)
        await people.ats.approve(run_id)

    flows = []
    for n in range(int(seconds * rate)):
        await asyncio.sleep(max(0.0, started + n / rate - time.time()))
        flows.append(asyncio.create_task(one()))
    await asyncio.gather(*flows)
    expected, deadline = 2 * len(flows), time.monotonic() + 60
    while len(ours := [(a, c) for a, c in fast.snapshot() if c >= started]) < expected:
        if time.monotonic() > deadline:
            break
        await asyncio.sleep(0.1)
    waiting = backlog - (len(slow.snapshot()) - slow_before)
    return {
        "backlog's interviews requested and planned in s": round(backlog_seconds, 1),
        "fast receiver webhooks": f"{len(ours)} of {expected}",
        "fast receiver latency ms p50/p95/p99": p50_95_99([(a - c) * 1000 for a, c in ours]),
        "slow receiver deliveries still waiting at the end": waiting,
    }


async def drain(people: People, shape: Shape, fast: Receiver, count: int) -> dict:
    """Hold the webhook worker, pile up deliveries to the fast receiver, let go, time the drain."""
    workers = shape.pids("-Q webhooks")
    for pid in workers:
        os.kill(pid, signal.SIGSTOP)
    try:
        created = await people.create_many(count, fast.url)
        for run_id, _ in created:
            await people.ats.wait_for(run_id, {"PENDING"})
        before = len(fast.snapshot())
    finally:
        for pid in workers:
            os.kill(pid, signal.SIGCONT)
    released = time.time()
    last, quiet_since = before, time.monotonic()
    while time.monotonic() - quiet_since < 3:
        await asyncio.sleep(0.2)
        now = len(fast.snapshot())
        if now != last:
            last, quiet_since = now, time.monotonic()
    arrivals = sorted(a for a, _ in fast.snapshot())[before:]
    delivered = len(arrivals)
    seconds = (arrivals[-1] - released) if arrivals else float("nan")
    rate = round(delivered / seconds, 1) if arrivals else 0.0
    return {"backlog delivered": delivered, "seconds": round(seconds, 2), "deliveries/s": rate}


def _make_recruiter(shape: Shape) -> None:
    code = (
        "from accounts.models import Organization, User, Role;"
        "org = Organization.objects.get(slug='demo');"
        f"u, _ = User.objects.get_or_create(email='{RECRUITER[0]}', "
        "defaults={'organization': org, 'role': Role.RECRUITER});"
        f"u.set_password('{RECRUITER[1]}'); u.save()"
    )
    command = [str(BIN / "python"), "manage.py", "shell", "-c", code]
    subprocess.run(command, cwd=ROOT, env=shape.env, check=True)  # noqa: S603


def _page_queries(shape: Shape) -> dict:
    code = f"from loadtest.pagequeries import main; main({RECRUITER[0]!r})"
    command = [str(BIN / "python"), "manage.py", "shell", "-c", code]
    result = subprocess.run(command, cwd=ROOT, env=shape.env, check=True, capture_output=True, text=True)  # noqa: S603
    return json.loads(result.stdout.strip().splitlines()[-1])


async def dashboard(people: People, repeats: int = 20) -> dict:
    _make_recruiter(people.shape)
    async with httpx.AsyncClient(base_url=people.shape.web, timeout=60, follow_redirects=False) as browser:
        page = await browser.get("/accounts/login/")
        token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.text).group(1)
        signed_in = await browser.post(
            "/accounts/login/",
            data={"username": RECRUITER[0], "password": RECRUITER[1], "csrfmiddlewaretoken": token},
            headers={"Referer": people.shape.web + "/accounts/login/"},
        )
        if signed_in.status_code != 302:
            return {"error": f"sign-in answered {signed_in.status_code}"}
        numbers = _page_queries(people.shape)
        for path in ("/admin/approvals", "/admin/approvals/poll", "/admin/interviews"):
            times = []
            for _ in range(repeats):
                started = time.perf_counter()
                response = await browser.get(path)
                times.append((time.perf_counter() - started) * 1000)
                if response.status_code != 200:
                    return {"error": f"{path} answered {response.status_code}"}
            numbers[f"{path} ms p50/p95"] = f"{percentile(times, 50):,.0f} / {percentile(times, 95):,.0f}"
        return numbers


def print_report(report: dict) -> None:
    print(f"\nMachine: {report['machine']}")
    print("\nHTTP (16 clients, closed loop), requests/s:")
    for name, value in report["http"].items():
        print(f"  {name:<36} {value:,.2f}")
    print("  rounds, requests/s: " + json.dumps(report.get("http rounds"), default=str))
    print("\nintake cost: " + json.dumps(report.get("intake cost"), default=str))
    print("\nCandidates (answer every 1–3 s over the socket):")
    for level, numbers in report["levels"].items():
        print(f"  {level} concurrent: " + json.dumps(numbers, default=str))
    sections = ("warm-up", "joins", "webhooks", "webhook isolation", "drain", "dashboard")
    for section in sections:
        print(f"\n{section}: " + json.dumps(report.get(section), default=str))

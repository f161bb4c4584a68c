"""The HTTP phase: the platform's request paths against bare floor endpoints, in the same run.

Each endpoint runs in rounds beside its floor, in the order floor, endpoint,
endpoint, floor, twice, and the ratio is that of their means.

``POST /a2a/interview`` is measured twice. First the request path alone: the
agents worker is held (SIGSTOP), so the interviews wait to be planned (in the
database, with one planner job on the queue), as they would for a worker tier
on other machines; the worker is then let go and the backlog
timed, which gives the plans/s and what one interview costs, created and
planned, process by process. Then again with the worker planning alongside on
the same cores, the one-machine figure.
"""

from __future__ import annotations

import asyncio
import os
import signal
import time

from . import cpu
from .people import BODY, DEMO_KEY
from .phases import queues_idle


async def closed_loop(call, seconds: float, clients: int = 16) -> tuple[float, int]:
    """(requests/s, requests) that ``clients`` callers, each waiting for its answer, complete."""
    done, stop = 0, time.monotonic() + seconds

    async def client():
        nonlocal done
        while time.monotonic() < stop:
            response = await call()
            if response.status_code >= 400:
                raise RuntimeError(f"{response.request.url}: {response.status_code} {response.text[:200]}")
            done += 1

    started = time.monotonic()
    await asyncio.gather(*(client() for _ in range(clients)))
    return done / (time.monotonic() - started), done


def _added(total: dict[str, float], more: dict[str, float]) -> dict[str, float]:
    return {role: total.get(role, 0.0) + more.get(role, 0.0) for role in {*total, *more}}


# The order of the rounds: A B B A, twice.
ROUNDS = ("floor", "endpoint", "endpoint", "floor") * 2


async def _alternating(shape, floor, endpoint, seconds: float) -> tuple[list[float], list[float], int, dict]:
    """The floor and the endpoint in the order of ROUNDS, ``seconds`` split among each one's rounds,
    so that a drift of the machine's speed during the phase weighs on both alike (single 10-s windows
    one after the other have put the same floor 25 % apart, and 5-s rounds A B B A a floor 40 %
    apart). Returns (floor rates, endpoint rates, endpoint requests, CPU seconds per role during the
    endpoint's rounds)."""
    calls = {"floor": floor, "endpoint": endpoint}
    rates: dict = {floor: [], endpoint: []}
    requests, spent = 0, {}
    for kind in ROUNDS:
        call = calls[kind]
        before = cpu.snapshot(shape.process.pid, shape.database)
        rate, done = await closed_loop(call, seconds / ROUNDS.count(kind))
        rates[call].append(rate)
        if call is endpoint:
            requests += done
            spent = _added(spent, cpu.delta(before, cpu.snapshot(shape.process.pid, shape.database)))
    return rates[floor], rates[endpoint], requests, spent


def _mean(values: list[float]) -> float:
    return sum(values) / len(values)


async def _held_creates(shape, floor_insert, create, seconds: float) -> tuple[list, list, dict]:
    """Create beside the floor insert with the planning worker held, then the backlog it left planned:
    (floor rates, create rates, what one interview cost, created and planned)."""
    agents = shape.pids("-Q agents")
    for pid in agents:
        os.kill(pid, signal.SIGSTOP)
    try:
        inserts, creates, created, spent = await _alternating(shape, floor_insert, create, seconds)
    finally:
        for pid in agents:
            os.kill(pid, signal.SIGCONT)
    released = time.monotonic()
    before = cpu.snapshot(shape.process.pid, shape.database)
    await queues_idle(shape)
    drained = time.monotonic() - released
    spent = _added(spent, cpu.delta(before, cpu.snapshot(shape.process.pid, shape.database)))
    platform = sum(s for role, s in spent.items() if role != "load generator")
    cost = {
        "interviews created while planning was held": created,
        "plans/s from that backlog": round(created / drained, 1),
        "CPU ms per interview created and planned": {
            role: round(s * 1000 / max(created, 1), 2) for role, s in spent.items()
        },
        "CPU ms per interview, platform total": round(platform * 1000 / max(created, 1), 2),
    }
    return inserts, creates, cost


async def http_ratios(people, seconds: float) -> tuple[dict, dict, dict]:
    """(requests/s and ratios, each round's requests/s, what creating and planning one interview costs)."""
    http, ats, shape = people.ats.http, people.ats, people.shape
    run_id = await ats.create(people.email(), "")
    key = {"X-API-Key": DEMO_KEY}
    status = f"/api/v1/a2a/interview/{run_id}/status"
    body = {"candidateEmail": "x@loadtest.example"}

    async def create():
        payload = {**BODY, "candidateEmail": people.email()}
        return await http.post("/api/v1/a2a/interview", json=payload, headers=key)

    async def floor_read():
        return await http.get(f"/loadtest/floor/{ats.user_id}")

    async def read_status():
        return await http.get(status, headers=key)

    async def floor_insert():
        return await http.post("/loadtest/floor", json=body)

    reads, statuses, _, _ = await _alternating(shape, floor_read, read_status, seconds)
    await queues_idle(shape)
    inserts, creates, cost = await _held_creates(shape, floor_insert, create, seconds)
    numbers = {
        "floor read": _mean(reads),
        "GET status": _mean(statuses),
        "floor insert": _mean(inserts),
        "POST interview": _mean(creates),
        "POST interview, planning alongside": (await closed_loop(create, seconds))[0],
    }
    numbers["status / floor"] = numbers["GET status"] / numbers["floor read"]
    numbers["create / floor"] = numbers["POST interview"] / numbers["floor insert"]
    numbers["create alongside / floor"] = (
        numbers["POST interview, planning alongside"] / numbers["floor insert"]
    )
    rounds = {
        "floor read, status, status, floor read, twice": _spoken(_in_order(reads, statuses)),
        "floor insert, create, create, floor insert, twice": _spoken(_in_order(inserts, creates)),
    }
    await queues_idle(shape)
    return numbers, rounds, cost


def _in_order(floors: list[float], endpoints: list[float]) -> list[float]:
    """The rounds' rates in the order they ran (ROUNDS)."""
    left = {"floor": iter(floors), "endpoint": iter(endpoints)}
    return [next(left[kind]) for kind in ROUNDS]


def _spoken(rates: list[float]) -> str:
    return " ".join(f"{rate:,.0f}" for rate in rates)

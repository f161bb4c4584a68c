"""The HTTP phase: the platform's request paths against bare floor endpoints, in the same run.

``POST /a2a/interview`` is measured twice. First the request path alone: the
agents worker is held (SIGSTOP), so the plans wait in the queue, as they would
for a worker tier on other machines; the worker is then let go and the backlog
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


async def http_ratios(people, seconds: float) -> tuple[dict, dict]:
    """(requests/s and ratios, what creating and planning one interview costs)."""
    http, ats, shape = people.ats.http, people.ats, people.shape
    run_id = await ats.create(people.email(), "")
    key = {"X-API-Key": DEMO_KEY}
    status = f"/api/v1/a2a/interview/{run_id}/status"
    body = {"candidateEmail": "x@loadtest.example"}

    async def create():
        payload = {**BODY, "candidateEmail": people.email()}
        return await http.post("/api/v1/a2a/interview", json=payload, headers=key)

    numbers = {
        "floor read": (await closed_loop(lambda: http.get(f"/loadtest/floor/{ats.user_id}"), seconds))[0],
        "GET status": (await closed_loop(lambda: http.get(status, headers=key), seconds))[0],
        "floor insert": (await closed_loop(lambda: http.post("/loadtest/floor", json=body), seconds))[0],
    }
    await queues_idle(shape)
    agents = shape.pids("-Q agents")
    before = cpu.snapshot(shape.process.pid, shape.database)
    for pid in agents:
        os.kill(pid, signal.SIGSTOP)
    try:
        numbers["POST interview"], created = await closed_loop(create, seconds)
    finally:
        for pid in agents:
            os.kill(pid, signal.SIGCONT)
    released = time.monotonic()
    await queues_idle(shape)
    drained = time.monotonic() - released
    spent = cpu.delta(before, cpu.snapshot(shape.process.pid, shape.database))
    numbers["POST interview, planning alongside"] = (await closed_loop(create, seconds))[0]
    numbers["status / floor"] = numbers["GET status"] / numbers["floor read"]
    numbers["create / floor"] = numbers["POST interview"] / numbers["floor insert"]
    alongside = numbers["POST interview, planning alongside"]
    numbers["create alongside / floor"] = alongside / numbers["floor insert"]
    cost = {
        "interviews created while planning was held": created,
        "plans/s from that backlog": round(created / drained, 1),
        "CPU ms per interview created and planned": {
            role: round(s * 1000 / max(created, 1), 2) for role, s in spent.items()
        },
        "CPU ms per interview, platform total": round(
            sum(s for role, s in spent.items() if role != "load generator") * 1000 / max(created, 1), 2
        ),
    }
    await queues_idle(shape)
    return numbers, cost

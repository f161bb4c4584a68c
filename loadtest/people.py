"""The ATS, the recruiter and the candidates, as the load test plays them (asyncio)."""

from __future__ import annotations

import asyncio
import json
import random
import secrets
import time

import httpx
from websockets.asyncio.client import connect

from .mailrelay import MailRelay

DEMO_KEY = "demo_api_key_12345678901234567890123456789012345678901234567890123456"
ADMIN = {"email": "admin@demo.ai-interview.com", "password": "Admin123!"}
BODY = {
    "candidateName": "Jane Smith",
    "position": "Senior Software Engineer",
    "level": "SENIOR",
    "skills": ["TypeScript", "React", "Node.js", "PostgreSQL"],
    "jobDescription": (
        "Join our platform team to build scalable web applications with a modern tech stack. "
        "You will architect and own key services."
    ),
}
ANSWER = (
    "I would start from the requirements and the failure modes, then measure before changing anything. "
    "In production I used profiling, indexes on the hot queries, caching with explicit invalidation, and "
    "tests at the level users see; the trade-off is complexity, so I keep the design small and explain it."
)
ROUTINE = {"ack", "pong", "intro", "history", "status"}


class Ats:
    def __init__(self, web: str):
        self.web = web
        self.http = httpx.AsyncClient(base_url=web, timeout=60, limits=httpx.Limits(max_connections=64))
        self.jwt = ""

    async def login(self) -> None:
        response = await self.http.post("/api/v1/auth/login", json=ADMIN)
        response.raise_for_status()
        self.jwt = response.json()["accessToken"]
        self.user_id = response.json()["user"]["id"]

    async def create(self, email: str, callback_url: str) -> str:
        body = {**BODY, "candidateEmail": email}
        if callback_url:
            body["callbackUrl"] = callback_url
        response = await self.http.post("/api/v1/a2a/interview", json=body, headers={"X-API-Key": DEMO_KEY})
        if response.status_code != 201:
            raise RuntimeError(f"create: {response.status_code} {response.text[:300]}")
        return response.json()["runId"]

    async def status(self, run_id: str) -> dict:
        path = f"/api/v1/a2a/interview/{run_id}/status"
        response = await self.http.get(path, headers={"X-API-Key": DEMO_KEY})
        response.raise_for_status()
        return response.json()

    async def wait_for(self, run_id: str, states: set[str], seconds: float = 300) -> dict:
        deadline = time.monotonic() + seconds
        while True:
            status = await self.status(run_id)
            if status["state"] in states:
                return status
            if time.monotonic() > deadline:
                raise RuntimeError(f"{run_id} stayed {status['state']}, expected {states}")
            await asyncio.sleep(0.5)

    async def approve(self, run_id: str) -> str:
        await self.wait_for(run_id, {"PENDING"})
        response = await self.http.post(
            f"/api/v1/a2a/interview/{run_id}/approve",
            json={"approved": True},
            headers={"Authorization": f"Bearer {self.jwt}"},
        )
        if response.status_code != 200:
            raise RuntimeError(f"approve: {response.status_code} {response.text[:300]}")
        return response.json()["interviewLink"].rsplit("/", 1)[1]


class Candidate:
    def __init__(self, web: str, token: str, email: str, relay: MailRelay):
        self.web, self.token, self.email, self.relay = web, token, email, relay
        csrf = secrets.token_hex(16)
        self.http = httpx.AsyncClient(base_url=web, timeout=60, cookies={"csrftoken": csrf})
        self.http.headers["X-CSRFToken"] = csrf
        self.http.headers["Referer"] = web + "/"
        self.socket_url = ""

    async def _post(self, action: str, body: dict) -> httpx.Response:
        return await self.http.post(f"/api/v1/candidate/join/{self.token}/{action}", json=body)

    async def join(self) -> dict[str, float]:
        """Code by email, consent with the code, device check: what the welcome page does.

        Returns the ms each step took: the code request, the wait for the code
        email to arrive, the verification, the device check.
        """
        steps, started = {}, time.perf_counter()

        def step(name: str) -> None:
            nonlocal started
            now = time.perf_counter()
            steps[name], started = (now - started) * 1000, now

        response = await self._post("otp", {})
        if response.status_code != 202:
            raise RuntimeError(f"otp: {response.status_code} {response.text[:300]}")
        step("code request")
        deadline = time.monotonic() + 60
        while (code := self.relay.code_for(self.email)) is None:
            if time.monotonic() > deadline:
                raise RuntimeError(f"no code email for {self.email}")
            await asyncio.sleep(0.05)
        step("code email arrives")
        response = await self._post("verify", {"code": code, "consent": True})
        if response.status_code != 200:
            raise RuntimeError(f"verify: {response.status_code} {response.text[:300]}")
        self.socket_url = response.json()["websocketUrl"]
        step("verify")
        response = await self._post("device-check", {"camera": False, "microphone": True})
        if response.status_code != 200 or not response.json().get("ready"):
            raise RuntimeError(f"device-check: {response.status_code} {response.text[:300]}")
        step("device check")
        return steps

    async def interview(
        self,
        latencies: list[float],
        think: tuple[float, float],
        timeline: list | None = None,
        openings: list[float] | None = None,
    ) -> int:
        """Answer every question, typing for 1–3 s; returns the number of answers given.

        ``timeline``, when given, collects (epoch seconds, answer number, ms) of each answer;
        ``openings`` the ms from opening the socket to the first question.
        """
        cookie = "; ".join(f"{name}={value}" for name, value in self.http.cookies.items())
        answers = 0
        opened = time.perf_counter()
        async with connect(
            self.socket_url, additional_headers={"Cookie": cookie, "Origin": self.web}, open_timeout=30
        ) as ws:
            frame = await _next(ws)
            if openings is not None:
                openings.append((time.perf_counter() - opened) * 1000)
            while frame["type"] == "question":
                await asyncio.sleep(random.uniform(*think))
                text = "How big is the team I would join?" if frame.get("kind") == "closing" else ANSWER
                started = time.perf_counter()
                await ws.send(json.dumps({"type": "answer", "questionId": frame["questionId"], "text": text}))
                frame = await _next(ws)
                latencies.append((time.perf_counter() - started) * 1000)
                if timeline is not None:
                    timeline.append((time.time(), answers, latencies[-1]))
                answers += 1
            if frame["type"] != "completed":
                raise RuntimeError(f"interview ended with {frame}")
        await self.http.aclose()
        return answers


async def _next(ws) -> dict:
    while True:
        frame = json.loads(await asyncio.wait_for(ws.recv(), timeout=120))
        if frame["type"] == "error":
            raise RuntimeError(f"socket error frame: {frame}")
        if frame["type"] not in ROUTINE:
            return frame

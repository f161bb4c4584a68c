"""The socket server in several daphne processes on one port (the Procfile's sockets line)."""

from __future__ import annotations

import contextlib
import ipaddress
import json
import os
import signal
import subprocess
import time
from pathlib import Path

import pytest
import requests
from rest_framework.test import APIClient

from accounts.models import ApiKey
from interviews.models import Turn
from tests.candidate_client import Candidate, recv
from tests.live import ROOT, create_approved, free_port, live_stack, socket_server_command, stack_env, stop
from tests.receiver import Receiver
from tests.services import redis_url

pytestmark = [pytest.mark.integration, pytest.mark.django_db(transaction=True)]

# Windows opened at most before both processes must have held one.
MAX_WINDOWS = 100


def _children(pid: int) -> list[int]:
    path = Path(f"/proc/{pid}/task/{pid}/children")
    return [int(p) for p in path.read_text().split()] if path.exists() else []


def _listening_socket(port: int) -> str:
    """The inode of the socket listening on ``port``, as /proc/<pid>/fd links name it."""
    for line in Path("/proc/net/tcp").read_text().splitlines()[1:]:
        fields = line.split()
        if fields[1].endswith(f":{port:04X}") and fields[3] == "0A":  # 0A: LISTEN
            return f"socket:[{fields[9]}]"
    raise AssertionError(f"nothing listens on {port}")


def _sockets_of(pid: int) -> set[str]:
    folder = Path(f"/proc/{pid}/fd")
    return {os.readlink(folder / fd) for fd in os.listdir(folder)}


def _healthy(base_url: str, seconds: float = 60) -> None:
    deadline = time.monotonic() + seconds
    while True:
        try:
            if requests.get(f"{base_url}/healthz", timeout=10).ok:
                return
        except requests.RequestException:  # the port is bound before the processes answer on it
            if time.monotonic() > deadline:
                raise
        time.sleep(0.2)


def _holder(ws, port: int, daphnes: list[int]) -> int:
    """The daphne process holding the server end of the client socket ``ws``."""
    client_port = ws.socket.getsockname()[1]
    inode = next(
        line.split()[9]
        for line in Path("/proc/net/tcp").read_text().splitlines()[1:]
        if line.split()[1].endswith(f":{port:04X}") and line.split()[2].endswith(f":{client_port:04X}")
    )
    return next(pid for pid in daphnes if f"socket:[{inode}]" in _sockets_of(pid))


def test_two_processes_share_the_port_and_an_interview_moves_between_them(tmp_path, org, recruiter, settings):
    """New windows land in either process; a window in one process takes over from a window in
    the other through Redis, and the open question and the next one come back wherever it is."""
    settings.WEBHOOK_ALLOWED_NETWORKS = [ipaddress.ip_network("127.0.0.0/8")]
    _, raw_key = ApiKey.create_with_raw(org, "ATS")
    ats = APIClient()
    ats.credentials(HTTP_X_API_KEY=raw_key)
    with (
        Receiver() as receiver,
        live_stack(redis_url(), tmp_path, socket_processes=2) as (base_url, _env, data_dir),
    ):
        _healthy(base_url)
        port = int(base_url.rsplit(":", 1)[1])
        launcher = next(p for p in _launchers() if f"--port {port} " in _cmdline(p))
        daphnes = _children(launcher)
        listening = _listening_socket(port)
        # Two daphne processes, both accepting on the one listening socket.
        assert len(daphnes) == 2 and all(listening in _sockets_of(pid) for pid in daphnes)

        run_id, token = create_approved(ats, recruiter, f"{receiver.url}/hook")
        candidate = Candidate(base_url, token, data_dir)
        candidate.verify()
        with contextlib.ExitStack() as sockets:
            window = sockets.enter_context(candidate.socket())
            question = recv(window)
            assert question["type"] == "question"
            holders = [_holder(window, port, daphnes)]
            crossings = 0
            while len(set(holders)) < 2 and len(holders) < MAX_WINDOWS:
                newer = sockets.enter_context(candidate.socket())
                assert recv(newer)["questionId"] == question["questionId"]
                told = recv(window)
                assert (told["type"], told["code"]) == ("error", "taken_over")
                holders.append(_holder(newer, port, daphnes))
                crossings += holders[-1] != holders[-2]
                window = newer
            assert crossings == 1, holders  # a take-over from one process to the other happened
            answer = "I would measure first, add the index the slow query needs, and cache with care."
            window.send(json.dumps({"type": "answer", "questionId": question["questionId"], "text": answer}))
            assert recv(window)["type"] == "question"
        assert Turn.objects.filter(interview__run_id=run_id, answered_at__isnull=False).count() == 1


def _launchers() -> list[int]:
    return [int(p) for p in os.listdir("/proc") if p.isdigit() and "socket_server" in _cmdline(int(p))]


def _cmdline(pid: int) -> str:
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode()
    except OSError:
        return ""


def _start(tmp_path, port: int, processes: int = 2, **env: str) -> subprocess.Popen:
    data_dir = tmp_path / "data"
    data_dir.mkdir(exist_ok=True)
    environment = {**stack_env(redis_url(), data_dir, port), **env}
    return subprocess.Popen(  # noqa: S603
        socket_server_command(port, processes),
        cwd=ROOT,
        env=environment,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )


def test_a_stop_reaches_every_process_and_ends_cleanly(tmp_path):
    port = free_port()
    server = _start(tmp_path, port)
    try:
        _healthy(f"http://127.0.0.1:{port}")
        daphnes = _children(server.pid)
        assert len(daphnes) == 2
        server.send_signal(signal.SIGTERM)
        assert server.wait(timeout=30) == 0
        assert not any(Path(f"/proc/{pid}").exists() and _cmdline(pid) for pid in daphnes)
    finally:
        stop(server)


def test_one_process_gone_takes_the_server_down_so_the_manager_sees_it(tmp_path):
    port = free_port()
    server = _start(tmp_path, port)
    try:
        _healthy(f"http://127.0.0.1:{port}")
        first, second = _children(server.pid)
        os.kill(first, signal.SIGKILL)
        assert server.wait(timeout=30) != 0
        deadline = time.monotonic() + 10
        while _cmdline(second) and time.monotonic() < deadline:
            time.sleep(0.1)
        assert not _cmdline(second)
    finally:
        stop(server)


@pytest.mark.parametrize(
    ("processes", "env", "problem"),
    [
        (0, {}, "--processes must be at least 1, not 0"),
        (2, {"REDIS_URL": ""}, "--processes above 1 needs REDIS_URL"),
    ],
)
def test_a_bad_process_count_is_refused_with_the_reason(tmp_path, processes, env, problem):
    server = _start(tmp_path, free_port(), processes, **env)
    output, _ = server.communicate(timeout=30)
    assert server.returncode == 2 and problem in output

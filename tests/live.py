"""A live stack for integration tests: daphne and a Celery worker as real processes.

Both use the test database (PostgreSQL in CI, a SQLite file elsewhere) and
Redis for the broker and the channel layer. Tests that use it need
``@pytest.mark.django_db(transaction=True)`` so their rows are committed
and visible to the other processes.
"""

from __future__ import annotations

import atexit
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import quote

from django.db import connection

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
TEST_SECRET_KEY = "integration-tests-secret-key-0123456789abcdef"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def database_url() -> str:
    settings = connection.settings_dict
    if connection.vendor == "postgresql":
        user = quote(settings.get("USER") or "postgres")
        password = f":{quote(settings['PASSWORD'])}" if settings.get("PASSWORD") else ""
        host = settings.get("HOST") or "127.0.0.1"
        port = settings.get("PORT") or 5432
        return f"postgres://{user}{password}@{host}:{port}/{settings['NAME']}"
    if connection.vendor == "sqlite":
        name = str(settings["NAME"])
        if name == ":memory:" or name.startswith("file:memory"):
            raise RuntimeError("the live stack needs a file-based test database")
        return f"sqlite:///{name}"
    raise RuntimeError(f"unsupported database {connection.vendor}")


def stack_env(redis_url: str, data_dir: Path, port: int, **extra: str) -> dict[str, str]:
    env = {key: value for key, value in os.environ.items() if not key.startswith("PYTEST")}
    env.update(
        DEBUG="true",
        SECRET_KEY=TEST_SECRET_KEY,
        DATABASE_URL=database_url(),
        REDIS_URL=redis_url,
        DATA_DIR=str(data_dir),
        PORT=str(port),
        PUBLIC_BASE_URL=f"http://127.0.0.1:{port}",
        ALLOWED_HOSTS="127.0.0.1,localhost",
        CSRF_TRUSTED_ORIGINS=f"http://127.0.0.1:{port}",
        WEBHOOK_ALLOWED_CIDRS="127.0.0.0/8",
        WEBHOOK_RETRY_SCHEDULE="1,1,1",
        PYTHONUNBUFFERED="1",
    )
    env.update(extra)
    return env


def _wait_for_port(port: int, process: subprocess.Popen, log: Path, timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"server exited early:\n{log.read_text()[-3000:]}")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                return
        except OSError:
            time.sleep(0.2)
    raise RuntimeError(f"server did not listen on {port}:\n{log.read_text()[-3000:]}")


def _wait_for_worker(log: Path, process: subprocess.Popen, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"worker exited early:\n{log.read_text()[-3000:]}")
        if "ready." in log.read_text():
            return
        time.sleep(0.2)
    raise RuntimeError(f"worker not ready:\n{log.read_text()[-3000:]}")


def start_worker(env: dict, log: Path, queues: str = "agents,webhooks,mail", concurrency: int = 4):
    handle = log.open("w")
    process = subprocess.Popen(
        [
            str(BIN / "celery"),
            "-A",
            "interview_platform",
            "worker",
            "-Q",
            queues,
            "--pool=threads",
            f"--concurrency={concurrency}",
            "--loglevel=INFO",
            "--without-gossip",
            "--without-mingle",
            "--without-heartbeat",
        ],
        cwd=ROOT,
        env=env,
        stdout=handle,
        stderr=subprocess.STDOUT,
    )
    try:
        _wait_for_worker(log, process)
    except Exception:
        stop(process)  # never leave a half-started worker behind
        raise
    return process


def socket_server_command(port: int, processes: int) -> list[str]:
    """The Procfile's sockets line: ``processes`` daphne processes on ``port``."""
    return [
        str(BIN / "python"),
        "-m",
        "interview_platform.socket_server",
        "--port",
        str(port),
        "--processes",
        str(processes),
    ]


def start_daphne(env: dict, port: int, log: Path, processes: int = 1) -> subprocess.Popen:
    """The platform's ASGI app served by daphne on ``port``, answering when this returns.

    ``processes`` > 1: that many daphne processes on the port, as the Procfile's sockets line runs them.
    """
    command = [str(BIN / "daphne"), "-b", "127.0.0.1", "-p", str(port), "interview_platform.asgi:application"]
    with log.open("w") as handle:
        server = subprocess.Popen(  # noqa: S603
            socket_server_command(port, processes) if processes > 1 else command,
            cwd=ROOT,
            env=env,
            stdout=handle,
            stderr=subprocess.STDOUT,
        )
    try:
        _wait_for_port(port, server, log)
    except Exception:
        stop(server)
        raise
    return server


def stop(process: subprocess.Popen | None, sig: int = signal.SIGTERM) -> None:
    if process is None or process.poll() is not None:
        return
    process.send_signal(sig)
    try:
        process.wait(timeout=15)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


def empty_broker() -> str:
    """The test Redis's URL, its queues emptied of jobs left by other tests; PostgreSQL must answer too."""
    import redis

    from tests.services import redis_url, require_postgres

    broker = redis_url()
    require_postgres()
    redis.Redis.from_url(broker).flushdb()
    return broker


@contextmanager
def live_stack(redis_url: str, tmp_path: Path, socket_processes: int = 1, **extra_env: str):
    """Start daphne (``socket_processes`` of them on one port) + a Celery worker; yields
    (base_url, env, data_dir)."""
    import redis

    redis.Redis.from_url(redis_url).flushdb()
    port = free_port()
    data_dir = tmp_path / "data"
    data_dir.mkdir(exist_ok=True)
    env = stack_env(redis_url, data_dir, port, **extra_env)
    server_log, worker_log = tmp_path / "daphne.log", tmp_path / "worker.log"
    server = worker = None
    try:
        server = start_daphne(env, port, server_log, socket_processes)
        worker = start_worker(env, worker_log)
        yield f"http://127.0.0.1:{port}", env, data_dir
    finally:
        stop(worker)
        stop(server)


def read_code(data_dir: Path, timeout: float = 20) -> str:
    """The newest one-time code in the file mail backend's folder."""
    import re

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        # Newest first: the invitation and other emails to the candidate land in the same folder.
        files = sorted((data_dir / "mail").glob("*.log"), key=lambda p: p.stat().st_mtime, reverse=True)
        for path in files:
            match = re.findall(r"^\s{4}(\d{6})\s*$", path.read_text(), re.M)
            if match:
                return match[-1]
        time.sleep(0.2)
    raise AssertionError("no code email arrived")


_seeded: list[Path] = []


def _seeded_data_dir() -> Path:
    """A data folder after `manage.py migrate` and `seed_demo`, made once per run.

    Each embedded server starts from a copy: the two commands take seconds and
    write the same rows whatever the server's settings.
    """
    if not _seeded:
        folder = Path(tempfile.mkdtemp(prefix="embedded-seed-"))
        atexit.register(shutil.rmtree, folder, ignore_errors=True)
        seed_env = {"PATH": f"{BIN}:/usr/bin:/bin", "DEBUG": "true", "DATA_DIR": str(folder)}
        for command in (["migrate", "--noinput"], ["seed_demo"]):
            subprocess.run(
                [str(BIN / "python"), "manage.py", *command],
                cwd=ROOT,
                env=seed_env,
                check=True,
                capture_output=True,
            )
        _seeded.append(folder)
    return _seeded[0]


@contextmanager
def embedded_server(tmp_path: Path, **extra_env: str):
    """What `make run` starts: migrate and seed_demo (run once, copied), then daphne with no Redis.

    Yields the base URL.
    """
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    env = {
        "PATH": f"{BIN}:/usr/bin:/bin",
        "DEBUG": "true",
        "DATA_DIR": str(tmp_path),
        "PORT": str(port),
        "PUBLIC_BASE_URL": base,
        **extra_env,
    }
    shutil.copytree(_seeded_data_dir(), tmp_path, dirs_exist_ok=True)
    server = start_daphne(env, port, tmp_path / "server.log")
    try:
        yield base
    finally:
        stop(server)


def wait_until(predicate, timeout=40, step=0.2):
    """Poll ``predicate`` until it returns something true (the live stack works in other processes)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(step)
    raise AssertionError("timed out waiting")


def create_approved(ats, recruiter, callback_url: str) -> tuple[str, str]:
    """An interview requested by the ATS, planned by the live stack's worker and approved: (runId, token)."""
    from interviews.models import Interview, State
    from tests.factories import SEED_BODY, bearer_client

    created = ats.post("/api/v1/a2a/interview", {**SEED_BODY, "callbackUrl": callback_url}, format="json")
    assert created.status_code == 201, created.content
    run_id = created.json()["runId"]
    wait_until(lambda: Interview.objects.get(run_id=run_id).state == State.PENDING)
    approved = bearer_client(recruiter).post(
        f"/api/v1/a2a/interview/{run_id}/approve", {"approved": True}, format="json"
    )
    assert approved.status_code == 200, approved.content
    return run_id, approved.json()["interviewLink"].rsplit("/", 1)[1]


_LLM_ENV = ("AGENT_ENGINE", "LLM_PROVIDER", "LLM_MODEL", "LLM_BASE_URL", "LLM_API_KEY")
_LLM_ENV += ("LLM_TIMEOUT_SECONDS", "LLM_MAX_RETRIES", "LLM_MAX_FOLLOWUPS")


def start_django(env: dict) -> subprocess.CompletedProcess:
    """Start Django in a fresh process with ``env`` over this one's environment, less its model
    settings: how a bad setting is refused at start."""
    base = {k: v for k, v in os.environ.items() if k not in _LLM_ENV and k != "DJANGO_SETTINGS_MODULE"}
    code = (
        "import django, os; os.environ['DJANGO_SETTINGS_MODULE']='interview_platform.settings'; "
        "django.setup()"
    )
    return subprocess.run(
        [sys.executable, "-c", code],
        cwd=ROOT,
        env={**base, "DEBUG": "true", **env},
        capture_output=True,
        text=True,
    )

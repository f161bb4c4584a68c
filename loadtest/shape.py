"""Starting and stopping the production shape (the Procfile under honcho) on a fresh database."""

from __future__ import annotations

import os
import secrets
import signal
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import urlparse

import httpx

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent


class Shape:
    def __init__(self, database_url: str, redis_url: str, data_dir: Path, web_port: int, socket_port: int):
        self.data_dir, self.web_port, self.socket_port = data_dir, web_port, socket_port
        self.web = f"http://127.0.0.1:{web_port}"
        self.sockets = f"ws://127.0.0.1:{socket_port}"
        self.database_url = database_url
        self.database = urlparse(database_url).path.lstrip("/")
        self.env = {
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "loadtest.settings",
            "DEBUG": "false",
            "SECRET_KEY": secrets.token_urlsafe(48),
            "DATABASE_URL": database_url,
            "REDIS_URL": redis_url,
            "DATA_DIR": str(data_dir),
            "WEB_PORT": str(web_port),
            "SOCKET_PORT": str(socket_port),
            "WEB_WORKERS": "2",
            "SOCKET_PROCESSES": "2",
            "AGENT_CONCURRENCY": "4",
            "WEBHOOK_CONCURRENCY": "8",
            "MAIL_CONCURRENCY": "32",
            "ALLOWED_HOSTS": "127.0.0.1,localhost",
            "PUBLIC_BASE_URL": self.web,
            "SOCKET_BASE_URL": f"http://127.0.0.1:{socket_port}",
            "SECURE_SSL_REDIRECT": "false",
            "SECURE_COOKIES": "false",
            "SECURE_HSTS_SECONDS": "0",
            "WEBHOOK_ALLOWED_CIDRS": "127.0.0.0/8",
            # One ATS key plays every client here; the per-key limit would measure itself.
            "API_KEY_THROTTLE_RATE": "1000000/min",
            "PATH": f"{BIN}:{os.environ.get('PATH', '')}",
            "PYTHONUNBUFFERED": "1",
        }
        self.process: subprocess.Popen | None = None
        self.log = data_dir / "shape.log"

    def _manage(self, *args: str) -> None:
        command = [str(BIN / "python"), "manage.py", *args]
        subprocess.run(command, cwd=ROOT, env=self.env, check=True)  # noqa: S603

    def fresh_database(self) -> None:
        """Drop and create the load test's own database (never the one you work in)."""
        parsed = urlparse(self.database_url)
        name = parsed.path.lstrip("/")
        if not name.startswith("loadtest"):
            raise SystemExit(f"refusing to recreate {name!r}: its name must start with 'loadtest'")
        import psycopg

        admin = self.database_url.rsplit("/", 1)[0] + "/postgres"
        with psycopg.connect(admin, autocommit=True) as connection:
            connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
            connection.execute(f'CREATE DATABASE "{name}"')

    def start(self) -> None:
        self.data_dir.mkdir(parents=True, exist_ok=True)
        self.fresh_database()
        self._manage("migrate", "--noinput", "-v", "0")
        self._manage("collectstatic", "--noinput", "-v", "0")
        self._manage("seed_demo")
        self.process = subprocess.Popen(  # noqa: S603
            [str(BIN / "honcho"), "--procfile", "Procfile", "start"],
            cwd=ROOT,
            env=self.env,
            stdout=self.log.open("w"),
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        self._wait_ready()

    def _wait_ready(self, seconds: float = 90) -> None:
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise SystemExit(f"the shape exited; see {self.log}")
            try:
                web = httpx.get(self.web + "/readyz", timeout=2).status_code
                sockets = httpx.get(f"http://127.0.0.1:{self.socket_port}/healthz", timeout=2).status_code
                # Each Celery worker prints "<name>@<host> ready." when it takes jobs.
                if web == sockets == 200 and self.log.read_text().count(" ready.") >= 3:
                    return
            except httpx.HTTPError:
                pass
            time.sleep(0.5)
        raise SystemExit(f"the shape did not become ready in {seconds:.0f} s; see {self.log}")

    def pids(self, role_marker: str) -> list[int]:
        """The shape's processes whose command line contains ``role_marker``."""
        from .cpu import descendants

        return [pid for pid, command in descendants(self.process.pid).items() if role_marker in command]

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait()

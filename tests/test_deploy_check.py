"""`manage.py check --deploy` is clean with the production variables exactly as the README gives them."""

from __future__ import annotations

import os
import re
import secrets
import shlex
import subprocess
import sys

from tests.live import ROOT

README = (ROOT / "README.md").read_text()
# What the README leaves to the reader ("…"), filled in the way its comments say.
FILLED = {
    "SECRET_KEY": secrets.token_urlsafe(50),
    "DATABASE_URL": "postgres://interviews:secret@db.internal:5432/interviews",
    "REDIS_URL": "redis://redis.internal:6379/0",
}
PLAIN_HTTP = {
    "SECURE_SSL_REDIRECT": "false",
    "SECURE_COOKIES": "false",
    "SECURE_HSTS_SECONDS": "0",
    "PUBLIC_BASE_URL": "http://localhost:8000",
    "ALLOWED_HOSTS": "localhost,127.0.0.1",
}


def _section(title: str) -> str:
    start = README.index(f"## {title}\n")
    end = README.find("\n## ", start + 1)
    return README[start : end if end != -1 else None]


def _documented_production_env() -> dict[str, str]:
    """The `export` lines of the first shell block in "Production topology"."""
    block = re.search(r"```bash\n(.*?)```", _section("Production topology"), re.S)[1]
    env: dict[str, str] = {}
    for line in block.splitlines():
        if not line.startswith("export "):
            continue
        for word in shlex.split(line.split(" #", 1)[0])[1:]:
            name, value = word.split("=", 1)
            env[name] = FILLED[name] if "…" in value else value
    return env


def _deploy_check(env: dict[str, str], tmp_path) -> subprocess.CompletedProcess:
    configured = {"DEBUG", "DATABASE_URL", "REDIS_URL", "SECRET_KEY", "ALLOWED_HOSTS", "PUBLIC_BASE_URL"}
    base = {
        key: value
        for key, value in os.environ.items()
        if key not in configured and not key.startswith(("SECURE_", "PYTEST", "DJANGO_SETTINGS"))
    }
    return subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=ROOT,
        env={**base, "DATA_DIR": str(tmp_path), **env},
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_the_documented_production_settings_pass_the_deploy_check(tmp_path):
    env = _documented_production_env()
    assert env.get("DEBUG") == "false"
    assert env["PUBLIC_BASE_URL"].startswith("https://")
    assert {"SECRET_KEY", "ALLOWED_HOSTS", "DATABASE_URL", "REDIS_URL"} <= set(env)
    result = _deploy_check(env, tmp_path)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues" in result.stdout


def test_a_plain_http_run_turns_off_exactly_the_https_parts(tmp_path):
    section = _section("Production topology")
    for name, value in PLAIN_HTTP.items():
        assert f"{name}={value}" in section, f"README should document {name}={value}"
    result = _deploy_check({**_documented_production_env(), **PLAIN_HTTP}, tmp_path)
    found = set(re.findall(r"\(security\.(W\d+)\)", result.stdout + result.stderr))
    # W004 no HSTS, W008 no redirect, W012 session cookie, W016 CSRF cookie: nothing else.
    assert found == {"W004", "W008", "W012", "W016"}, result.stdout + result.stderr


def test_a_short_secret_key_is_refused(tmp_path):
    result = _deploy_check({**_documented_production_env(), "SECRET_KEY": "too-short"}, tmp_path)
    assert result.returncode != 0
    assert "SECRET_KEY must be at least 32 characters long" in result.stderr

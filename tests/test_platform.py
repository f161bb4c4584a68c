"""The platform around the API: schema, probes, configuration checks."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from tests.live import BIN, ROOT
from tests.services import require_postgres

pytestmark = pytest.mark.django_db


def test_openapi_schema_documents_every_endpoint(client):
    response = client.get("/api/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json")
    assert response.status_code == 200
    schema = response.json() if response["Content-Type"].endswith("json") else None
    if schema is None:
        import yaml

        schema = yaml.safe_load(response.content)
    paths = schema["paths"]
    for path in [
        "/api/v1/auth/login",
        "/api/v1/auth/refresh",
        "/api/v1/auth/logout",
        "/api/v1/a2a/interview",
        "/api/v1/a2a/interview/{run_id}",
        "/api/v1/a2a/interview/{run_id}/status",
        "/api/v1/a2a/interview/{run_id}/plan",
        "/api/v1/a2a/interview/{run_id}/approve",
        "/api/v1/a2a/interview/{run_id}/assessment",
        "/api/v1/a2a/interview/{run_id}/assessment/approve",
        "/api/v1/a2a/interview/{run_id}/cancel",
        "/api/v1/candidate/join/{token}/otp",
        "/api/v1/candidate/join/{token}/verify",
        "/api/v1/candidate/join/{token}/device-check",
    ]:
        assert path in paths, path
    create = paths["/api/v1/a2a/interview"]["post"]
    assert "201" in create["responses"]
    assert {"ApiKeyAuth": []} in create["security"]


def test_schema_generation_has_no_warnings():
    result = subprocess.run(
        [str(BIN / "python"), "manage.py", "spectacular", "--fail-on-warn", "--file", os.devnull],
        cwd=ROOT,
        env={**os.environ, "DEBUG": "true"},
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stderr[-3000:]


def test_api_docs_page(client):
    assert client.get("/api/docs/").status_code == 200


def test_health_probes(client):
    assert client.get("/healthz").json() == {"status": "ok"}
    ready = client.get("/readyz")
    assert ready.status_code == 200
    assert ready.json()["checks"]["database"] == "ok"


def _django(env: dict, *args: str) -> subprocess.CompletedProcess:
    dropped = ("DEBUG", "SECRET_KEY", "ALLOWED_HOSTS", "DJANGO_ALLOW_ASYNC_UNSAFE")
    base = {k: v for k, v in os.environ.items() if k not in dropped}
    return subprocess.run(
        [sys.executable, "manage.py", *args], cwd=ROOT, env={**base, **env}, capture_output=True, text=True
    )


def test_production_refuses_to_start_without_secret_key():
    result = _django({"DEBUG": "false", "ALLOWED_HOSTS": "example.com"}, "check")
    assert result.returncode != 0
    assert "SECRET_KEY" in result.stderr


@pytest.mark.parametrize(
    "env, variable",
    [
        ({"DEBUG": "maybe"}, "DEBUG"),
        ({"DEBUG": "true", "PORT": "eighty"}, "PORT"),
        ({"DEBUG": "true", "WEBHOOK_RETRY_SCHEDULE": "5,soon"}, "WEBHOOK_RETRY_SCHEDULE"),
        ({"DEBUG": "true", "WEBHOOK_ALLOWED_CIDRS": "not-a-network"}, "WEBHOOK_ALLOWED_CIDRS"),
        ({"DEBUG": "true", "REDIS_URL": "localhost:6379"}, "REDIS_URL"),
        ({"DEBUG": "true", "PUBLIC_BASE_URL": "example.com"}, "PUBLIC_BASE_URL"),
        ({"DEBUG": "true", "AGENT_ENGINE": "magic"}, "AGENT_ENGINE"),
        ({"DEBUG": "true", "AGENT_ENGINE": "llm"}, "LLM_PROVIDER"),
        ({"DEBUG": "true", "DATABASE_CONN_MAX_AGE": "-1"}, "DATABASE_CONN_MAX_AGE"),
        ({"DEBUG": "true", "DATABASE_CONN_MAX_AGE": "forever"}, "DATABASE_CONN_MAX_AGE"),
        ({"DEBUG": "true", "DATABASE_SYNCHRONOUS_COMMIT": "sometimes"}, "DATABASE_SYNCHRONOUS_COMMIT"),
    ],
)
def test_bad_configuration_fails_at_start_naming_the_variable(env, variable):
    result = _django(env, "check")
    assert result.returncode != 0
    assert variable in result.stderr


def test_deploy_check_is_clean_with_production_settings():
    result = _django(
        {
            "DEBUG": "false",
            "SECRET_KEY": "a-production-secret-key-that-is-long-enough-0123456789",
            "ALLOWED_HOSTS": "interviews.example.com",
            "PUBLIC_BASE_URL": "https://interviews.example.com",
        },
        "check",
        "--deploy",
        "--fail-level",
        "WARNING",
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_api_docs_load_nothing_from_a_cdn(client):
    html = client.get("/api/docs/").content.decode()
    assert "cdn." not in html and "jsdelivr" not in html
    assert "/static/drf_spectacular_sidecar/" in html


def test_unknown_api_path_is_a_json_404(client, settings):
    settings.DEBUG = False
    response = client.get("/api/v1/nothing-here")
    assert response.status_code == 404
    assert response.json()["error"]["code"] == "not_found"


def test_join_tokens_are_redacted_from_logs():
    import logging

    from interview_platform.logging import RedactJoinTokens

    token = "AbCdEfGhIjKlMnOpQrStUvWxYz0123456789_-abcdef"
    for path in (
        f"/interview/join/{token}",
        f"/api/v1/candidate/join/{token}/verify",
        f"/ws/interview/{token}/",
    ):
        record = logging.LogRecord(
            "django.request", logging.WARNING, __file__, 1, "Bad Request: %s", (path,), None
        )
        RedactJoinTokens().filter(record)
        assert token not in record.getMessage()
        assert "[redacted]" in record.getMessage()


def test_throttle_ignores_forged_forwarded_for(client):
    from django.core.management import call_command

    call_command("seed_demo", stdout=open(os.devnull, "w"))  # noqa: SIM115
    statuses = [
        client.post(
            "/api/v1/auth/login",
            {"email": "admin@demo.ai-interview.com", "password": "wrong"},
            content_type="application/json",
            HTTP_X_FORWARDED_FOR=f"10.0.0.{i}",
        ).status_code
        for i in range(12)
    ]
    assert statuses[-1] == 429


def test_non_field_errors_are_camel_case(client):
    from accounts.models import ApiKey, Organization

    org = Organization.objects.create(name="N", slug="n")
    _, raw = ApiKey.create_with_raw(org, "k")
    response = client.post(
        "/api/v1/a2a/interview", "[1]", content_type="application/json", HTTP_X_API_KEY=raw
    )
    assert response.status_code == 400
    assert "nonFieldErrors" in response.json()["error"]["fields"]


def test_production_static_files_rewrite_module_imports_to_hashed_names(settings, tmp_path):
    """A hashed main.js must import hashed modules, or a deploy could mix old and new files."""
    import re

    from django.core.management import call_command

    settings.STATIC_ROOT = tmp_path
    production = {"BACKEND": "interview_platform.storage.StaticFilesStorage"}
    settings.STORAGES = {**settings.STORAGES, "staticfiles": production}
    call_command("collectstatic", interactive=False, verbosity=0)
    [main] = (tmp_path / "candidate").glob("main.*.js")
    imports = re.findall(r'from "\./([^"]+)"', main.read_text())
    assert imports, "main.js imports the other modules"
    assert all(re.fullmatch(r"[a-z]+\.[0-9a-f]{12}\.js", name) for name in imports), imports


def test_the_socket_application_builds_its_channel_layer_as_it_loads(monkeypatch):
    """Not while the first candidate's socket waits for it."""
    import importlib

    from channels.layers import channel_layers

    from interview_platform import asgi

    monkeypatch.setattr(channel_layers, "backends", {})
    importlib.reload(asgi)
    assert "default" in channel_layers.backends


@pytest.mark.parametrize("value, kept", [(None, 600), ("0", 0), ("3600", 3600)])
def test_how_long_database_connections_are_kept(value, kept):
    env = {"DEBUG": "true", "DATABASE_URL": "postgres://postgres@127.0.0.1:5432/not_connected_to"}
    env.update({"DATABASE_CONN_MAX_AGE": value} if value is not None else {})
    code = "from django.conf import settings; print(settings.DATABASES['default']['CONN_MAX_AGE'])"
    result = _django(env, "shell", "-c", code)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip().splitlines()[-1] == str(kept)


@pytest.mark.parametrize("value, setting", [(None, "on"), ("on", "on"), ("off", "off")])
def test_a_process_can_commit_without_waiting_for_the_disk(value, setting):
    """The webhooks worker's setting (Procfile): its sessions commit asynchronously; others do not."""
    require_postgres()
    env = {"DEBUG": "true", "DATABASE_URL": os.environ["DATABASE_URL"]}
    env.update({"DATABASE_SYNCHRONOUS_COMMIT": value} if value is not None else {})
    code = (
        "from django.db import connection\n"
        "with connection.cursor() as cursor:\n"
        "    cursor.execute('SHOW synchronous_commit')\n"
        "    print(cursor.fetchone()[0])"
    )
    result = _django(env, "shell", "-c", code)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip().splitlines()[-1] == setting

"""No API route shows or changes another organization's data, whoever asks.

The routes come from the OpenAPI schema, and the schema is checked against the
URLconf, so a new route is in the matrix the day it is added. A route whose path
names an object this test cannot fill, or whose required body it cannot build,
fails the test until it is taught how.
"""

from __future__ import annotations

import json
import re

import pytest
from django.core.files.base import ContentFile
from django.urls import URLPattern, URLResolver, get_resolver
from django.utils import timezone
from drf_spectacular.generators import SchemaGenerator
from rest_framework.test import APIClient
from rest_framework_simplejwt.tokens import RefreshToken

from accounts.models import ApiKey, Role
from approvals.services import plan_approve
from interviews.models import Interview, Recording
from tests.factories import CREATE, SEED_BODY
from webhooks import services as webhook_services
from webhooks.models import Delivery, Endpoint

API_PREFIX = "/api/v1/"
IDEMPOTENCY_KEY = "acme-requisition-4711"
ADA_EMAIL = "ada.lovelace@acme-candidates.test"
# Callers who hold no valid credentials of any organization.
ANONYMOUS = ("revoked API key", "no credentials", "garbage bearer token", "garbage API key")

# A valid body per operation, so a refusal can only come from who is asking.
A2A = "POST /api/v1/a2a/interview"
BODIES = {
    A2A: SEED_BODY,
    "PATCH /api/v1/a2a/interview/{run_id}": {"position": "Data Engineer"},
    "POST /api/v1/a2a/interview/{run_id}/approve": {"approved": True},
    "POST /api/v1/a2a/interview/{run_id}/assessment/approve": {"approved": True},
    "POST /api/v1/auth/login": {"email": "dana@acme.test", "password": "not-the-password"},
    "POST /api/v1/auth/password": {"currentPassword": "not-the-password", "newPassword": "Taken-Over-2026!"},
    "POST /api/v1/candidate/join/{token}/verify": {"code": "123456"},
    "POST /api/v1/candidate/join/{token}/device-check": {"camera": False, "microphone": False},
    "POST /api/v1/webhooks/endpoints": {"url": "https://hooks.outsider.test/receive"},
    "PATCH /api/v1/webhooks/endpoints/{endpoint_id}": {"description": "taken over"},
}
# Bodies that are Acme's own refresh token (a stolen one, from the outsiders' side).
WITH_REFRESH_TOKEN = ("POST /api/v1/auth/refresh", "POST /api/v1/auth/logout")
# Bodies that are not JSON.
AUDIO = (b"RIFF\x00\x00\x00\x00WAVE", "audio/wav")
RAW_BODIES = {"POST /api/v1/candidate/join/{token}/answers/{question_id}/audio": AUDIO}


def _schema_operations() -> list[tuple[str, str, dict]]:
    schema = SchemaGenerator().get_schema(request=None, public=True)
    return [
        (path, method.upper(), operation)
        for path, item in schema["paths"].items()
        for method, operation in item.items()
        if method in ("get", "post", "put", "patch", "delete")
    ]


def _urlconf_api_routes() -> set[str]:
    """Every route under /api/v1/ in the URLconf, written as the schema writes paths."""
    found: set[str] = set()

    def walk(patterns, prefix: str) -> None:
        for pattern in patterns:
            route = prefix + str(pattern.pattern)
            if isinstance(pattern, URLResolver):
                walk(pattern.url_patterns, route)
            elif isinstance(pattern, URLPattern):
                found.add("/" + re.sub(r"<(?:\w+:)?(\w+)>", r"{\1}", route))

    walk(get_resolver().url_patterns, "")
    return {route for route in found if route.startswith(API_PREFIX)}


@pytest.fixture
def target(org, org_admin, recruiter, ats, make_assessed, receiver, capture):
    """Acme's data: interviews in several states, a candidate link, a recording, webhooks."""
    endpoint = webhook_services.endpoint_create(organization_id=org.id, url=f"{receiver.url}/acme-endpoint")
    with capture(execute=True):
        created = ats.post(
            CREATE,
            {**SEED_BODY, "candidateName": "Ada Lovelace", "candidateEmail": ADA_EMAIL},
            format="json",
            HTTP_IDEMPOTENCY_KEY=IDEMPOTENCY_KEY,
        )
    assert created.status_code == 201, created.content
    pending = Interview.objects.get(run_id=created.json()["runId"])
    assessed = make_assessed(candidateName="Grace Hopper", candidateEmail="grace.hopper@acme-candidates.test")
    turn = assessed.turns.order_by("sequence").first()
    recording = Recording.objects.create(
        interview=assessed,
        turn=turn,
        audio=ContentFile(b"RIFF....WAVE", name="answer.wav"),
        content_type="audio/wav",
        size=12,
        duration_seconds=1.0,
        status=Recording.Status.DONE,
        text="a transcript only Acme may read",
        transcribed_at=timezone.now(),
    )
    with capture(execute=True):
        third = ats.post(CREATE, {**SEED_BODY, "candidateName": "Katherine Johnson"}, format="json").json()
    link_interview = Interview.objects.get(run_id=third["runId"])
    assert link_interview.state == "PENDING", link_interview.state  # planning runs eagerly in tests
    with capture(execute=True):
        link = plan_approve(recruiter, link_interview).interview_link
    delivery = Delivery.objects.filter(event__organization=org).first()
    assert delivery is not None
    retired, revoked_raw = ApiKey.create_with_raw(org, "Retired ATS")
    ApiKey.objects.filter(pk=retired.pk).update(revoked_at=timezone.now())
    refresh = str(RefreshToken.for_user(org_admin))
    return {
        "path": {
            "run_id": str(assessed.run_id),
            "recording_id": str(recording.id),
            "endpoint_id": str(endpoint.id),
            "delivery_id": str(delivery.id),
            "token": link.rsplit("/", 1)[1],
            "question_id": "q1",
        },
        "revoked_key": revoked_raw,
        "refresh": refresh,
        "secrets": [
            str(org.id),
            *(str(i.run_id) for i in (pending, assessed, link_interview)),
            *(str(i.id) for i in (pending, assessed, link_interview)),
            "Ada Lovelace",
            "Grace Hopper",
            "Katherine Johnson",
            ADA_EMAIL,
            "grace.hopper@acme-candidates.test",
            str(endpoint.id),
            "acme-endpoint",
            str(delivery.id),
            str(recording.id),
            "a transcript only Acme may read",
            "dana@acme.test",
            "alice@acme.test",
        ],
    }


@pytest.fixture
def callers(other_org, make_user, target):
    """Everyone who must not see Acme's data."""
    outsider_admin = make_user(other_org, "olga@outsider.test", role=Role.ADMIN)
    outsider_recruiter = make_user(other_org, "oscar@outsider.test", role=Role.RECRUITER)
    _, other_key = ApiKey.create_with_raw(other_org, "Outsider ATS")

    def bearer(user):
        return {"HTTP_AUTHORIZATION": f"Bearer {RefreshToken.for_user(user).access_token}"}

    return {
        "other organization's API key": {"HTTP_X_API_KEY": other_key},
        "other organization's ADMIN token": bearer(outsider_admin),
        "other organization's RECRUITER token": bearer(outsider_recruiter),
        "revoked API key": {"HTTP_X_API_KEY": target["revoked_key"]},
        "no credentials": {},
        "garbage bearer token": {"HTTP_AUTHORIZATION": "Bearer not.a.jwt"},
        "garbage API key": {"HTTP_X_API_KEY": "garbage"},
    }


def test_the_schema_lists_every_api_route():
    schema_paths = {path for path, _, _ in _schema_operations()}
    missing = _urlconf_api_routes() - schema_paths
    assert not missing, f"API routes missing from /api/schema/ (and so from this matrix): {sorted(missing)}"


def _request(client: APIClient, route: str, url: str, operation: dict, headers: dict, target: dict):
    method = route.split()[0]
    if route in RAW_BODIES:
        data, content_type = RAW_BODIES[route]
        return client.generic(method, url, data, content_type=content_type, **headers)
    body = BODIES.get(route)
    if route in WITH_REFRESH_TOKEN:
        body = {"refreshToken": target["refresh"]}
    if body is None:
        required = operation.get("requestBody", {}).get("required", False)
        assert not required, f"{route} needs a body: add one to BODIES"
        body = {}
    # The same Idempotency-Key Acme used: another organization must get its own interview.
    extra = {"HTTP_IDEMPOTENCY_KEY": IDEMPOTENCY_KEY} if route == A2A else {}
    return client.generic(method, url, json.dumps(body), content_type="application/json", **headers, **extra)


def test_no_route_leaks_another_organizations_data(target, callers):
    operations = _schema_operations()
    assert len(operations) >= 28
    before = {i.pk: i.state for i in Interview.objects.all()}
    problems = []
    for path, method, operation in operations:
        names = re.findall(r"{(\w+)}", path)
        unknown = [name for name in names if name not in target["path"]]
        assert not unknown, f"{method} {path}: teach this test a target value for {unknown}"
        url = re.sub(r"{(\w+)}", lambda m: target["path"][m[1]], path)
        names_target = bool(names) and not path.startswith("/api/v1/candidate/")
        needs_credentials = bool(operation.get("security")) and {} not in operation["security"]
        for who, headers in callers.items():
            response = _request(APIClient(), f"{method} {path}", url, operation, headers, target)
            raw = b"".join(response.streaming_content) if response.streaming else response.content
            text = raw.decode(errors="replace")
            leaked = [secret for secret in target["secrets"] if secret in text]
            refused = response.status_code in (401, 403, 404)
            anonymous = who in ANONYMOUS
            if leaked:
                problems.append(f"{method} {path} as {who}: {response.status_code} shows {leaked}")
            elif response.status_code >= 500:
                problems.append(f"{method} {path} as {who}: {response.status_code}")
            elif (names_target or (needs_credentials and anonymous)) and not refused:
                problems.append(f"{method} {path} as {who}: {response.status_code}, expected 401/403/404")
    assert not problems, "\n".join(problems)
    assert {i.pk: i.state for i in Interview.objects.filter(pk__in=before)} == before
    assert Endpoint.objects.get(pk=target["path"]["endpoint_id"]).description == ""

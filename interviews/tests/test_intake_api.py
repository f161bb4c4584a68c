import threading

import pytest
from django.db import connection

from interviews.models import IdempotencyRecord, Interview, State, StateChange
from tests.factories import SEED_BODY as BASE_BODY

pytestmark = pytest.mark.django_db

CREATE = "/api/v1/a2a/interview"

SEED_BODY = {**BASE_BODY, "callbackUrl": "https://your-ats.example.com/webhook"}


def post(client, body, **headers):
    return client.post(CREATE, body, format="json", **headers)


def test_complete_request_is_accepted(ats):
    response = post(ats, SEED_BODY)
    assert response.status_code == 201, response.content
    body = response.json()
    assert set(body) == {"runId", "interviewId", "state", "message", "dataQuality"}
    assert body["state"] == "VALIDATING_SKILLS"
    assert body["message"] == "Interview request accepted. Skill validation in progress."
    assert body["dataQuality"] == "EXCELLENT"
    interview = Interview.objects.get(run_id=body["runId"])
    assert str(interview.id) == body["interviewId"]
    change = StateChange.objects.get(interview=interview)
    assert (change.from_state, change.to_state, change.actor_label) == (
        "",
        "VALIDATING_SKILLS",
        "api-key:ATS",
    )


def test_without_api_key_is_401(client):
    response = client.post(CREATE, SEED_BODY, content_type="application/json")
    assert response.status_code == 401
    assert response.json()["error"]["code"] == "unauthenticated"


def test_revoked_and_wrong_keys_are_401(client, api_key):
    from django.utils import timezone

    from accounts.models import ApiKey

    assert (
        client.post(CREATE, SEED_BODY, content_type="application/json", HTTP_X_API_KEY="nope").status_code
        == 401
    )
    ApiKey.objects.update(revoked_at=timezone.now())
    response = client.post(CREATE, SEED_BODY, content_type="application/json", HTTP_X_API_KEY=api_key)
    assert response.status_code == 401
    assert "revoked" in response.json()["error"]["message"]


def test_jwt_cannot_create(recruiter_client):
    assert post(recruiter_client, SEED_BODY).status_code in (401, 403)


@pytest.mark.parametrize(
    "field, value, fragment",
    [
        ("candidateEmail", "not-an-email", "email"),
        ("level", "WIZARD", "Unknown level"),
        ("callbackUrl", "ftp://ats.example.com/hook", ""),
        ("callbackUrl", "javascript:alert(1)", ""),
        ("candidateName", "x" * 201, "200"),
        ("position", "p" * 201, "200"),
        ("jobDescription", "j" * 10001, "10000"),
        ("skills", "Python, Django", "list"),
        ("skills", ["Python", 3], "string"),
        ("skills", [{"name": "Python"}], "string"),
        ("skills", [f"skill{i}" for i in range(31)], "30"),
        ("skills", ["s" * 101], "100"),
        ("candidateName", 12345, "string"),
        ("durationMinutes", 5, "15"),
        ("durationMinutes", "45", "whole"),
        ("durationMinutes", True, "whole"),
        ("language", "english please", "language tag"),
        ("externalId", "e" * 201, "200"),
    ],
)
def test_malformed_input_names_the_field(ats, field, value, fragment):
    response = post(ats, {**SEED_BODY, field: value})
    assert response.status_code == 400, response.content
    error = response.json()["error"]
    assert error["code"] == "validation_error"
    assert field in error["fields"], error
    assert fragment.lower() in str(error["fields"][field]).lower()
    assert Interview.objects.count() == 0


def test_every_bad_field_is_reported_at_once(ats):
    response = post(ats, {**SEED_BODY, "candidateEmail": "bad", "level": "nope", "skills": "x"})
    assert set(response.json()["error"]["fields"]) == {"candidateEmail", "level", "skills"}


def test_body_must_be_an_object(ats):
    response = ats.post(CREATE, ["not", "an", "object"], format="json")
    assert response.status_code == 400
    response = ats.post(CREATE, "{broken", content_type="application/json")
    assert response.status_code == 400


def test_unknown_keys_are_ignored_and_not_stored(ats):
    response = post(ats, {**SEED_BODY, "favouriteColour": "blue", "state": "APPROVED"})
    assert response.status_code == 201
    interview = Interview.objects.get()
    assert interview.state == State.VALIDATING_SKILLS
    assert "favouriteColour" not in str(interview.__dict__)


def test_private_callback_url_is_refused(ats):
    response = post(ats, {**SEED_BODY, "callbackUrl": "http://127.0.0.1:8080/hook"})
    assert response.status_code == 400
    assert "callbackUrl" in response.json()["error"]["fields"]


@pytest.mark.parametrize(
    "changes, quality",
    [
        ({}, "EXCELLENT"),
        ({"callbackUrl": None}, "GOOD"),
        ({"skills": ["Python"], "jobDescription": "Backend role"}, "FAIR"),
        ({"candidateEmail": None}, "POOR"),
    ],
)
def test_data_quality_rules(ats, changes, quality):
    body = {k: v for k, v in {**SEED_BODY, **changes}.items() if v is not None}
    assert post(ats, body).json()["dataQuality"] == quality


def test_info_needed_then_patch_then_pending(ats, django_capture_on_commit_callbacks):
    body = {k: v for k, v in SEED_BODY.items() if k not in ("candidateEmail", "level")}
    with django_capture_on_commit_callbacks(execute=True):
        created = post(ats, body)
    assert created.status_code == 201
    data = created.json()
    assert data["state"] == "INFO_NEEDED"
    assert data["missingFields"] == ["candidateEmail", "level"]
    assert data["dataQuality"] == "POOR"
    run_id = data["runId"]
    assert Interview.objects.get().events.get().type == "interview.info_needed"

    # Partial: still missing the level.
    with django_capture_on_commit_callbacks(execute=True):
        partial = ats.patch(f"{CREATE}/{run_id}", {"candidateEmail": "jane@example.com"}, format="json")
    assert partial.status_code == 200
    assert partial.json()["state"] == "INFO_NEEDED"
    assert partial.json()["missingFields"] == ["level"]

    with django_capture_on_commit_callbacks(execute=True):
        done = ats.patch(f"{CREATE}/{run_id}", {"level": "senior"}, format="json")
    assert done.status_code == 200, done.content
    status = ats.get(f"{CREATE}/{run_id}/status").json()
    assert status["state"] == "PENDING"
    assert status["missingFields"] == []
    assert [h["state"] for h in status["history"]] == ["INFO_NEEDED", "VALIDATING_SKILLS", "PENDING"]
    assert status["planId"]

    again = ats.patch(f"{CREATE}/{run_id}", {"level": "MID"}, format="json")
    assert again.status_code == 409
    assert again.json()["error"]["code"] == "wrong_state"


def test_patch_validates_fields(ats):
    run_id = post(ats, {"candidateName": "Jane"}).json()["runId"]
    response = ats.patch(f"{CREATE}/{run_id}", {"candidateEmail": "nope"}, format="json")
    assert response.status_code == 400
    assert "candidateEmail" in response.json()["error"]["fields"]


def test_only_unknown_skills_lead_to_info_needed(ats, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        data = post(ats, {**SEED_BODY, "skills": ["Basket weaving", "Underwater juggling"]}).json()
    status = ats.get(f"{CREATE}/{data['runId']}/status").json()
    assert status["state"] == "INFO_NEEDED"
    assert status["missingFields"] == ["skills"]
    assert "Basket weaving" in status["infoReason"]

    with django_capture_on_commit_callbacks(execute=True):
        ats.patch(f"{CREATE}/{data['runId']}", {"skills": ["python"]}, format="json")
    assert ats.get(f"{CREATE}/{data['runId']}/status").json()["state"] == "PENDING"


def test_idempotency_same_body_same_response(ats):
    first = post(ats, SEED_BODY, HTTP_IDEMPOTENCY_KEY="req-1")
    second = post(ats, SEED_BODY, HTTP_IDEMPOTENCY_KEY="req-1")
    assert first.status_code == second.status_code == 201
    assert first.json() == second.json()
    assert Interview.objects.count() == 1


def test_idempotency_other_body_is_422(ats):
    post(ats, SEED_BODY, HTTP_IDEMPOTENCY_KEY="req-1")
    response = post(ats, {**SEED_BODY, "position": "Staff Engineer"}, HTTP_IDEMPOTENCY_KEY="req-1")
    assert response.status_code == 422
    assert response.json()["error"]["code"] == "idempotency_conflict"
    assert Interview.objects.count() == 1


def test_idempotency_keys_are_per_organization(ats, other_api_key):
    from rest_framework.test import APIClient

    other = APIClient()
    other.credentials(HTTP_X_API_KEY=other_api_key)
    a = post(ats, SEED_BODY, HTTP_IDEMPOTENCY_KEY="shared")
    b = post(other, SEED_BODY, HTTP_IDEMPOTENCY_KEY="shared")
    assert a.json()["runId"] != b.json()["runId"]
    assert Interview.objects.count() == 2


@pytest.mark.django_db(transaction=True)
def test_parallel_requests_with_one_key_make_one_interview(api_key):
    from rest_framework.test import APIClient

    from tests.services import require_postgres

    require_postgres()
    results, barrier = [], threading.Barrier(10)

    def worker():
        client = APIClient()
        client.credentials(HTTP_X_API_KEY=api_key)
        barrier.wait()
        try:
            results.append(post(client, SEED_BODY, HTTP_IDEMPOTENCY_KEY="parallel"))
        finally:
            connection.close()

    threads = [threading.Thread(target=worker) for _ in range(10)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert [r.status_code for r in results] == [201] * 10
    assert len({r.json()["runId"] for r in results}) == 1
    assert Interview.objects.count() == 1
    assert IdempotencyRecord.objects.count() == 1


def test_create_uses_a_fixed_number_of_queries(ats, django_assert_max_num_queries):
    post(ats, SEED_BODY)  # warm up: content types, etc.
    with django_assert_max_num_queries(14):
        response = post(ats, SEED_BODY, HTTP_IDEMPOTENCY_KEY="q")
    assert response.status_code == 201


def test_database_vendor_matches_database_url():
    import os

    url = os.environ.get("DATABASE_URL", "")
    if url.startswith("postgres"):
        assert connection.vendor == "postgresql"
    else:
        assert connection.vendor == "sqlite"

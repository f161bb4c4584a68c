import hashlib
import uuid

import pytest
from rest_framework.test import APIClient

from interviews.models import Interview, State
from tests.factories import CREATE
from tests.second_factor import verified_client

pytestmark = pytest.mark.django_db


def approve(client, run_id, body):
    return client.post(f"{CREATE}/{run_id}/approve", body, format="json")


def test_plan_is_readable_with_key_and_jwt(ats, recruiter_client, pending):
    for client in (ats, recruiter_client):
        plan = client.get(f"{CREATE}/{pending.run_id}/plan").json()
        assert plan["version"] == 1
        assert plan["engine"] == "heuristic"
        assert {s["name"] for s in plan["skills"]} >= {"TypeScript", "React", "Node.js", "PostgreSQL"}
        assert plan["questions"]
        assert plan["totalQuestionMinutes"] <= plan["durationMinutes"]
        for question in plan["questions"]:
            assert question["rubric"]["concepts"]
            assert question["rubric"]["score5"]


def test_approve_mints_a_link(recruiter, recruiter_client, pending, settings):
    response = approve(recruiter_client, pending.run_id, {"approved": True, "userId": str(recruiter.id)})
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["message"] == "Interview plan approved. Candidate link generated."
    assert body["workflowState"] == "APPROVED"
    prefix = f"{settings.PUBLIC_BASE_URL}/interview/join/"
    assert body["interviewLink"].startswith(prefix)
    token = body["interviewLink"][len(prefix) :]
    assert len(token) >= 22  # >= 128 bits in URL-safe base64
    interview = Interview.objects.get(pk=pending.pk)
    assert interview.join_token_hash == hashlib.sha256(token.encode()).hexdigest()
    assert token not in str(Interview.objects.filter(pk=interview.pk).values().get())
    assert interview.join_expires_at is not None
    approval = interview.approvals.get()
    assert (approval.decision, approval.decided_by) == ("APPROVED", recruiter)
    # Deciding twice is a conflict.
    assert approve(recruiter_client, pending.run_id, {"approved": True}).status_code == 409


def test_api_key_cannot_approve(ats, pending):
    response = approve(ats, pending.run_id, {"approved": True})
    assert response.status_code in (401, 403)
    assert Interview.objects.get(pk=pending.pk).state == State.PENDING


@pytest.mark.parametrize("user_id", [str(uuid.uuid4()), "recruiter-user-uuid"])
def test_user_id_must_be_the_caller(recruiter_client, pending, user_id):
    response = approve(recruiter_client, pending.run_id, {"approved": True, "userId": user_id})
    assert response.status_code == 403
    assert "userId" in response.json()["error"]["fields"]
    assert Interview.objects.get(pk=pending.pk).state == State.PENDING


@pytest.mark.parametrize(
    "body, field",
    [({}, "approved"), ({"approved": "yes"}, "approved"), ({"approved": True, "userId": ["x"]}, "userId")],
)
def test_approve_validation(recruiter_client, pending, body, field):
    response = approve(recruiter_client, pending.run_id, body)
    assert response.status_code == 400
    assert field in response.json()["error"]["fields"]


def test_reject(recruiter_client, pending):
    response = approve(recruiter_client, pending.run_id, {"approved": False, "feedback": "Not this role"})
    assert response.json()["workflowState"] == "REJECTED"
    interview = Interview.objects.get(pk=pending.pk)
    assert interview.state == State.REJECTED
    assert interview.events.order_by("-sequence").first().type == "interview.plan_rejected"


def test_reject_and_regenerate_makes_a_new_version(
    ats, recruiter_client, pending, django_capture_on_commit_callbacks
):
    first = ats.get(f"{CREATE}/{pending.run_id}/plan").json()
    with django_capture_on_commit_callbacks(execute=True):
        response = approve(
            recruiter_client,
            pending.run_id,
            {"approved": False, "regenerate": True, "feedback": "More focus on PostgreSQL please"},
        )
    assert response.status_code == 200
    assert response.json()["workflowState"] == "VALIDATING_SKILLS"
    status = ats.get(f"{CREATE}/{pending.run_id}/status").json()
    assert status["state"] == "PENDING"
    second = ats.get(f"{CREATE}/{pending.run_id}/plan").json()
    assert second["version"] == 2
    assert second["planId"] != first["planId"]
    assert second["feedback"] == "More focus on PostgreSQL please"
    types = list(
        Interview.objects.get(pk=pending.pk).events.order_by("sequence").values_list("type", flat=True)
    )
    assert types == ["interview.plan_generated", "interview.plan_rejected", "interview.plan_generated"]


def test_approve_in_wrong_state_is_409(ats, recruiter_client):
    run_id = ats.post(CREATE, {"candidateName": "Only a name"}, format="json").json()["runId"]
    response = approve(recruiter_client, run_id, {"approved": True})
    assert response.status_code == 409
    assert response.json()["error"]["fields"]["state"] == "INFO_NEEDED"


def test_cancel(ats, pending):
    response = ats.post(f"{CREATE}/{pending.run_id}/cancel", {"reason": "position filled"}, format="json")
    assert response.status_code == 200
    assert response.json()["state"] == "CANCELLED"
    assert ats.post(f"{CREATE}/{pending.run_id}/cancel", {}, format="json").status_code == 409


def test_status_shows_the_link_after_approval(ats, recruiter_client, pending):
    link = approve(recruiter_client, pending.run_id, {"approved": True}).json()["interviewLink"]
    assert ats.get(f"{CREATE}/{pending.run_id}/status").json()["interviewLink"] == link


def test_outsider_gets_404_everywhere(pending, other_api_key, outsider_client, ats):
    other_ats = APIClient()
    other_ats.credentials(HTTP_X_API_KEY=other_api_key)
    calls = [
        (other_ats, "get", f"{CREATE}/{pending.run_id}/status", None),
        (other_ats, "get", f"{CREATE}/{pending.run_id}/plan", None),
        (other_ats, "patch", f"{CREATE}/{pending.run_id}", {"level": "MID"}),
        (other_ats, "post", f"{CREATE}/{pending.run_id}/cancel", {}),
        (outsider_client, "get", f"{CREATE}/{pending.run_id}/status", None),
        (outsider_client, "get", f"{CREATE}/{pending.run_id}/plan", None),
        (outsider_client, "post", f"{CREATE}/{pending.run_id}/approve", {"approved": True}),
        (outsider_client, "post", f"{CREATE}/{pending.run_id}/cancel", {}),
    ]
    for client, method, url, body in calls:
        response = getattr(client, method)(url, body, format="json")
        assert response.status_code == 404, (method, url, response.status_code)
        assert response.json()["error"]["code"] == "not_found"
    assert ats.get(f"{CREATE}/{pending.run_id}/status").json()["state"] == "PENDING"


def test_unknown_run_id_is_404(ats):
    assert ats.get(f"{CREATE}/{uuid.uuid4()}/status").status_code == 404
    assert ats.get(f"{CREATE}/not-a-uuid/status").status_code == 404


def test_outsider_gets_404_on_assessment_endpoints(pending, outsider_client, other_api_key):
    other_ats = APIClient()
    other_ats.credentials(HTTP_X_API_KEY=other_api_key)
    assert other_ats.get(f"{CREATE}/{pending.run_id}/assessment").status_code == 404
    response = outsider_client.post(
        f"{CREATE}/{pending.run_id}/assessment/approve", {"approved": True}, format="json"
    )
    assert response.status_code == 404


def test_ops_admin_pages_render(pending, client):
    from accounts.models import Role, User

    admin = User.objects.create_superuser("ops@acme.test", "S3cure-pass!", role=Role.ADMIN)
    verified_client(admin, client)
    interview = Interview.objects.get(pk=pending.pk)
    for url in [
        "/ops/",
        "/ops/interviews/interview/",
        f"/ops/interviews/interview/{interview.pk}/change/",
        "/ops/interviews/plan/",
        "/ops/interviews/statechange/",
        "/ops/accounts/apikey/",
        "/ops/accounts/apikey/add/",
        "/ops/accounts/user/",
        "/ops/accounts/organization/",
        "/ops/webhooks/delivery/",
        "/ops/webhooks/event/",
        "/ops/approvals/approval/",
        "/ops/interviews/assessment/",
    ]:
        assert client.get(url).status_code == 200, url


def test_ops_creates_an_api_key_and_shows_it_once(client, org):
    from accounts.models import ApiKey, Role, User, hash_api_key

    admin = User.objects.create_superuser("ops@acme.test", "S3cure-pass!", role=Role.ADMIN)
    verified_client(admin, client)
    response = client.post(
        "/ops/accounts/apikey/add/", {"organization": org.pk, "name": "New ATS"}, follow=True
    )
    assert response.status_code == 200
    messages = [str(m) for m in response.context["messages"]]
    raw = next(m.split(": ", 1)[1] for m in messages if "API key" in m)
    key = ApiKey.objects.get(name="New ATS")
    assert key.key_hash == hash_api_key(raw)
    assert raw.startswith(key.prefix)
    page = client.get(f"/ops/accounts/apikey/{key.pk}/change/").content.decode()
    assert raw not in page


def test_approving_a_plan_version_that_is_no_longer_current_is_409(recruiter_client, pending):
    response = approve(recruiter_client, pending.run_id, {"approved": True, "planId": str(uuid.uuid4())})
    assert response.status_code == 409
    assert Interview.objects.get(pk=pending.pk).state == State.PENDING
    current = Interview.objects.get(pk=pending.pk).current_plan_id
    assert (
        approve(recruiter_client, pending.run_id, {"approved": True, "planId": str(current)}).status_code
        == 200
    )

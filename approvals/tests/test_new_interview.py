"""Recruiters request an interview from the dashboard: the API's intake, with its rules and its flow."""

from __future__ import annotations

import html as html_lib
import re
import uuid

import pytest
from django.test import Client

from approvals.intake_form import IDEMPOTENCY_PREFIX
from interviews.models import IdempotencyRecord, Interview, State, StateChange
from tests.factories import CREATE, SEED_BODY
from tests.pages import messages_of

pytestmark = pytest.mark.django_db

NEW = "/admin/interviews/new"
FORM = {**SEED_BODY, "skills": "TypeScript, React\nNode.js\nPostgreSQL", "durationMinutes": "40"}


def field_errors(response, name: str) -> list[str]:
    """The errors shown beside the field ``name`` (the page's own markup, not the form object)."""
    html = response.content.decode()
    block = re.search(rf'<div class="field has-error">\s*<label for="id_{name}">.*?</div>', html, re.S)
    assert block, f"no error beside {name}"
    return [html_lib.unescape(e) for e in re.findall(r'<p class="error"[^>]*>(.*?)</p>', block[0], re.S)]


def api_errors(ats, body: dict, name: str) -> list[str]:
    """What POST /a2a/interview says about ``name`` for the same input."""
    response = ats.post(CREATE, body, format="json")
    assert response.status_code == 400, response.content
    fields = response.json()["error"]["fields"]
    # A list's item is named "skills.1" by the parser, {"1": ...} under "skills" by the serializer.
    value = next(v for key, v in fields.items() if key.split(".")[0] == name)
    return list(value.values()) if isinstance(value, dict) else [value]


def test_the_form_is_linked_from_the_navigation(web):
    queue = web.get("/admin/approvals").content.decode()
    assert f'href="{NEW}"' in queue and "New interview" in queue
    page = web.get(NEW)
    assert page.status_code == 200
    html = page.content.decode()
    for name in ("candidateName", "candidateEmail", "position", "level", "skills", "jobDescription"):
        assert f'name="{name}"' in html
    for name in ("durationMinutes", "language", "externalId", "form_key"):
        assert f'name="{name}"' in html
    # Where updates go is an admin's choice, as webhook endpoints are.
    assert 'name="callbackUrl"' not in html


def test_a_complete_request_is_planned_and_waits_for_approval(web, recruiter, capture):
    with capture(execute=True):
        response = web.post(NEW, {**FORM, "form_key": str(uuid.uuid4())})
    interview = Interview.objects.get(candidate_email="jane@example.com")
    # Planning runs after the request, off its path: the interview's page follows it.
    assert response.status_code == 302
    assert response["Location"] == f"/admin/interviews/{interview.run_id}"
    assert interview.organization_id == recruiter.organization_id
    assert interview.skills == ["TypeScript", "React", "Node.js", "PostgreSQL"]
    assert interview.duration_minutes == 40 and interview.level == "SENIOR"
    assert interview.created_by_api_key is None
    # The API's flow: requested, skills checked, plan v1 written, waiting for a recruiter.
    assert interview.state == State.PENDING and interview.current_plan.version == 1
    first = StateChange.objects.filter(interview=interview).order_by("created_at", "id").first()
    assert (first.to_state, first.actor_user) == (State.VALIDATING_SKILLS, recruiter)
    followed = web.get(response["Location"])
    assert messages_of(followed) == [
        "Interview requested for Jane Smith. The skills are being checked and a plan will follow."
    ]
    assert "The interview plan is waiting for your review" in followed.content.decode()
    queue = web.get("/admin/approvals").content.decode()
    assert str(interview.run_id) in queue


INVALID = [
    ("candidateEmail", {"candidateEmail": "not-an-email"}),
    ("candidateName", {"candidateName": "x" * 201}),
    ("candidateName", {"candidateName": "Jane\x00Smith"}),
    ("position", {"position": "p" * 201}),
    ("level", {"level": "WIZARD"}),
    ("skills", {"skills": "s" * 101}),
    ("skills", {"skills": "React, Ty\x00peScript"}),
    ("skills", {"skills": ", ".join(f"Skill {n}" for n in range(31))}),
    ("jobDescription", {"jobDescription": "j" * 10_001}),
    ("durationMinutes", {"durationMinutes": "10"}),
    ("durationMinutes", {"durationMinutes": "forty"}),
    ("language", {"language": "english please"}),
    ("externalId", {"externalId": "e" * 201}),
]


def as_api_body(form: dict) -> dict:
    body = {**SEED_BODY, **form}
    if isinstance(body["skills"], str):
        body["skills"] = [s.strip() for s in body["skills"].split(",")]
    duration = body.get("durationMinutes")
    if isinstance(duration, str):
        body["durationMinutes"] = int(duration) if duration.isdigit() else duration
    return body


@pytest.mark.parametrize(("name", "change"), INVALID, ids=[f"{n}-{i}" for i, (n, _) in enumerate(INVALID)])
def test_each_invalid_field_is_refused_beside_it_as_the_api_refuses_it(web, ats, name, change):
    response = web.post(NEW, {**FORM, **change})
    assert response.status_code == 400
    assert not Interview.objects.exists()
    shown = field_errors(response, name)
    expected = api_errors(ats, as_api_body(change), name)
    assert expected and all(any(message in error for error in shown) for message in expected), (
        shown,
        expected,
    )
    assert "The interview was not created; see what needs correcting below." in messages_of(response)
    # The recruiter's input comes back to be corrected, not lost.
    kept = "candidateEmail" if name != "candidateEmail" else "position"
    assert f'name="{kept}" value="{SEED_BODY[kept]}"' in response.content.decode()


def test_everything_the_plan_needs_is_required(web):
    response = web.post(NEW, {"candidateName": "Jane Smith"})
    assert response.status_code == 400
    for name in ("candidateEmail", "position", "level", "skills", "jobDescription"):
        assert field_errors(response, name) == ["Needed to write the interview plan."]
    assert not Interview.objects.exists()


def test_an_admin_may_choose_the_callback_url_with_the_apis_rules(admin_web, ats):
    page = admin_web.get(NEW).content.decode()
    assert 'name="callbackUrl"' in page
    for url in ("ftp://ats.example.com/hook", "http://127.0.0.1/hook"):
        response = admin_web.post(NEW, {**FORM, "callbackUrl": url})
        assert response.status_code == 400
        assert field_errors(response, "callbackUrl") == api_errors(
            ats, as_api_body({"callbackUrl": url}), "callbackUrl"
        )
    assert not Interview.objects.exists()


def test_a_recruiter_cannot_choose_the_callback_url(web):
    response = web.post(NEW, {**FORM, "callbackUrl": "https://attacker.example.com/hook"})
    assert response.status_code == 400
    assert (
        "Only an admin of your organization can choose where updates are sent." in response.content.decode()
    )
    assert not Interview.objects.exists()


def test_the_same_form_sent_twice_creates_one_interview(web, recruiter, capture):
    key = str(uuid.uuid4())
    with capture(execute=True):
        first = web.post(NEW, {**FORM, "form_key": key})
        again = web.post(NEW, {**FORM, "form_key": key})
    assert first.status_code == again.status_code == 302
    assert first["Location"] == again["Location"]
    assert Interview.objects.count() == 1
    record = IdempotencyRecord.objects.get()
    assert record.key == f"{IDEMPOTENCY_PREFIX}{key}" and record.organization_id == recruiter.organization_id
    changed = web.post(NEW, {**FORM, "form_key": key, "position": "Data Engineer"})
    assert changed.status_code == 400
    assert "Open a new form to request another interview." in changed.content.decode()
    assert Interview.objects.count() == 1


def test_the_interview_is_the_recruiters_organizations(web, outsider_web, recruiter, outsider, capture):
    key = str(uuid.uuid4())
    with capture(execute=True):
        # An organization in the form is not a field: it is ignored, like unknown keys in the API.
        web.post(NEW, {**FORM, "form_key": key, "organization": str(outsider.organization_id)})
        # The same form key in another organization is another organization's request.
        outsider_web.post(NEW, {**FORM, "form_key": key, "candidateName": "Olga Outsider"})
    ours = Interview.objects.get(candidate_name="Jane Smith")
    theirs = Interview.objects.get(candidate_name="Olga Outsider")
    assert ours.organization_id == recruiter.organization_id
    assert theirs.organization_id == outsider.organization_id
    assert outsider_web.get(f"/admin/interviews/{ours.run_id}").status_code == 404
    assert web.get(f"/admin/interviews/{theirs.run_id}").status_code == 404
    assert "Jane Smith" not in outsider_web.get("/admin/interviews").content.decode()


def test_only_signed_in_members_of_an_organization_may_request(client, make_user):
    response = client.post(NEW, FORM)
    assert response.status_code == 302 and response["Location"].startswith("/accounts/login/")
    operator = Client()
    operator.force_login(make_user(None, "operator@platform.test"))
    assert operator.get(NEW).status_code == 403
    assert operator.post(NEW, FORM).status_code == 403
    assert not Interview.objects.exists()

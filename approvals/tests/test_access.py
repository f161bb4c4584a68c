"""Who may see and do what: sign-in, organizations, CSRF, the operators' admin, query counts."""

from __future__ import annotations

import uuid
from urllib.parse import quote

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from interviews.models import Interview, State
from tests.factories import clone_waiting
from tests.pages import queue_rows
from webhooks.models import Delivery, DeliveryStatus, Event

pytestmark = pytest.mark.django_db


def page_urls(pending, assessed, info_needed) -> list[str]:
    return [
        "/admin/approvals",
        "/admin/approvals/poll",
        "/admin/interviews",
        "/admin/interviews/new",
        # Organization-wide pages above; the ones below name Acme's data.
        "/admin/interviews/compare?position=Senior+Software+Engineer",
        f"/admin/interviews/{pending.run_id}",
        f"/admin/interviews/{pending.run_id}/plan",
        f"/admin/interviews/{info_needed.run_id}",
        f"/admin/interviews/{info_needed.run_id}/plan",
        f"/admin/interviews/{assessed.run_id}",
        f"/admin/interviews/{assessed.run_id}/plan",
        f"/admin/interviews/{assessed.run_id}/assessment",
        f"/admin/interviews/{assessed.run_id}/report",
        f"/admin/interviews/{assessed.run_id}/assessment/confirm",
    ]


def test_every_page_renders_for_the_recruiter(web, pending, assessed, info_needed):
    for url in page_urls(pending, assessed, info_needed):
        response = web.get(url)
        assert response.status_code == 200, (url, response.status_code)
    # And each shows its own interview, not a blank template.
    assert "Jane Smith" in web.get(f"/admin/interviews/{pending.run_id}/plan").content.decode()
    assert "Ada Lovelace" in web.get(f"/admin/interviews/{assessed.run_id}/report").content.decode()


def _delivery_of(interview) -> Delivery:
    event = Event.objects.filter(interview=interview).first()
    return Delivery.objects.create(
        event=event, url="https://ats.example.com/hook", status=DeliveryStatus.FAILED
    )


def test_another_organization_gets_404_on_every_page_and_action(outsider_web, pending, assessed, info_needed):
    for url in page_urls(pending, assessed, info_needed)[4:]:
        assert outsider_web.get(url).status_code == 404, url

    question = pending.current_plan.questions.order_by("position").first()
    plan_id = str(pending.current_plan_id)
    delivery = _delivery_of(pending)
    base = f"/admin/interviews/{pending.run_id}"
    posts = [
        (f"{base}/plan/decide", {"action": "approve", "plan_id": plan_id}),
        (f"{base}/plan/decide", {"action": "regenerate", "feedback": "more SQL", "plan_id": plan_id}),
        (
            f"{base}/plan/questions/{question.id}/edit",
            {
                "plan_id": plan_id,
                "text": "Hijacked?",
                "minutes": 5,
                "concepts": "a: b",
                "score_1": "x",
                "score_3": "y",
                "score_5": "z",
            },
        ),
        (f"{base}/plan/questions/{question.id}/remove", {"plan_id": plan_id}),
        (f"{base}/plan/questions/{question.id}/move", {"plan_id": plan_id, "direction": "down"}),
        (f"{base}/plan/questions/add", {"plan_id": plan_id, "skill": "React", "key": "react-senior-1"}),
        (
            f"{base}/plan/questions/write",
            {
                "plan_id": plan_id,
                "kind": "technical",
                "skill": "React",
                "text": "Hijacked?",
                "minutes": 5,
                "concepts": "a: b",
                "score_1": "x",
                "score_3": "y",
                "score_5": "z",
            },
        ),
        (f"{base}/cancel", {"reason": "no"}),
        (f"{base}/deliveries/{delivery.id}/redeliver", {}),
        (f"/admin/interviews/{assessed.run_id}/assessment/decide", {"action": "approve"}),
        (
            f"/admin/interviews/{assessed.run_id}/assessment/confirm",
            {"assessment_id": str(assessed.assessments.get().id)},
        ),
        (f"/admin/interviews/{info_needed.run_id}/complete", {"position": "Spy"}),
    ]
    for url, data in posts:
        assert outsider_web.post(url, data).status_code == 404, url

    assert Interview.objects.get(pk=pending.pk).state == State.PENDING
    assert Interview.objects.get(pk=pending.pk).current_plan_id == pending.current_plan_id
    assert Interview.objects.get(pk=assessed.pk).state == State.ASSESSMENT_PENDING
    assert Interview.objects.get(pk=info_needed.pk).position == ""
    assert not Delivery.objects.filter(redelivery_of=delivery).exists()


def test_the_outsiders_queue_is_their_own(outsider_web, pending, assessed):
    response = outsider_web.get("/admin/approvals")
    assert response.status_code == 200
    assert queue_rows(response.content.decode()) == []
    assert outsider_web.get("/admin/approvals/poll").json()["total"] == 0
    assert "Jane Smith" not in outsider_web.get("/admin/interviews").content.decode()


def test_unknown_and_malformed_run_ids_are_404(web):
    assert web.get(f"/admin/interviews/{uuid.uuid4()}").status_code == 404
    assert web.get("/admin/interviews/not-a-uuid/plan").status_code == 404


def test_anonymous_visitors_are_sent_to_sign_in(client, pending):
    for url in [
        "/admin/approvals",
        "/admin/approvals/poll",
        "/admin/interviews",
        "/admin/interviews/compare?position=Senior+Software+Engineer",
        f"/admin/interviews/{pending.run_id}/plan?version=1",
    ]:
        response = client.get(url)
        assert response.status_code == 302, url
        assert response["Location"] == f"/accounts/login/?next={quote(url, safe='/')}", response["Location"]
    response = client.post(
        f"/admin/interviews/{pending.run_id}/plan/decide",
        {"action": "approve", "plan_id": str(pending.current_plan_id)},
    )
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")
    assert Interview.objects.get(pk=pending.pk).state == State.PENDING


def test_a_form_without_csrf_token_is_refused(recruiter, pending):
    browser = Client(enforce_csrf_checks=True)
    browser.force_login(recruiter)
    url = f"/admin/interviews/{pending.run_id}/plan/decide"
    data = {"action": "approve", "plan_id": str(pending.current_plan_id)}
    assert browser.post(url, data).status_code == 403
    assert browser.post("/accounts/logout/").status_code == 403
    assert Interview.objects.get(pk=pending.pk).state == State.PENDING
    # With the token the page gives, the same post goes through.
    browser.get(f"/admin/interviews/{pending.run_id}/plan")
    token = browser.cookies["csrftoken"].value
    assert browser.post(url, {**data, "csrfmiddlewaretoken": token}).status_code == 302
    assert Interview.objects.get(pk=pending.pk).state == State.APPROVED


def test_recruiters_cannot_reach_the_operators_admin(web):
    response = web.get("/ops/")
    assert response.status_code == 302
    assert response["Location"].startswith("/ops/login/")


def test_an_account_without_organization_is_told_why(client, make_user):
    user = make_user(None, "operator@platform.test")
    client.force_login(user)
    response = client.get("/admin/approvals")
    assert response.status_code == 403
    assert "does not belong to an organization" in response.content.decode()


def test_only_get_where_pages_only_read(web, pending):
    assert web.post("/admin/approvals").status_code == 405
    assert web.get(f"/admin/interviews/{pending.run_id}/plan/decide").status_code == 405


def test_the_queue_costs_the_same_queries_for_200_items_as_for_2(
    web, pending, assessed, django_assert_num_queries
):
    with CaptureQueriesContext(connection) as small:
        response = web.get("/admin/approvals")
    assert len(queue_rows(response.content.decode())) == 2
    clone_waiting(pending, 99)
    clone_waiting(assessed, 99, start=100)
    with django_assert_num_queries(len(small)):
        response = web.get("/admin/approvals")
    assert len(queue_rows(response.content.decode())) == 25
    with django_assert_num_queries(len(small)):
        response = web.get("/admin/approvals?kind=assessment&page=3")
    assert len(queue_rows(response.content.decode())) == 25


def test_the_interview_list_costs_constant_queries(
    web, pending, assessed, django_assert_num_queries, monkeypatch
):
    monkeypatch.setattr("approvals.stats.FRESH_SECONDS", 0)  # its numbers worked out on every request
    with CaptureQueriesContext(connection) as small:
        web.get("/admin/interviews")
    clone_waiting(pending, 60)
    with django_assert_num_queries(len(small)):
        web.get("/admin/interviews")

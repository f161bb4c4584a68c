"""Where "/" leads, the branded 404 and 500 pages, and the operators' admin's name and "View site"."""

from __future__ import annotations

import uuid

import pytest
from django.test import Client, RequestFactory

from interview_platform.views import not_found, server_error


def broken(*args, **kwargs):
    raise RuntimeError("the database went away")


@pytest.mark.django_db
def test_the_root_leads_to_the_dashboard_or_its_sign_in(client, recruiter):
    response = client.get("/")
    assert response.status_code == 302 and response["Location"] == "/admin/"
    followed = client.get("/", follow=True)
    assert followed.redirect_chain[-1][0].startswith("/accounts/login/?next=/admin/approvals")
    client.force_login(recruiter)
    followed = client.get("/", follow=True)
    assert followed.redirect_chain[-1][0] == "/admin/approvals" and followed.status_code == 200


@pytest.mark.django_db
def test_a_missing_dashboard_page_is_the_dashboards_404(client, recruiter):
    client.force_login(recruiter)
    web = client
    response = web.get(f"/admin/interviews/{uuid.uuid4()}")
    html = response.content.decode()
    assert response.status_code == 404
    assert "This page does not exist" in html and "AI Interview" in html
    assert 'href="/admin/">Go to the dashboard</a>' in html
    assert "dashboard/app.css" in html
    assert web.get("/admin/no-such-page").status_code == 404


@pytest.mark.django_db
def test_a_missing_candidate_page_is_the_candidates_404(client):
    response = client.get("/interview/no-such-page")
    html = response.content.decode()
    assert response.status_code == 404
    assert "This page does not exist" in html and 'class="candidate"' in html
    assert "candidate/candidate.css" in html
    # Nothing that belongs to recruiters: no dashboard link, no product name.
    assert "Go to the dashboard" not in html and "Recruiter dashboard" not in html


@pytest.mark.django_db
def test_the_api_still_answers_json(client):
    response = client.get("/api/v1/no-such-endpoint")
    assert response.status_code == 404
    assert response.json()["error"]["code"] == "not_found"


@pytest.mark.django_db
def test_a_dashboard_failure_is_the_branded_500(client, recruiter, pending, monkeypatch):
    from interviews import selectors

    web = client
    web.force_login(recruiter)
    monkeypatch.setattr(selectors, "interview_for", broken)
    web.raise_request_exception = False
    response = web.get(f"/admin/interviews/{pending.run_id}")
    html = response.content.decode()
    assert response.status_code == 500
    assert "Something went wrong on our side" in html and "Go to the dashboard" in html
    assert "the database went away" not in html and "RuntimeError" not in html


@pytest.mark.django_db
def test_a_candidate_page_failure_is_the_candidates_500(pending, monkeypatch):
    from interviews import joining

    monkeypatch.setattr(joining, "resolve", broken)
    client = Client(raise_request_exception=False)
    response = client.get("/interview/join/some-token")
    html = response.content.decode()
    assert response.status_code == 500
    assert "Something went wrong on our side" in html and 'class="candidate"' in html
    assert "Every answer you already sent is saved" in html
    assert "RuntimeError" not in html and "Go to the dashboard" not in html


# No database mark: any query these pages made would fail the test.
@pytest.mark.parametrize(("path", "words"), [("/admin/x", "Go to the dashboard"), ("/interview/x", "reload")])
def test_the_500_pages_need_no_database_session_or_user(path, words):
    request = RequestFactory().get(path)  # no session, no user: the middleware may never have run
    response = server_error(request)
    assert response.status_code == 500 and words in response.content.decode()
    assert not_found(request).status_code == 404


@pytest.mark.django_db
def test_the_operators_admin_carries_the_products_name(ops):
    html = ops.get("/ops/").content.decode()
    assert "AI Interview · Operations" in html and "Platform operations" in html
    assert '<a href="/admin/">View site</a>' in html
    assert "ops/ops.css" in html and "dashboard/scroll-cue.js" in html
    assert "Django administration" not in html
    login = Client().get("/ops/login/").content.decode()
    assert "AI Interview · Operations" in login

"""The approvals queue: order, age, counts, filters, search, pages, and the poll endpoint."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from approvals import plan_editing
from interviews.models import Interview
from tests.factories import clone_waiting
from tests.pages import queue_rows

pytestmark = pytest.mark.django_db


def entered_ago(interview, hours: float) -> None:
    """Pretend the interview entered its current state ``hours`` ago (what the queue reads)."""
    Interview.objects.filter(pk=interview.pk).update(waiting_since=timezone.now() - timedelta(hours=hours))


def test_oldest_first_with_its_age(web, make_pending, assessed):
    recent = make_pending(candidateName="Recent Person", candidateEmail="recent@example.com")
    old = make_pending(candidateName="Old Person", candidateEmail="old@example.com")
    entered_ago(old, 3)
    entered_ago(assessed, 1.5)
    html = web.get("/admin/approvals").content.decode()
    assert queue_rows(html) == [str(old.run_id), str(assessed.run_id), str(recent.run_id)]
    assert "waiting 3 h" in html
    assert "waiting 1 h" in html
    assert "waiting under a minute" in html


def test_counts_per_kind(web, make_pending, assessed):
    make_pending()
    make_pending()
    response = web.get("/admin/approvals")
    assert response.context["counts"] == {"plans": 2, "assessments": 1, "total": 3}
    html = response.content.decode()
    assert 'data-testid="count-plans">2<' in html
    assert 'data-testid="count-assessments">1<' in html


def test_filters_and_search(web, make_pending, assessed):
    backend = make_pending(
        candidateName="Bob Backend",
        candidateEmail="bob@corp.example",
        position="Backend Engineer",
        level="MID",
    )
    frontend = make_pending(candidateName="Fay Front", candidateEmail="fay@corp.example")

    def rows(query):
        return set(queue_rows(web.get(f"/admin/approvals?{query}").content.decode()))

    assert rows("kind=assessment") == {str(assessed.run_id)}
    assert rows("kind=plan") == {str(backend.run_id), str(frontend.run_id)}
    assert rows("position=Backend+Engineer") == {str(backend.run_id)}
    assert rows("level=MID") == {str(backend.run_id)}
    assert rows("q=fay") == {str(frontend.run_id)}
    assert rows("q=BOB%40CORP") == {str(backend.run_id)}
    assert rows("q=lovelace") == {str(assessed.run_id)}
    assert rows("q=nobody") == set()
    # An unknown kind is ignored rather than an error.
    assert len(rows("kind=everything")) == 3


def test_pages_of_25(web, pending):
    clone_waiting(pending, 30)
    first = queue_rows(web.get("/admin/approvals").content.decode())
    second = queue_rows(web.get("/admin/approvals?page=2").content.decode())
    assert (len(first), len(second)) == (25, 6)
    assert not set(first) & set(second)
    html = web.get("/admin/approvals?kind=plan").content.decode()
    assert "kind=plan&amp;page=2" in html


def test_decided_items_leave_the_queue(web, pending, assessed):
    web.post(
        f"/admin/interviews/{pending.run_id}/plan/decide",
        {"action": "approve", "plan_id": str(pending.current_plan_id)},
    )
    assert queue_rows(web.get("/admin/approvals").content.decode()) == [str(assessed.run_id)]


def test_the_poll_endpoint_changes_when_items_arrive_or_leave(web, recruiter, make_pending):
    first = make_pending()
    before = web.get("/admin/approvals/poll").json()
    assert (before["plans"], before["assessments"], before["total"]) == (1, 0, 1)
    assert web.get("/admin/approvals/poll").json() == before  # stable while nothing changes

    second = make_pending()
    after = web.get("/admin/approvals/poll").json()
    assert after["total"] == 2
    assert after["fingerprint"] != before["fingerprint"]

    # One leaves and another arrives: same counts, still a change.
    web.post(
        f"/admin/interviews/{first.run_id}/plan/decide",
        {"action": "approve", "plan_id": str(first.current_plan_id)},
    )
    make_pending()
    latest = web.get("/admin/approvals/poll").json()
    assert latest["total"] == 2
    assert latest["fingerprint"] != after["fingerprint"]

    # An edit of a waiting plan changes what its row shows: a change too.
    plan = second.current_plan
    plan_editing.move_question(recruiter, second, plan.id, plan.questions.order_by("position")[0].id, 1)
    assert web.get("/admin/approvals/poll").json()["fingerprint"] != latest["fingerprint"]


def test_the_page_carries_what_the_poller_compares(web, pending):
    response = web.get("/admin/approvals")
    html = response.content.decode()
    poll = web.get("/admin/approvals/poll").json()
    assert f'data-fingerprint="{poll["fingerprint"]}"' in html
    assert 'data-poll-url="/admin/approvals/poll"' in html
    assert 'data-poll-seconds="15"' in html
    # The poller swaps in just the list.
    partial = web.get("/admin/approvals?partial=1").content.decode()
    assert partial.lstrip().startswith('<div id="queue-list"')
    assert str(pending.run_id) in partial


def test_the_nav_shows_the_waiting_count_on_every_page(web, pending, assessed):
    html = web.get("/admin/interviews").content.decode()
    assert 'id="nav-queue-count" class="count" aria-label="2 waiting">2<' in html


def test_empty_queue(web):
    html = web.get("/admin/approvals").content.decode()
    assert "All caught up" in html


def test_the_poll_answers_304_while_the_page_is_current(web, make_pending):
    make_pending()
    page = web.get("/admin/approvals")
    fingerprint = page.context["fingerprint"]
    unchanged = web.get("/admin/approvals/poll", HTTP_IF_NONE_MATCH=f'"{fingerprint}"')
    assert unchanged.status_code == 304
    assert unchanged.content == b""
    assert unchanged["ETag"] == f'"{fingerprint}"'

    arrived = make_pending(candidateName="New Arrival", candidateEmail="new@example.com")
    changed = web.get("/admin/approvals/poll", HTTP_IF_NONE_MATCH=f'"{fingerprint}"')
    assert changed.status_code == 200
    body = changed.json()
    assert (body["plans"], body["total"]) == (2, 2)
    assert changed["ETag"] == f'"{body["fingerprint"]}"' != f'"{fingerprint}"'
    # The list the poller then loads has the new item and carries the new fingerprint.
    partial = web.get("/admin/approvals?partial=1").content.decode()
    assert str(arrived.run_id) in partial
    assert f'data-fingerprint="{body["fingerprint"]}"' in partial
    assert web.get("/admin/approvals/poll", HTTP_IF_NONE_MATCH=changed["ETag"]).status_code == 304
    # A stale or malformed validator is answered in full, never an error.
    assert web.get("/admin/approvals/poll", HTTP_IF_NONE_MATCH="garbage").status_code == 200


def test_the_poll_and_the_queue_cost_the_same_queries_for_many_items(web, pending, assessed):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as small_poll:
        web.get("/admin/approvals/poll")
    etag = web.get("/admin/approvals/poll")["ETag"]
    with CaptureQueriesContext(connection) as small_304:
        assert web.get("/admin/approvals/poll", HTTP_IF_NONE_MATCH=etag).status_code == 304
    clone_waiting(pending, 150)
    clone_waiting(assessed, 150, start=150)
    with CaptureQueriesContext(connection) as large_poll:
        body = web.get("/admin/approvals/poll").json()
    assert body["total"] == 302
    assert len(large_poll) == len(small_poll)
    etag = web.get("/admin/approvals/poll")["ETag"]
    with CaptureQueriesContext(connection) as large_304:
        assert web.get("/admin/approvals/poll", HTTP_IF_NONE_MATCH=etag).status_code == 304
    assert len(large_304) == len(small_304)
    # The counts and the marker are one aggregate over the waiting rows.
    counting = [q["sql"] for q in large_304 if '"interviews_interview"' in q["sql"]]
    assert len(counting) == 1 and "COUNT(" in counting[0] and "MAX(" in counting[0], counting


def test_an_assessment_in_the_queue_shows_its_whole_score(web, assessed):
    html = web.get("/admin/approvals").content.decode()
    overall = assessed.assessments.get().overall
    assert f"<strong>{overall}</strong>/100" in html and f"{overall}.0" not in html

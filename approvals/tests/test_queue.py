"""The approvals queue: order, age, counts, filters, search, pages, and the poll endpoint."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from interviews.models import StateChange
from tests.factories import clone_waiting
from tests.pages import queue_rows

pytestmark = pytest.mark.django_db


def entered_ago(interview, hours: float) -> None:
    """Pretend the interview entered its current state ``hours`` ago."""
    StateChange.objects.filter(interview=interview, to_state=interview.state).update(
        created_at=timezone.now() - timedelta(hours=hours)
    )


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


def test_the_poll_endpoint_changes_when_items_arrive_or_leave(web, make_pending):
    first = make_pending()
    before = web.get("/admin/approvals/poll").json()
    assert (before["plans"], before["assessments"], before["total"]) == (1, 0, 1)
    assert before["newest"] == str(first.run_id)
    assert web.get("/admin/approvals/poll").json() == before  # stable while nothing changes

    second = make_pending()
    after = web.get("/admin/approvals/poll").json()
    assert after["total"] == 2
    assert after["newest"] == str(second.run_id)
    assert after["fingerprint"] != before["fingerprint"]

    # One leaves and another arrives: same counts, still a change.
    web.post(
        f"/admin/interviews/{first.run_id}/plan/decide",
        {"action": "approve", "plan_id": str(first.current_plan_id)},
    )
    third = make_pending()
    latest = web.get("/admin/approvals/poll").json()
    assert (latest["total"], latest["newest"]) == (2, str(third.run_id))
    assert latest["fingerprint"] != after["fingerprint"]


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

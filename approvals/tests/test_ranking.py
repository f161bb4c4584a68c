"""The interviews list: its columns in words, sorting, filters, pages, and constant queries."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from approvals.glance import RECOMMENDATION_WORDS
from benchmarks.dashboard_data import build
from interviews.models import State
from tests.factories import listed_interviews
from tests.pages import queue_rows as list_rows

pytestmark = pytest.mark.django_db


def ids(interviews) -> list[str]:
    return [str(i.run_id) for i in interviews]


def header(html: str, title: str) -> str:
    """The <th> of a sortable column."""
    return re.search(
        rf'<th scope="col"[^>]*>\s*<a class="sort-link"[^>]*>{title}<.*?</th>', html, re.S
    ).group(0)


def test_the_columns_are_in_words(web, assessed):
    html = web.get("/admin/interviews").content.decode()
    assessment = assessed.assessments.get()
    row = re.search(rf'<tr data-run-id="{assessed.run_id}">.*?</tr>', html, re.S).group(0)
    assert "Ada Lovelace" in row and "Senior Software Engineer" in row and "Senior" in row
    assert "Assessment awaiting approval" in row and "ASSESSMENT_PENDING" not in row
    assert f">{RECOMMENDATION_WORDS[assessment.recommendation]}<" in row
    assert assessment.recommendation not in row.replace("tone-", "")
    assert f">{assessment.overall}</strong>" in row
    flags = len(assessment.result["flags"])
    assert flags > 1 and f'title="{flags} flags">{flags}<' in row
    assert timezone.localdate(assessed.created_at).strftime("%-d %b %Y") in row


def test_sorted_by_score_either_way_with_the_unscored_last(web, org):
    made = listed_interviews(
        org,
        [
            {"score": 55},
            {"score": 91},
            {"state": State.APPROVED},  # not assessed yet
            {"score": 72},
            {"score": 72},  # a tie: by date, in the same direction
        ],
    )
    # Each row was created a minute before the one listed above it.
    fifty_five, ninety_one, unscored, newer_72, older_72 = made
    highest = list_rows(web.get("/admin/interviews?sort=score&dir=desc").content.decode())
    assert highest == ids([ninety_one, newer_72, older_72, fifty_five, unscored])
    lowest = list_rows(web.get("/admin/interviews?sort=score&dir=asc").content.decode())
    assert lowest == ids([fifty_five, older_72, newer_72, ninety_one, unscored])


def test_sorted_by_recommendation_state_and_date(web, org):
    made = listed_interviews(
        org,
        [
            {"score": 50, "recommendation": "LEAN_NO_HIRE"},
            {"score": 70, "recommendation": "STRONG_HIRE"},  # overridden: strong hire at 70
            {"state": State.PENDING},
            {"score": 90, "recommendation": "HIRE"},
        ],
    )
    best = list_rows(web.get("/admin/interviews?sort=recommendation").content.decode())
    assert best == ids([made[1], made[3], made[0], made[2]])
    weakest = list_rows(web.get("/admin/interviews?sort=recommendation&dir=asc").content.decode())
    assert weakest == ids([made[0], made[3], made[1], made[2]])
    by_state = list_rows(web.get("/admin/interviews?sort=state").content.decode())
    assert by_state == ids([made[0], made[1], made[3], made[2]])  # Assessment approved, then Pending
    newest = list_rows(web.get("/admin/interviews").content.decode())
    assert newest == ids(made)
    assert list_rows(web.get("/admin/interviews?sort=created&dir=asc").content.decode()) == ids(made[::-1])


def test_the_sort_links_toggle_and_mark_the_sorted_column(web, org):
    listed_interviews(org, [{"score": 60}])
    html = web.get("/admin/interviews?sort=score&dir=desc&state=ASSESSMENT_APPROVED").content.decode()
    score = header(html, "Score")
    assert 'aria-sort="descending"' in score
    assert "state=ASSESSMENT_APPROVED&amp;sort=score&amp;dir=asc" in score
    assert '<span class="visually-hidden"> (sort lowest first)</span>' in score
    assert html.count("aria-sort=") == 1
    created = header(html, "Created")
    assert "sort=created&amp;dir=desc" in created and "(sort newest first)<" in created
    assert 'aria-sort="ascending"' in header(
        web.get("/admin/interviews?sort=score&dir=asc").content.decode(), "Score"
    )
    # By default the list is newest first, and says so.
    assert 'aria-sort="descending"' in header(web.get("/admin/interviews").content.decode(), "Created")


def test_filters_by_position_level_state_and_dates(web, org):
    now = timezone.now()
    made = listed_interviews(
        org,
        [
            {"position": "Data Engineer", "level": "SENIOR", "score": 80},
            {"position": "Data Engineer", "level": "MID", "state": State.PENDING},
            {"position": "Backend Engineer", "level": "SENIOR", "created_at": now - timedelta(days=10)},
            {"position": "Backend Engineer", "level": "LEAD", "created_at": now - timedelta(days=40)},
        ],
    )

    def rows(query):
        return set(list_rows(web.get(f"/admin/interviews?{query}").content.decode()))

    assert rows("position=Data+Engineer") == set(ids(made[:2]))
    assert rows("level=SENIOR") == set(ids([made[0], made[2]]))
    assert rows("state=PENDING") == set(ids([made[1]]))
    assert rows("position=Data+Engineer&level=SENIOR&state=ASSESSMENT_APPROVED") == set(ids([made[0]]))
    today = timezone.localdate(now)
    assert rows(f"created_from={today - timedelta(days=15)}") == set(ids(made[:3]))
    assert rows(f"created_to={today - timedelta(days=5)}") == set(ids(made[2:]))
    span = f"created_from={today - timedelta(days=41)}&created_to={today - timedelta(days=9)}"
    assert rows(span) == set(ids(made[2:]))
    assert rows(f"created_from={today}&created_to={today}") == set(ids(made[:2]))
    assert rows("q=listed2%40example") == set(ids([made[2]]))


@pytest.mark.parametrize(
    "query, message",
    [
        ("state=DANCING", "State: Select a valid choice. DANCING is not one of the available choices."),
        ("level=GURU", "Level: Select a valid choice."),
        ("position=Astronaut", "Position: Select a valid choice. Astronaut is not one of"),
        ("created_from=yesterday", "Created from: Enter a date as YYYY-MM-DD."),
        ("created_from=2026-02-31", "Created from: Enter a date as YYYY-MM-DD."),
        (
            "created_from=2026-05-02&created_to=2026-05-01",
            "Created until: The end date is before the start date.",
        ),
        ("sort=height", "Sort by: Select a valid choice. height is not one of the available choices."),
        ("sort=score&dir=sideways", "Order: Select a valid choice."),
    ],
)
def test_a_bad_filter_is_a_form_error_on_the_page(web, org, query, message):
    made = listed_interviews(org, [{}, {}])
    response = web.get(f"/admin/interviews?{query}&q=listed0%40")
    assert response.status_code == 400
    html = response.content.decode()
    assert 'data-testid="filter-errors"' in html and 'role="alert"' in html
    assert message in html
    # The valid filter still narrows the list.
    assert "The other filters are applied." in html
    assert list_rows(html) == ids([made[0]])


def test_pages_without_counting_everything(web, org):
    made = listed_interviews(org, [{"score": s} for s in range(60)])
    first = web.get("/admin/interviews").content.decode()
    third = web.get("/admin/interviews?page=3").content.decode()
    assert list_rows(first) == ids(made[:25])
    assert list_rows(third) == ids(made[50:])
    assert "1–25 of 60" in first and "Page 1 of 3" in first and 'rel="next"' in first
    assert "51–60 of 60" in third and 'rel="next"' not in third
    assert list_rows(web.get("/admin/interviews?page=abc").content.decode()) == ids(made[:25])
    far = web.get("/admin/interviews?page=9")
    assert far.status_code == 200 and "No interviews on page 9" in far.content.decode()
    # Sorting and filters stay on the page links.
    assert (
        "sort=score&amp;dir=asc&amp;page=2"
        in web.get("/admin/interviews?sort=score&dir=asc").content.decode()
    )


def test_a_long_list_says_how_many_up_to_a_thousand(web, org):
    build(org, 1010, waiting=10, questions_per_plan=0)
    html = web.get("/admin/interviews?page=2").content.decode()
    assert len(list_rows(html)) == 25
    assert "26–50 of 1,000+" in html and "Page 2<" in html and 'rel="next"' in html


def _queries(web, urls) -> list[int]:
    counts = []
    for url in urls:
        with CaptureQueriesContext(connection) as queries:
            assert web.get(url).status_code == 200, url
        counts.append(len(queries))
    return counts


def test_the_list_costs_the_same_queries_at_50_and_3000_interviews(web, org, other_org, monkeypatch):
    monkeypatch.setattr("approvals.stats.FRESH_SECONDS", 0)  # its numbers worked out on every request
    urls = [
        "/admin/interviews",
        "/admin/interviews?sort=score&dir=desc",
        "/admin/interviews?sort=recommendation&dir=asc&page=2",
        "/admin/interviews?position=Backend+Engineer&state=ASSESSMENT_APPROVED&sort=score",
        "/admin/interviews/compare?position=Backend+Engineer",
    ]
    build(org, 50, waiting=10, questions_per_plan=1)
    build(other_org, 50, waiting=10, questions_per_plan=1, seed=3)
    small = _queries(web, urls)
    build(org, 2950, waiting=500, questions_per_plan=1, seed=5)
    large = _queries(web, urls)
    assert large == small
    html = web.get("/admin/interviews?sort=score&dir=desc").content.decode()
    assert len(list_rows(html)) == 25 and "of 1,000+" in html


def test_only_the_organizations_own_interviews(web, org, other_org):
    mine = listed_interviews(org, [{"position": "Backend Engineer", "score": 40}])
    listed_interviews(
        other_org, [{"position": "Spy Engineer", "score": 99, "candidate_name": "Their Candidate"}]
    )
    html = web.get("/admin/interviews?sort=score").content.decode()
    assert list_rows(html) == ids(mine)
    assert "Spy Engineer" not in html and "Their Candidate" not in html
    # Their position is not one of this organization's: a form error, never their rows.
    response = web.get("/admin/interviews?position=Spy+Engineer")
    assert response.status_code == 400 and "Their Candidate" not in response.content.decode()

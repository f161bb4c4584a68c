"""Comparing a position's five best candidates, and the numbers above the interviews list."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.utils import timezone

from approvals import services
from interviews.models import Assessment, Interview, State
from tests.factories import clone_waiting, listed_interviews, vary_scores

pytestmark = pytest.mark.django_db

COMPARE = "/admin/interviews/compare"


@pytest.fixture
def backend_candidates(assessed):
    """Eight assessed Senior Software Engineer candidates with their own scores."""
    clones = clone_waiting(assessed, 7)
    scores = [91, 47, 78, 66, 85, 30, 72, 59]
    vary_scores([assessed, *clones], scores)
    return dict(zip(scores, [assessed, *clones], strict=True))


def columns(html: str) -> list[str]:
    return re.findall(r'<th scope="col" data-run-id="([0-9a-f-]+)"', html)


def test_the_top_five_side_by_side(web, backend_candidates, make_assessed):
    make_assessed(position="Data Engineer", candidateName="Other Position")
    response = web.get(f"{COMPARE}?position=Senior+Software+Engineer")
    assert response.status_code == 200
    html = response.content.decode()
    top = [backend_candidates[s] for s in (91, 85, 78, 72, 66)]
    assert columns(html) == [str(i.run_id) for i in top]
    assert re.findall(r'data-testid="compare-score"><span class="overall[^"]*">(\d+)<', html) == [
        "91",
        "85",
        "78",
        "72",
        "66",
    ]
    assert ">Strong hire<" in html and ">Hire<" in html and "STRONG_HIRE" not in html.replace("tone-", "")
    # One row per skill, each candidate's score in it, the best marked.
    skills = sorted(Assessment.objects.get(interview=top[0]).result["skill_scores"])
    assert skills and all(f'<th scope="row">{skill}</th>' in html for skill in skills)
    assert html.count('<span class="skill-cell best">') >= len(skills)
    assert "Other Position" not in html
    for interview in top:
        assert f'href="/admin/interviews/{interview.run_id}/assessment"' in html
    flags = len(Assessment.objects.get(interview=top[0]).result["flags"])
    assert f'<span class="badge plain tone-warn">{flags}</span>' in html


def test_the_list_links_to_the_comparison_of_its_position(web, backend_candidates):
    html = web.get("/admin/interviews?position=Senior+Software+Engineer&sort=score").content.decode()
    assert 'href="/admin/interviews/compare?position=Senior%20Software%20Engineer"' in html
    assert "Compare top five for Senior Software Engineer" in html
    assert 'data-testid="compare-link"' not in web.get("/admin/interviews").content.decode()


@pytest.mark.parametrize(
    "query, status, says",
    [
        ("", 200, "Choose a position"),
        ("?position=", 200, "Choose a position"),
        ("?position=Astronaut", 404, "No interviews for “Astronaut”"),
        ("?position=%3Cscript%3E", 404, "No interviews for “&lt;script&gt;”"),
    ],
)
def test_no_or_an_unknown_position_is_a_friendly_page(web, backend_candidates, query, status, says):
    response = web.get(f"{COMPARE}{query}")
    assert response.status_code == status
    html = response.content.decode()
    assert says in html
    assert "Senior Software Engineer</option>" in html  # the positions to choose from
    assert columns(html) == []


def test_a_position_nobody_was_assessed_for_says_so(web, pending):
    html = web.get(f"{COMPARE}?position=Senior+Software+Engineer").content.decode()
    assert "Nobody to compare yet" in html and columns(html) == []


def test_another_organizations_position_is_unknown(outsider_web, backend_candidates):
    response = outsider_web.get(f"{COMPARE}?position=Senior+Software+Engineer")
    assert response.status_code == 404
    assert "Ada Lovelace" not in response.content.decode()


# --- the numbers above the list ------------------------------------------------------------


def test_the_numbers_of_the_last_days(web, org, make_assessed, recruiter, capture):
    now = timezone.now()
    listed_interviews(
        org,
        [
            {"score": 80, "created_at": now - timedelta(days=2)},
            {"score": 40, "created_at": now - timedelta(days=3)},
            {"state": State.EXPIRED, "created_at": now - timedelta(days=10)},  # link sent, never taken
            {"state": State.APPROVED, "created_at": now - timedelta(days=12)},  # link sent, not yet taken
            {"state": State.REJECTED, "created_at": now - timedelta(days=1)},  # no link: not counted
            {"score": 10, "created_at": now - timedelta(days=45)},  # outside the 30 days
        ],
    )
    # Three decisions taken 1, 3 and 5 hours after their assessment was ready: median 3 h.
    for hours in (1, 3, 5):
        interview = make_assessed()
        with capture(execute=True):
            services.assessment_approve(recruiter, interview)
        assessment = interview.assessments.get()
        Assessment.objects.filter(pk=assessment.pk).update(
            created_at=assessment.approved_at - timedelta(hours=hours)
        )
    scores = [80, 40] + list(
        Interview.objects.filter(organization=org, score__isnull=False, created_at__gte=now).values_list(
            "score", flat=True
        )
    )
    response = web.get("/admin/interviews")
    stats = response.context["stats"]
    assert stats["this_week"] == 6  # the three assessed ones, two listed, the rejected one
    assert (stats["completed"], stats["linked"], stats["completion"]) == (5, 7, 71)
    assert stats["median_decision"] == timedelta(hours=3)
    assert stats["average_score"] == round(sum(scores) / len(scores))
    html = response.content.decode()
    assert 'data-testid="stat-week">6<' in html and 'data-testid="stat-completion">71%<' in html
    assert 'data-testid="stat-decision">3 h<' in html


def test_the_numbers_are_worked_out_at_most_every_half_minute_per_organization(web, org):
    from django.core.cache import cache
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from approvals import stats as stats_module

    now = timezone.now()
    listed_interviews(org, [{"created_at": now}])
    assert web.get("/admin/interviews").context["stats"]["this_week"] == 1
    listed_interviews(org, [{"created_at": now}])
    with CaptureQueriesContext(connection) as kept:
        assert web.get("/admin/interviews").context["stats"]["this_week"] == 1  # the kept numbers
    assert not [q for q in kept.captured_queries if "this_week" in q["sql"] or "percentile" in q["sql"]]
    assert stats_module.FRESH_SECONDS == 30
    cache.delete(f"dashboard:stats:{org.id}")  # as if the half minute were over
    assert web.get("/admin/interviews").context["stats"]["this_week"] == 2


def test_the_chart_draws_the_last_fourteen_days(web, org):
    now = timezone.now()
    listed_interviews(org, [{"created_at": now - timedelta(days=d)} for d in (0, 0, 0, 1, 5, 20)])
    html = web.get("/admin/interviews").content.decode()
    chart = re.search(r'<svg class="bars".*?</svg>', html, re.S).group(0)
    assert 'role="img"' in chart and 'aria-labelledby="chart-title"' in chart
    assert "<title>Interviews per day, last 14 days</title>" in chart
    assert "5 interviews from" in chart and "the busiest day had 3." in chart
    bars = re.findall(r"<rect [^>]*><title>([^<]+)</title></rect>", chart)
    assert len(bars) == 14
    assert bars[-1].endswith(": 3 interviews") and bars[-2].endswith(": 1 interview")
    assert 'style="' not in chart  # the page's policy allows no inline styles


def test_an_empty_organization_shows_dashes_not_errors(web):
    response = web.get("/admin/interviews")
    assert response.status_code == 200
    stats = response.context["stats"]
    assert (stats["this_week"], stats["completion"], stats["median_decision"], stats["average_score"]) == (
        0,
        None,
        None,
        None,
    )
    assert "No interviews yet" in response.content.decode()

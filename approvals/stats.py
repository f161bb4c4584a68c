"""The numbers above the interviews list: one aggregate over the last 30 days' interviews
(read through the created index) and one over the decisions of the same period.

- interviews this week: created in the last 7 days;
- completion rate: of the last 30 days' interviews whose candidate received a link, the share
  the candidate finished (cancelled and failed ones without an assessment are left out, as
  whether their link was sent is not kept on the row);
- median time to decision: from an assessment being ready to the recruiter's decision, over
  the decisions of the last 30 days;
- average score: of the last 30 days' assessed interviews;
- interviews per day over the last 14 days, drawn as a small SVG bar chart.

They are worked out at most every ``FRESH_SECONDS`` per organization and kept in the cache
in between: every recruiter of an organization opening the list meanwhile sees the same
numbers, without the two aggregates (most of the page's database time).
"""

from __future__ import annotations

import datetime
import statistics
from dataclasses import dataclass

from django.core.cache import cache
from django.db import connection
from django.db.models import Aggregate, Avg, Count, DurationField, F, Q
from django.utils import timezone

from interviews.models import Assessment, Interview, State

WINDOW_DAYS = 30
CHART_DAYS = 14
# States an interview is only in after its candidate received the link.
LINKED = (
    State.APPROVED,
    State.IN_PROGRESS,
    State.ASSESSMENT_PENDING,
    State.ASSESSMENT_APPROVED,
    State.EXPIRED,
)

CHART_WIDTH, CHART_HEIGHT, BAR_GAP = 280, 64, 4
FRESH_SECONDS = 30


class Median(Aggregate):
    """PostgreSQL's median of an interval or number."""

    function = "percentile_cont"
    template = "%(function)s(0.5) WITHIN GROUP (ORDER BY %(expressions)s)"
    output_field = DurationField()


@dataclass(frozen=True)
class Bar:
    day: datetime.date
    count: int
    x: float
    y: float
    width: float
    height: float


def _days(today: datetime.date) -> list[tuple[datetime.date, datetime.datetime]]:
    """The chart's days, oldest first, each with the instant it starts in the site's time zone."""
    days = [today - datetime.timedelta(days=back) for back in range(CHART_DAYS - 1, -1, -1)]
    return [(day, timezone.make_aware(datetime.datetime.combine(day, datetime.time.min))) for day in days]


def _median_decision(organization_id, since) -> datetime.timedelta | None:
    decided = Assessment.objects.filter(
        interview__organization_id=organization_id, approved_at__gte=since, approved_at__isnull=False
    )
    waited = F("approved_at") - F("created_at")
    if connection.vendor == "postgresql":
        return decided.aggregate(median=Median(waited))["median"]
    # SQLite (the laptop mode) has no percentile function; its organizations are small.
    durations = [row.approved_at - row.created_at for row in decided.only("approved_at", "created_at")]
    return statistics.median(durations) if durations else None


def _chart(days, counts: list[int]) -> list[Bar]:
    tallest = max(counts) or 1
    width = (CHART_WIDTH - BAR_GAP * (len(days) - 1)) / len(days)
    bars = []
    for index, ((day, _), count) in enumerate(zip(days, counts, strict=True)):
        # Even an empty day shows a 1-pixel line, so the days are countable.
        height = max(1.0, round(count / tallest * (CHART_HEIGHT - 2), 1))
        x = round(index * (width + BAR_GAP), 1)
        bars.append(Bar(day, count, x, round(CHART_HEIGHT - height, 1), round(width, 1), height))
    return bars


def header(organization_id) -> dict:
    """The numbers above the list, as of at most ``FRESH_SECONDS`` ago."""
    key = f"dashboard:stats:{organization_id}"
    numbers = cache.get(key)
    if numbers is None:
        numbers = _header(organization_id)
        cache.set(key, numbers, FRESH_SECONDS)
    return numbers


def _header(organization_id) -> dict:
    now = timezone.now()
    days = _days(timezone.localdate(now))
    since = min(now - datetime.timedelta(days=WINDOW_DAYS), days[0][1])
    per_day = {
        f"day_{index}": Count(
            "id",
            filter=Q(created_at__gte=start, created_at__lt=start + datetime.timedelta(days=1)),
        )
        for index, (_, start) in enumerate(days)
    }
    numbers = (
        Interview.objects.for_organization(organization_id)
        .filter(created_at__gte=since)
        .aggregate(
            this_week=Count("id", filter=Q(created_at__gte=now - datetime.timedelta(days=7))),
            linked=Count("id", filter=Q(state__in=LINKED) | Q(score__isnull=False)),
            completed=Count("id", filter=Q(score__isnull=False)),
            average=Avg("score"),
            **per_day,
        )
    )
    counts = [numbers[f"day_{index}"] for index in range(len(days))]
    linked = numbers["linked"]
    return {
        "this_week": numbers["this_week"],
        "completion": round(numbers["completed"] / linked * 100) if linked else None,
        "linked": linked,
        "completed": numbers["completed"],
        "median_decision": _median_decision(organization_id, now - datetime.timedelta(days=WINDOW_DAYS)),
        "average_score": round(numbers["average"]) if numbers["average"] is not None else None,
        "bars": _chart(days, counts),
        "chart_total": sum(counts),
        "chart_peak": max(counts),
        "chart_first": days[0][0],
        "chart_last": days[-1][0],
        "chart_width": CHART_WIDTH,
        "chart_height": CHART_HEIGHT,
    }

"""The interviews list's filters and orderings, and the comparison of a position's best candidates.

Every ordering ends in ``created_at, id`` so pages never overlap, and reads an index
of ``interviews.listing`` (score and recommendation are copies kept on the interview).
"""

from __future__ import annotations

import contextlib
import datetime
import uuid

from django import forms
from django.db import connection
from django.db.models import Q
from django.utils import timezone

from interviews.listing import RECOMMENDATION_RANK, SCORE_LAST_ASC, SCORE_LAST_DESC, recommendation_rank
from interviews.models import Assessment, Interview, Level, State

# Sort keys, the direction each starts in, and the words a header link says.
SORTS = {
    "created": ("desc", "date"),
    "score": ("desc", "score"),
    "recommendation": ("desc", "recommendation"),
    "state": ("asc", "state"),
}
DIRECTIONS = {"asc": "ascending", "desc": "descending"}
# The columns a row shows; everything else stays in the database.
ROW_FIELDS = (
    "run_id",
    "candidate_name",
    "candidate_email",
    "position",
    "level",
    "state",
    "score",
    "recommendation",
    "flag_count",
    "created_at",
    "updated_at",
)
COMPARED = 5


def _words(value: str) -> str:
    return value.replace("_", " ").capitalize()


def _tie_break(direction: str) -> tuple[str, str]:
    return ("created_at", "id") if direction == "asc" else ("-created_at", "-id")


def ordering(sort: str, direction: str) -> list:
    """ORDER BY for a sort key; interviews without a score come last whichever the direction."""
    if sort == "score":
        if direction == "desc":
            return [SCORE_LAST_DESC.desc(), "-created_at", "-id"]
        return [SCORE_LAST_ASC.asc(), "created_at", "id"]
    if sort == "recommendation":
        if direction == "desc":
            return [RECOMMENDATION_RANK.desc(), SCORE_LAST_DESC.desc(), "-created_at", "-id"]
        # Weakest first, still with the unassessed at the end.
        return [recommendation_rank(9).asc(), SCORE_LAST_ASC.asc(), "created_at", "id"]
    if sort == "state":
        return ["state" if direction == "asc" else "-state", "-created_at", "-id"]
    return list(_tie_break(direction))


# The smallest position, then again and again the smallest one after the last found. The
# second parameter of each pair is true to count every interview, false for waiting ones only.
POSITIONS_SQL = """
WITH RECURSIVE found(position) AS (
    SELECT MIN(position) FROM interviews_interview
    WHERE organization_id = %s AND position > '' AND (%s OR waiting_since IS NOT NULL)
  UNION ALL
    SELECT (
        SELECT MIN(i.position) FROM interviews_interview i
        WHERE i.organization_id = %s AND i.position > found.position AND (%s OR i.waiting_since IS NOT NULL)
    )
    FROM found WHERE found.position IS NOT NULL
)
SELECT position FROM found WHERE position IS NOT NULL
"""


def positions(organization_id, *, waiting: bool = False) -> list[str]:
    """The organization's positions in order (only those with a waiting interview, if ``waiting``).

    ``SELECT DISTINCT`` reads every interview of the organization. This walks the position
    index instead, one probe per position: each step asks for the smallest position after
    the one before (a loose index scan, written as a recursive query; PostgreSQL and SQLite).
    """
    organization = Interview._meta.get_field("organization").get_db_prep_value(organization_id, connection)
    with connection.cursor() as cursor:
        cursor.execute(POSITIONS_SQL, [organization, not waiting, organization, not waiting])
        return [row[0] for row in cursor.fetchall()]


class ListFilterForm(forms.Form):
    q = forms.CharField(required=False, max_length=200, label="Search")
    position = forms.ChoiceField(required=False, choices=[], label="Position")
    level = forms.ChoiceField(required=False, label="Level")
    state = forms.ChoiceField(required=False, label="State")
    created_from = forms.DateField(required=False, label="Created from")
    created_to = forms.DateField(required=False, label="Created until")
    # Also in the column headers; these work where the headers are hidden (narrow screens).
    sort = forms.ChoiceField(
        required=False,
        label="Sort by",
        choices=[
            ("created", "Date created"),
            ("score", "Score"),
            ("recommendation", "Recommendation"),
            ("state", "State"),
        ],
    )
    dir = forms.ChoiceField(
        required=False, label="Order", choices=[("desc", "Descending"), ("asc", "Ascending")]
    )

    def __init__(self, *args, positions=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["position"].choices = [("", "All positions")] + [(p, p) for p in positions]
        self.fields["level"].choices = [("", "All levels")] + [(v, _words(v)) for v in Level.values]
        self.fields["state"].choices = [("", "All states")] + [(v, _words(v)) for v in State.values]
        self.fields["q"].widget.attrs.update(placeholder="Name, email, position or ID", type="search")
        for name in ("created_from", "created_to"):
            self.fields[name].widget.input_type = "date"
            self.fields[name].error_messages["invalid"] = "Enter a date as YYYY-MM-DD."

    def clean(self):
        data = super().clean()
        start, end = data.get("created_from"), data.get("created_to")
        if start and end and start > end:
            self.add_error("created_to", "The end date is before the start date.")
        return data

    def sorting(self) -> tuple[str, str]:
        """The sort key and direction asked for (the valid ones), else the list's default."""
        data = getattr(self, "cleaned_data", {})
        sort = data.get("sort") or "created"
        return sort, data.get("dir") or SORTS[sort][0]


def _day_start(day: datetime.date) -> datetime.datetime:
    # Whole days in the site's time zone, compared as instants so the created index is used.
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time.min))


def filtered(organization_id, filters: dict):
    """The organization's interviews narrowed by the form's valid values."""
    interviews = Interview.objects.for_organization(organization_id).only(*ROW_FIELDS)
    for name in ("position", "level", "state"):
        if filters.get(name):
            interviews = interviews.filter(**{name: filters[name]})
    if filters.get("created_from"):
        interviews = interviews.filter(created_at__gte=_day_start(filters["created_from"]))
    if filters.get("created_to"):
        next_day = filters["created_to"] + datetime.timedelta(days=1)
        interviews = interviews.filter(created_at__lt=_day_start(next_day))
    if filters.get("q"):
        q = filters["q"].strip()
        condition = (
            Q(candidate_name__icontains=q)
            | Q(candidate_email__icontains=q)
            | Q(position__icontains=q)
            | Q(external_id__iexact=q)
        )
        with contextlib.suppress(ValueError):  # a run ID pasted into the search box
            condition |= Q(run_id=uuid.UUID(q))
        interviews = interviews.filter(condition)
    return interviews


def top_candidates(organization_id, position: str) -> list[Interview]:
    """The position's five best scored interviews, each with its newest assessment as ``.assessment``."""
    interviews = list(
        Interview.objects.for_organization(organization_id)
        .filter(position=position, score__isnull=False)
        .only(*ROW_FIELDS)
        .order_by(*ordering("score", "desc"))[:COMPARED]
    )
    newest: dict = {}
    assessments = Assessment.objects.filter(
        interview__organization_id=organization_id, interview__in=[i.pk for i in interviews]
    ).order_by("interview_id", "-created_at")
    for assessment in assessments:
        newest.setdefault(assessment.interview_id, assessment)
    for interview in interviews:
        interview.assessment = newest.get(interview.pk)
    return interviews

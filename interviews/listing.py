"""What the recruiters' lists read from an interview row, and the indexes their orderings use.

The score, recommendation and flag count are copies of the interview's latest
assessment (its final values once a recruiter has decided), and
``waiting_since`` is when the interview entered a state that waits for a
recruiter (a plan or an assessment to decide). ``workflow.transition`` is the
only code that sets them, so ordering a list by them needs no join and no
subquery per row.
"""

from __future__ import annotations

from django.db import models
from django.db.models import Case, F, Q, Value, When
from django.db.models.functions import Coalesce

# Unscored interviews sort after every score, whichever the direction: -1 is below
# the lowest score (for "highest first", read backwards) and 1000 above the highest.
SCORE_LAST_DESC = Coalesce(F("score"), Value(-1.0))
SCORE_LAST_ASC = Coalesce(F("score"), Value(1000.0))


def recommendation_rank(unranked: int) -> Case:
    """Best recommendation highest (4 to 1); ``unranked`` for none (not assessed yet)."""
    return Case(
        When(recommendation="STRONG_HIRE", then=Value(4)),
        When(recommendation="HIRE", then=Value(3)),
        When(recommendation="LEAN_NO_HIRE", then=Value(2)),
        When(recommendation="NO_HIRE", then=Value(1)),
        default=Value(unranked),
        output_field=models.SmallIntegerField(),
    )


# "Best first" reads the index backwards, the unassessed (0) last.
RECOMMENDATION_RANK = recommendation_rank(0)


class Listed(models.Model):
    """The interview's fields kept for the lists (see the module's docstring)."""

    score = models.FloatField(null=True, blank=True)
    recommendation = models.CharField(max_length=16, null=True, blank=True)
    flag_count = models.PositiveSmallIntegerField(null=True, blank=True)
    waiting_since = models.DateTimeField(null=True, blank=True)

    class Meta:
        abstract = True


INTERVIEW_INDEXES = [
    models.Index(fields=["organization", "state", "created_at"]),
    # The approvals queue, oldest first: only the rows that wait are in it. State and
    # updated_at ride along so the counts and the change marker never read the table.
    models.Index(
        fields=["organization", "waiting_since", "id", "state", "updated_at"],
        condition=Q(waiting_since__isnull=False),
        name="interview_queue_idx",
    ),
    # A position's candidates by score (the comparison, the list filtered by position), and
    # the organization's positions, one index probe each (approvals.ranking.positions).
    models.Index(
        F("organization"),
        F("position"),
        SCORE_LAST_DESC,
        F("created_at"),
        F("id"),
        name="interview_position_idx",
    ),
    # The interviews waiting to be planned, oldest first (plan_queue, the stalled-work sweep).
    models.Index(
        fields=["updated_at"], condition=Q(state="VALIDATING_SKILLS"), name="interview_planning_idx"
    ),
    # The interviews list: newest first (read backwards), and by score, highest first.
    models.Index(fields=["organization", "created_at", "id"], name="interview_created_idx"),
    models.Index(F("organization"), SCORE_LAST_DESC, F("created_at"), F("id"), name="interview_score_idx"),
    models.Index(
        F("organization"),
        RECOMMENDATION_RANK,
        SCORE_LAST_DESC,
        F("created_at"),
        F("id"),
        name="interview_recommendation_idx",
    ),
]

"""Small presentation helpers for the dashboard templates."""

from __future__ import annotations

from django import template
from django.utils import timezone

from approvals.forms import missing_labels
from approvals.views.queue import queue_counts
from interviews.agents.feedback_gaps import FEEDBACK_GAPS_LABEL

register = template.Library()

# A colour family per state (see static/dashboard/app.css): what needs a
# recruiter stands out, what is over is muted.
STATE_TONES = {
    "INFO_NEEDED": "warn",
    "VALIDATING_SKILLS": "info",
    "PENDING": "action",
    "APPROVED": "ok",
    "IN_PROGRESS": "info",
    "ASSESSMENT_PENDING": "action",
    "ASSESSMENT_APPROVED": "ok",
    "REJECTED": "muted",
    "CANCELLED": "muted",
    "EXPIRED": "muted",
    "FAILED": "bad",
}

RECOMMENDATION_TONES = {"STRONG_HIRE": "ok", "HIRE": "ok", "LEAN_NO_HIRE": "warn", "NO_HIRE": "bad"}


@register.filter
def words(value) -> str:
    """``ASSESSMENT_PENDING`` -> ``Assessment pending``."""
    text = str(value or "").replace("_", " ").strip()
    return text[:1].upper() + text[1:].lower()


@register.filter
def field_labels(names) -> str:
    """``["jobDescription"]`` -> ``"job description"``: the API's names as the form labels them."""
    return missing_labels(names)


# Category names that are not plain words.
CATEGORY_NAMES = {"api": "API", "devops": "DevOps"}


@register.filter
def category(value) -> str:
    return CATEGORY_NAMES.get(str(value), words(value))


@register.filter
def state_tone(state) -> str:
    return STATE_TONES.get(str(state), "muted")


@register.filter
def recommendation_tone(value) -> str:
    return RECOMMENDATION_TONES.get(str(value), "muted")


@register.filter
def score_tone(score) -> str:
    """1..5 question scores and 0..100 overall scores alike."""
    try:
        value = float(score)
    except (TypeError, ValueError):
        return "muted"
    if value <= 5:
        value = (value - 1) / 4 * 100
    if value >= 65:
        return "ok"
    if value >= 45:
        return "warn"
    return "bad"


@register.filter
def duration_since(moment) -> str:
    """How long ago, in one short unit: "12 min", "3 h", "2 d"."""
    if not moment:
        return ""
    seconds = max(0, int((timezone.now() - moment).total_seconds()))
    if seconds < 60:
        return "under a minute"
    if seconds < 3600:
        return f"{seconds // 60} min"
    if seconds < 48 * 3600:
        return f"{seconds // 3600} h"
    return f"{seconds // 86400} d"


@register.filter
def waiting_level(moment) -> str:
    """A hint for rows that have waited long: over a day is 'late'."""
    if not moment:
        return ""
    hours = (timezone.now() - moment).total_seconds() / 3600
    if hours >= 24:
        return "late"
    if hours >= 4:
        return "slow"
    return ""


@register.filter
def get_item(mapping, key):
    try:
        return mapping.get(key)
    except AttributeError:
        return None


@register.filter
def feedback_gaps(summary) -> str:
    """The part of a plan summary saying what the feedback asked that the plan could not do."""
    _, found, gaps = str(summary or "").partition(FEEDBACK_GAPS_LABEL)
    return gaps.strip() if found else ""


@register.filter
def percent_of(value, total) -> int:
    try:
        return max(0, min(100, round(float(value) / float(total) * 100)))
    except (TypeError, ValueError, ZeroDivisionError):
        return 0


@register.simple_tag(takes_context=True)
def nav_counts(context) -> dict:
    """The approvals badge in the navigation; shares the queue page's query when there is one."""
    request = context.get("request")
    user = getattr(request, "user", None)
    if not (user and user.is_authenticated and user.organization_id):
        return {"total": 0, "plans": 0, "assessments": 0}
    return queue_counts(request)

"""What the candidate is told before starting: privacy, retention, how AI is used, rights and support.

The organization may write its own privacy notice (``Organization.privacy_notice``,
set in /ops/); without one the default below is shown. Retention comes from the
settings that drive the purges, so the page says what the platform does.
"""

from __future__ import annotations

from django.conf import settings

DEFAULT_PRIVACY_NOTICE = (
    "{organization} uses this interview to assess your application for the {position} role. "
    "We keep your name, email address, your answers (typed, or spoken and turned into text) and "
    "the assessment of them, and use them only for this hiring decision. They are shared only with "
    "the services that run this interview for {organization}; your name and email address are never "
    "sent to an AI model. You can ask for a copy of your data, for it to be corrected, or for it to "
    "be deleted."
)

# The settings retention is read from, with what each one covers; a setting that is not
# configured is left out rather than guessed.
RETENTION_SETTINGS = (
    ("RETENTION_DAYS_INTERVIEWS", "Your answers, their transcripts and the assessment"),
    ("RECORDING_RETENTION_DAYS", "Audio recordings of spoken answers"),
)


def _days(value) -> int | None:
    try:
        days = int(value)
    except (TypeError, ValueError):
        return None
    return days if days > 0 else None


def retention() -> list[dict]:
    """[{what, days}] for each retention period the platform enforces."""
    periods = []
    for name, what in RETENTION_SETTINGS:
        days = _days(getattr(settings, name, None))
        if days:
            periods.append({"what": what, "days": days})
    return periods


def privacy_notice(organization, position: str) -> str:
    text = (organization.privacy_notice or "").strip()
    if text:
        return text
    return DEFAULT_PRIVACY_NOTICE.format(organization=organization.name, position=position or "advertised")


def context(organization, position: str) -> dict:
    return {
        "privacy_notice": privacy_notice(organization, position),
        "privacy_url": organization.privacy_url,
        "retention": retention(),
        "contact_email": organization.contact_email,
    }

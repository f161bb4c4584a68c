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

# What the candidate is told is kept how long: each retention window the purges enforce
# (settings.RETENTION_DAYS by kind, RECORDING_RETENTION_DAYS for the audio), in their words.
RETENTION_KINDS = (
    ("transcripts", "Your answers, their transcripts and the written assessment of them"),
    ("recordings", "Audio recordings of spoken answers"),
    ("integrity", "Notes of leaving the tab or pasting during the interview"),
    ("device_details", "Your browser's details from the device check"),
)


def _days(kind: str) -> int | None:
    if kind == "recordings":
        value = getattr(settings, "RECORDING_RETENTION_DAYS", None)
    else:
        value = (getattr(settings, "RETENTION_DAYS", None) or {}).get(kind)
    try:
        days = int(value)
    except (TypeError, ValueError):
        return None
    return days if days > 0 else None


def retention() -> list[dict]:
    """[{what, days}] for each retention window the platform enforces (a missing one is left out)."""
    return [{"what": what, "days": days} for kind, what in RETENTION_KINDS if (days := _days(kind))]


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

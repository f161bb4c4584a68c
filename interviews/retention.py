"""Retention: what is kept how long, what a purge would remove now, and the purge itself.

Each kind has a window in days (``settings.RETENTION_DAYS`` and
``RECORDING_RETENTION_DAYS``), a query for what has outlived it, and a purge
that clears or deletes it. Purges run in batches, each in its own
transaction, and only ever select what is still there to purge, so a second
run (or two at once) changes nothing more.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import Exists, Max, OuterRef, Q
from django.utils import timezone

from webhooks.models import Attempt

from . import erasure
from .models import AgentStep, CandidateSession, IntegrityEvent, Interview, Recording, State, Turn

BATCH_SIZE = 500


@dataclass(frozen=True)
class Kind:
    name: str
    variable: str  # the environment variable that sets the window
    description: str
    days: Callable[[], int]
    pending: Callable[[object], object]  # cutoff -> queryset of what has outlived the window
    purge: Callable[[object], int]  # queryset of one batch -> how many were purged


def _transcripts_pending(cutoff):
    spoken = Q(Exists(Turn.objects.filter(interview=OuterRef("pk")).exclude(answer_text=""))) | Q(
        Exists(Recording.objects.filter(interview=OuterRef("pk")).exclude(text=""))
    )
    return (
        Interview.objects.annotate(last_turn=Max("turns__asked_at"))
        .filter(last_turn__lt=cutoff)
        .exclude(state=State.IN_PROGRESS)
        .filter(spoken)
    )


def _transcripts_purge(batch) -> int:
    rows = list(batch.values_list("pk", flat=True))
    erasure.scrub_transcripts(Interview.objects.filter(pk__in=rows))
    return len(rows)


def _recordings_purge(batch) -> int:
    rows = list(batch.values_list("pk", flat=True))
    erasure.delete_recording_files(Recording.objects.filter(pk__in=rows))
    return len(rows)


def _delete(batch) -> int:
    return batch.model.objects.filter(pk__in=list(batch.values_list("pk", flat=True))).delete()[0]


def _days(kind: str) -> Callable[[], int]:
    return lambda: settings.RETENTION_DAYS[kind]


KINDS: tuple[Kind, ...] = (
    Kind(
        "transcripts",
        "RETENTION_DAYS_TRANSCRIPTS",
        "interviews whose answers, transcripts and assessment quotes are cleared (scores stay)",
        _days("transcripts"),
        _transcripts_pending,
        _transcripts_purge,
    ),
    Kind(
        "recordings",
        "RECORDING_RETENTION_DAYS",
        "recordings whose audio file is deleted",
        lambda: settings.RECORDING_RETENTION_DAYS,
        lambda cutoff: Recording.objects.filter(created_at__lt=cutoff, deleted_at__isnull=True),
        _recordings_purge,
    ),
    Kind(
        "device_details",
        "RETENTION_DAYS_DEVICE_DETAILS",
        "candidate sessions whose device details are cleared",
        _days("device_details"),
        lambda cutoff: CandidateSession.objects.filter(device_checked_at__lt=cutoff).exclude(
            device_details={}
        ),
        lambda batch: CandidateSession.objects.filter(pk__in=list(batch.values_list("pk", flat=True))).update(
            device_details={}
        ),
    ),
    Kind(
        "integrity",
        "RETENTION_DAYS_INTEGRITY",
        "integrity events (tab hidden, paste, ...) deleted",
        _days("integrity"),
        lambda cutoff: IntegrityEvent.objects.filter(occurred_at__lt=cutoff),
        _delete,
    ),
    Kind(
        "agent_steps",
        "RETENTION_DAYS_AGENT_STEPS",
        "AI step records (timings, tokens, errors) deleted",
        _days("agent_steps"),
        lambda cutoff: AgentStep.objects.filter(created_at__lt=cutoff),
        _delete,
    ),
    Kind(
        "webhook_attempts",
        "RETENTION_DAYS_WEBHOOK_ATTEMPTS",
        "webhook delivery attempts (status, response excerpt, error) deleted",
        _days("webhook_attempts"),
        lambda cutoff: Attempt.objects.filter(started_at__lt=cutoff),
        _delete,
    ),
)
BY_NAME = {kind.name: kind for kind in KINDS}


def cutoff_of(kind: Kind, now=None):
    return (now or timezone.now()) - timedelta(days=kind.days())


def preview(now=None) -> list[dict]:
    """What a purge would remove now, per kind: its window, its cutoff and how many rows."""
    rows = []
    for kind in KINDS:
        cutoff = cutoff_of(kind, now)
        rows.append(
            {
                "kind": kind.name,
                "variable": kind.variable,
                "days": kind.days(),
                "cutoff": cutoff,
                "count": kind.pending(cutoff).count(),
                "description": kind.description,
            }
        )
    return rows


def purge_kind(kind: Kind, now=None, batch_size: int = BATCH_SIZE) -> int:
    """Purge everything of ``kind`` older than its window, one batch per transaction."""
    cutoff = cutoff_of(kind, now)
    total = 0
    while True:
        with transaction.atomic():
            ids = list(kind.pending(cutoff).values_list("pk", flat=True)[:batch_size])
            if not ids:
                return total
            # Re-applying the query keeps only rows that still need it (another run may be at work).
            purged = kind.purge(kind.pending(cutoff).filter(pk__in=ids))
        total += purged
        if purged == 0:
            return total


def purge(kinds=None, now=None) -> dict[str, int]:
    """Purge the named kinds (all by default); how many rows of each were purged."""
    return {name: purge_kind(BY_NAME[name], now) for name in (kinds or BY_NAME)}

"""Emails to candidates: one row per email, written before it is sent and updated by the job that sends it.

The row is the interview timeline's record of what the candidate was told and
when, failures included. It never holds a one-time code: the code email's
subject is stored with the code masked.
"""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.utils import timezone


class CandidateMessage(models.Model):
    class Kind(models.TextChoices):
        INVITATION = "invitation", "Invitation"
        REMINDER = "reminder", "Reminder"
        CODE = "code", "One-time code"
        RECEIPT = "receipt", "Receipt"

    class Status(models.TextChoices):
        QUEUED = "queued", "Queued"
        SENDING = "sending", "Sending"
        RETRYING = "retrying", "Retrying"
        SENT = "sent", "Sent"
        FAILED = "failed", "Failed"
        SKIPPED = "skipped", "Not sent"

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    interview = models.ForeignKey(
        "interviews.Interview", on_delete=models.CASCADE, related_name="candidate_messages"
    )
    kind = models.CharField(max_length=16, choices=Kind.choices)
    # Which reminder ("48h", "24h"): each is sent once per interview.
    tag = models.CharField(max_length=16, blank=True)
    to = models.EmailField(max_length=254)
    subject = models.CharField(max_length=300, blank=True)
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.QUEUED)
    attempts = models.PositiveSmallIntegerField(default=0)
    # When a job last took it: a claim older than a send can take belongs to a lost worker.
    claimed_at = models.DateTimeField(null=True, blank=True)
    error = models.TextField(blank=True)
    # The recruiter who asked for it (a resent invitation); empty when the platform sent it.
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now, editable=False, db_index=True)
    sent_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["interview", "created_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["interview", "kind", "tag"],
                condition=models.Q(kind="reminder"),
                name="candidate_reminder_once",
            )
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} to {self.to} ({self.status})"

    @property
    def finished(self) -> bool:
        return self.status in (self.Status.SENT, self.Status.FAILED, self.Status.SKIPPED)

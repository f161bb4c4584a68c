"""The record that an interview's personal data was erased: who, when, and how much went."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone


class Erasure(models.Model):
    """One per erased interview; it holds nothing about the candidate, so it stays as the audit trail."""

    interview = models.OneToOneField("interviews.Interview", on_delete=models.CASCADE, related_name="erasure")
    erased_at = models.DateTimeField(default=timezone.now, editable=False)
    # As on StateChange: "user:<email>" or "api-key:<name>"; the user row too while it exists.
    actor_label = models.CharField(max_length=200)
    actor_user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    # What was removed, by kind (rows cleared or deleted, files deleted).
    removed = models.JSONField(default=dict)

    class Meta:
        ordering = ["-erased_at"]

    def __str__(self) -> str:
        return f"erasure of {self.interview_id} by {self.actor_label}"


class RetentionPreview(Erasure):
    """No table of its own: the /ops/ entry that shows what a retention purge would remove now."""

    class Meta:
        proxy = True
        verbose_name = "retention purge preview"
        verbose_name_plural = "retention purge preview"

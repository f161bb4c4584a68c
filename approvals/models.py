from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.utils import timezone


class Approval(models.Model):
    """A recruiter's decision on a plan or an assessment."""

    class Kind(models.TextChoices):
        PLAN = "PLAN"
        ASSESSMENT = "ASSESSMENT"

    class Decision(models.TextChoices):
        APPROVED = "APPROVED"
        REJECTED = "REJECTED"
        REGENERATE = "REGENERATE"  # rejected, with a new plan version requested

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    interview = models.ForeignKey("interviews.Interview", on_delete=models.CASCADE, related_name="approvals")
    kind = models.CharField(max_length=16, choices=Kind.choices)
    plan = models.ForeignKey(
        "interviews.Plan", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    decision = models.CharField(max_length=16, choices=Decision.choices)
    decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    feedback = models.TextField(blank=True)
    overrides = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(default=timezone.now, editable=False)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.kind} {self.decision} by {self.decided_by}"

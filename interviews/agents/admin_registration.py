"""The operators' view of agent steps in Django admin (``/ops/``).

Imported by ``interviews/admin.py`` so the registration happens with the rest
of the app's admin. Rows are written only by the recorder, so the admin is
read-only: a step is evidence of what ran, not something to edit.
"""

from __future__ import annotations

from django.contrib import admin

from interview_platform.admin import ReadOnlyMixin
from interviews.models import AgentStep


@admin.register(AgentStep)
class AgentStepAdmin(ReadOnlyMixin, admin.ModelAdmin):
    list_display = (
        "created_at",
        "step",
        "engine",
        "outcome",
        "provider",
        "model",
        "prompt_version",
        "latency_ms",
        "input_tokens",
        "output_tokens",
        "interview",
    )
    list_filter = ("outcome", "step", "engine", "provider", "model", "prompt_version")
    search_fields = ("interview__run_id", "model", "error")
    date_hierarchy = "created_at"
    list_select_related = ("interview",)
    ordering = ("-created_at",)

"""/ops/: the erasures done (read-only audit), and what a retention purge would remove now."""

from __future__ import annotations

from django.contrib import admin
from django.template.response import TemplateResponse

from interview_platform.admin import ReadOnlyMixin

from . import retention
from .models import Erasure, RetentionPreview


@admin.register(Erasure)
class ErasureAdmin(ReadOnlyMixin, admin.ModelAdmin):
    """Who erased which interview's personal data, when, and how much went."""

    list_display = ("interview_run_id", "erased_at", "actor_label")
    search_fields = ("interview__run_id", "actor_label")
    date_hierarchy = "erased_at"
    fields = ("interview", "erased_at", "actor_label", "actor_user", "removed")
    readonly_fields = fields

    @admin.display(description="run ID")
    def interview_run_id(self, obj):
        return obj.interview.run_id

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("interview")


@admin.register(RetentionPreview)
class RetentionPreviewAdmin(ReadOnlyMixin, admin.ModelAdmin):
    """Not a list of rows: counts per kind of what the hourly purge would remove if it ran now."""

    def changelist_view(self, request, extra_context=None):
        rows = retention.preview()
        context = {
            **self.admin_site.each_context(request),
            "opts": self.model._meta,
            "title": "Retention purge preview",
            "rows": rows,
            "total": sum(row["count"] for row in rows),
        }
        return TemplateResponse(request, "admin/interviews/retention_preview.html", context)

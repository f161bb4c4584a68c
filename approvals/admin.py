from django.contrib import admin

from interview_platform.admin import ReadOnlyMixin

from .models import Approval


@admin.register(Approval)
class ApprovalAdmin(ReadOnlyMixin, admin.ModelAdmin):
    """Who decided what, and when: the audit trail of the workflow."""

    list_display = ("interview", "kind", "decision", "decided_by", "created_at")
    list_filter = ("kind", "decision")
    search_fields = ("interview__run_id", "interview__candidate_name", "feedback")

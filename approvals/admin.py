from django.contrib import admin

from .models import Approval


@admin.register(Approval)
class ApprovalAdmin(admin.ModelAdmin):
    list_display = ("interview", "kind", "decision", "decided_by", "created_at")
    list_filter = ("kind", "decision")
    search_fields = ("interview__run_id", "interview__candidate_name", "feedback")

    def get_readonly_fields(self, request, obj=None):
        return [field.name for field in self.model._meta.fields]

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        # Who decided what, and when: the audit trail of the workflow.
        return False

from django.contrib import admin

from interview_platform.admin import ReadOnlyMixin

from . import erasure_admin  # noqa: F401  (erasures and the retention preview in /ops/)
from .agents import admin_registration  # noqa: F401  (AgentStep in /ops/)
from .models import (
    Assessment,
    CandidateMessage,
    CandidateSession,
    IdempotencyRecord,
    IntegrityEvent,
    Interview,
    Plan,
    Question,
    StateChange,
    Turn,
)


class ReadOnlyInline(ReadOnlyMixin, admin.TabularInline):
    extra = 0
    can_delete = False


class StateChangeInline(ReadOnlyInline):
    model = StateChange
    fields = ("created_at", "from_state", "to_state", "actor_label", "reason")
    readonly_fields = fields
    ordering = ("created_at", "id")


class PlanInline(ReadOnlyInline):
    model = Plan
    fields = ("version", "engine", "summary", "duration_minutes", "feedback", "created_at")
    readonly_fields = fields
    show_change_link = True


class TurnInline(ReadOnlyInline):
    model = Turn
    fields = ("sequence", "kind", "question_text", "answer_text", "asked_at", "answered_at")
    readonly_fields = fields


class IntegrityEventInline(ReadOnlyInline):
    model = IntegrityEvent
    fields = ("occurred_at", "event", "question_sequence", "detail")
    readonly_fields = fields


class AssessmentInline(ReadOnlyInline):
    model = Assessment
    fields = ("created_at", "engine", "overall", "recommendation", "decided_score", "decided_recommendation")
    readonly_fields = fields
    show_change_link = True


class CandidateSessionInline(ReadOnlyInline):
    model = CandidateSession
    fields = ("consented_at", "verified_at", "camera_ok", "microphone_ok", "started_at", "completed_at")
    readonly_fields = fields


class CandidateMessageInline(ReadOnlyInline):
    model = CandidateMessage
    fields = ("created_at", "kind", "tag", "to", "subject", "status", "attempts", "sent_at", "error")
    readonly_fields = fields
    ordering = ("created_at",)


@admin.register(Interview)
class InterviewAdmin(ReadOnlyMixin, admin.ModelAdmin):
    """Read-only: every change must go through the workflow, never a form.

    Nor a delete: it would take the plans, transcript, assessment, approvals
    and webhook log with it, and leave the ATS waiting for an interview that
    no longer exists.
    """

    list_display = (
        "candidate_name",
        "position",
        "level",
        "organization",
        "state",
        "data_quality",
        "updated_at",
    )
    list_filter = ("state", "level", "data_quality", "organization")
    search_fields = ("candidate_name", "candidate_email", "position", "run_id", "external_id")
    date_hierarchy = "created_at"
    inlines = (
        PlanInline,
        StateChangeInline,
        CandidateSessionInline,
        CandidateMessageInline,
        TurnInline,
        IntegrityEventInline,
        AssessmentInline,
    )


class QuestionInline(ReadOnlyInline):
    model = Question
    fields = ("position", "skill", "kind", "difficulty", "minutes", "text")
    readonly_fields = fields


@admin.register(Plan)
class PlanAdmin(ReadOnlyMixin, admin.ModelAdmin):
    """Versions are the history of what the AI proposed and recruiters changed."""

    list_display = ("interview", "version", "engine", "duration_minutes", "created_at")
    list_filter = ("engine",)
    search_fields = ("interview__candidate_name", "interview__run_id")
    inlines = (QuestionInline,)


@admin.register(StateChange)
class StateChangeAdmin(ReadOnlyMixin, admin.ModelAdmin):
    list_display = ("interview", "from_state", "to_state", "actor_label", "created_at")
    list_filter = ("to_state",)
    search_fields = ("interview__run_id", "actor_label", "reason")


@admin.register(IdempotencyRecord)
class IdempotencyRecordAdmin(admin.ModelAdmin):
    list_display = ("organization", "key", "response_status", "created_at")
    search_fields = ("key",)

    def get_readonly_fields(self, request, obj=None):
        return [field.name for field in self.model._meta.fields]


@admin.register(Assessment)
class AssessmentAdmin(ReadOnlyMixin, admin.ModelAdmin):
    """Recruiters decide assessments through the dashboard or the API; the decided score is what
    the ATS was sent and what the report reads."""

    list_display = (
        "interview",
        "engine",
        "overall",
        "recommendation",
        "decided_recommendation",
        "created_at",
    )
    list_filter = ("recommendation", "decided_recommendation", "engine")
    search_fields = ("interview__candidate_name", "interview__run_id")

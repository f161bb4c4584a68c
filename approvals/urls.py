"""The recruiter dashboard, mounted at /admin/ (Django's own admin lives at /ops/)."""

from django.urls import path
from django.views.generic import RedirectView

from .views import (
    assessments,
    candidate_mail,
    confirm,
    create,
    interviews,
    own_question,
    plans,
    queue,
    ranking,
)

app_name = "dashboard"

RUN = "interviews/<str:run_id>"

urlpatterns = [
    path("", RedirectView.as_view(pattern_name="dashboard:queue"), name="home"),
    path("approvals", queue.queue, name="queue"),
    path("approvals/", RedirectView.as_view(pattern_name="dashboard:queue", query_string=True)),
    path("approvals/poll", queue.queue_poll, name="queue-poll"),
    path("interviews", ranking.interview_list, name="interviews"),
    path("interviews/compare", ranking.compare, name="compare"),
    # Before RUN, which would take "new" for a run ID.
    path("interviews/new", create.interview_new, name="interview-new"),
    path(RUN, interviews.interview_detail, name="interview"),
    path(f"{RUN}/cancel", interviews.interview_cancel, name="interview-cancel"),
    path(f"{RUN}/complete", interviews.interview_complete, name="interview-complete"),
    path(f"{RUN}/invitation/resend", candidate_mail.resend_invitation, name="interview-resend-invitation"),
    path(f"{RUN}/erase", interviews.interview_erase, name="interview-erase"),
    path(
        f"{RUN}/deliveries/<uuid:delivery_id>/redeliver",
        interviews.delivery_redeliver,
        name="delivery-redeliver",
    ),
    path(f"{RUN}/plan", plans.plan_review, name="plan"),
    path(f"{RUN}/plan/decide", plans.plan_decide, name="plan-decide"),
    path(f"{RUN}/plan/questions/add", plans.question_add, name="question-add"),
    path(f"{RUN}/plan/questions/write", own_question.question_write, name="question-write"),
    path(f"{RUN}/plan/questions/<int:question_id>/edit", plans.question_edit, name="question-edit"),
    path(f"{RUN}/plan/questions/<int:question_id>/remove", plans.question_remove, name="question-remove"),
    path(f"{RUN}/plan/questions/<int:question_id>/move", plans.question_move, name="question-move"),
    path(f"{RUN}/assessment", assessments.assessment_review, name="assessment"),
    path(f"{RUN}/assessment/decide", assessments.assessment_decide, name="assessment-decide"),
    path(f"{RUN}/assessment/confirm", confirm.assessment_confirm, name="assessment-confirm"),
    path(f"{RUN}/report", assessments.report, name="report"),
]

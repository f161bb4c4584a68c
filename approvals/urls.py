"""The recruiter dashboard, mounted at /admin/ (Django's own admin lives at /ops/)."""

from django.urls import path
from django.views.generic import RedirectView

from . import views

app_name = "dashboard"

RUN = "interviews/<str:run_id>"

urlpatterns = [
    path("", RedirectView.as_view(pattern_name="dashboard:queue"), name="home"),
    path("approvals", views.queue, name="queue"),
    path("approvals/", RedirectView.as_view(pattern_name="dashboard:queue", query_string=True)),
    path("approvals/poll", views.queue_poll, name="queue-poll"),
    path("interviews", views.interview_list, name="interviews"),
    path(RUN, views.interview_detail, name="interview"),
    path(f"{RUN}/cancel", views.interview_cancel, name="interview-cancel"),
    path(f"{RUN}/complete", views.interview_complete, name="interview-complete"),
    path(
        f"{RUN}/deliveries/<uuid:delivery_id>/redeliver",
        views.delivery_redeliver,
        name="delivery-redeliver",
    ),
    path(f"{RUN}/plan", views.plan_review, name="plan"),
    path(f"{RUN}/plan/decide", views.plan_decide, name="plan-decide"),
    path(f"{RUN}/plan/questions/add", views.question_add, name="question-add"),
    path(f"{RUN}/plan/questions/<int:question_id>/edit", views.question_edit, name="question-edit"),
    path(f"{RUN}/plan/questions/<int:question_id>/remove", views.question_remove, name="question-remove"),
    path(f"{RUN}/plan/questions/<int:question_id>/move", views.question_move, name="question-move"),
    path(f"{RUN}/assessment", views.assessment_review, name="assessment"),
    path(f"{RUN}/assessment/decide", views.assessment_decide, name="assessment-decide"),
    path(f"{RUN}/report", views.report, name="report"),
]

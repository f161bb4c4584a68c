from django.urls import path

from . import api

urlpatterns = [
    path("a2a/interview/<str:run_id>/approve", api.PlanApproveView.as_view(), name="a2a-interview-approve"),
    path(
        "a2a/interview/<str:run_id>/assessment/approve",
        api.AssessmentApproveView.as_view(),
        name="a2a-interview-assessment-approve",
    ),
]

from django.urls import path

from . import views

urlpatterns = [
    path("a2a/interview", views.InterviewCreateView.as_view(), name="a2a-interview-create"),
    path("a2a/interview/<str:run_id>", views.InterviewPatchView.as_view(), name="a2a-interview-patch"),
    path(
        "a2a/interview/<str:run_id>/status", views.InterviewStatusView.as_view(), name="a2a-interview-status"
    ),
    path("a2a/interview/<str:run_id>/plan", views.InterviewPlanView.as_view(), name="a2a-interview-plan"),
    path(
        "a2a/interview/<str:run_id>/assessment",
        views.AssessmentView.as_view(),
        name="a2a-interview-assessment",
    ),
    path(
        "a2a/interview/<str:run_id>/cancel", views.InterviewCancelView.as_view(), name="a2a-interview-cancel"
    ),
]

from . import candidate_views, erasure, recordings  # noqa: E402

urlpatterns += [
    path(
        "a2a/interview/<str:run_id>/erase", erasure.InterviewEraseView.as_view(), name="a2a-interview-erase"
    ),
    path(
        "candidate/join/<str:token>/consent", candidate_views.ConsentView.as_view(), name="candidate-consent"
    ),
    path("candidate/join/<str:token>/otp", candidate_views.OtpView.as_view(), name="candidate-otp"),
    path("candidate/join/<str:token>/verify", candidate_views.VerifyView.as_view(), name="candidate-verify"),
    path(
        "candidate/join/<str:token>/device-check",
        candidate_views.DeviceCheckView.as_view(),
        name="candidate-device-check",
    ),
    path(
        "candidate/join/<str:token>/answers/<str:question_id>/audio",
        candidate_views.AudioUploadView.as_view(),
        name="candidate-answer-audio",
    ),
    path(
        "candidate/join/<str:token>/recordings/<str:recording_id>",
        candidate_views.RecordingStatusView.as_view(),
        name="candidate-recording",
    ),
    path(
        "a2a/interview/<str:run_id>/recordings/<str:recording_id>",
        recordings.RecordingAudioView.as_view(),
        name="a2a-interview-recording",
    ),
]

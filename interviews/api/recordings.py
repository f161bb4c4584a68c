"""A spoken answer's audio, for the interview's organization (signed-in recruiters, its API key)."""

from __future__ import annotations

from pathlib import PurePosixPath

from django.http import FileResponse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework.authentication import SessionAuthentication
from rest_framework_simplejwt.authentication import JWTAuthentication

from accounts.authentication import ApiKeyAuthentication
from interview_platform.api import DomainError

from .. import recordings, selectors
from .views import ERRORS, RUN_ID, EitherView


class RecordingGone(DomainError):
    status_code = 410
    code = "recording_deleted"


class RecordingAudioView(EitherView):
    # The dashboard's audio player asks with the recruiter's session cookie.
    authentication_classes = [ApiKeyAuthentication, JWTAuthentication, SessionAuthentication]

    def perform_content_negotiation(self, request, force=False):
        # An <audio> element accepts audio/*, not JSON; errors are JSON all the same.
        return super().perform_content_negotiation(request, force=True)

    @extend_schema(
        operation_id="a2a_interview_recording",
        tags=["a2a"],
        summary="The audio of a spoken answer",
        description="The recording as the candidate's browser uploaded it, with its Content-Type.",
        parameters=[
            RUN_ID,
            OpenApiParameter(
                "recording_id", str, OpenApiParameter.PATH, description="From the assessment's answers"
            ),
        ],
        responses={
            (200, "audio/*"): OpenApiTypes.BINARY,
            410: OpenApiResponse(description="Deleted after RECORDING_RETENTION_DAYS"),
            **ERRORS,
        },
    )
    def get(self, request, run_id, recording_id):
        interview = selectors.interview_for(request.user, run_id)
        recording = recordings.of_interview(interview, recording_id)
        if recording.deleted_at or not recording.audio:
            raise RecordingGone(
                "This recording was deleted after the retention period; its transcript is kept.",
                fields={"deletedAt": recording.deleted_at.isoformat() if recording.deleted_at else None},
            )
        response = FileResponse(recording.audio.open("rb"), content_type=recording.content_type)
        response["Cache-Control"] = "private, no-store"
        extension = PurePosixPath(recording.audio.name).suffix
        response["Content-Disposition"] = f'inline; filename="{recording.id}{extension}"'
        return response

"""A spoken answer's audio, for the interview's organization (signed-in recruiters, its API key)."""

from __future__ import annotations

import re
from pathlib import PurePosixPath

from django.http import FileResponse, HttpResponse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework.authentication import SessionAuthentication
from rest_framework.response import Response
from rest_framework_simplejwt.authentication import JWTAuthentication

from accounts.authentication import ApiKeyAuthentication
from interview_platform.api import DomainError, error_body
from interview_platform.schema import uuid_path

from .. import recordings, selectors
from .views import ERRORS, RUN_ID, EitherView

_RANGE = re.compile(r"^bytes=(\d*)-(\d*)$")


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
        description=(
            "The recording as the candidate's browser uploaded it, with its Content-Type. "
            "A single `Range: bytes=…` is answered with 206 (audio players seek with it)."
        ),
        parameters=[
            RUN_ID,
            uuid_path("recording_id", "From the assessment's answers"),
        ],
        responses={
            (200, "audio/*"): OpenApiTypes.BINARY,
            (206, "audio/*"): OpenApiTypes.BINARY,
            410: OpenApiResponse(description="Deleted after RECORDING_RETENTION_DAYS"),
            416: OpenApiResponse(description="A Range beyond the end of the recording"),
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
        wanted = request.headers.get("Range", "").strip()
        response = _part(recording, wanted) if wanted else None
        if response is None:
            response = FileResponse(recording.audio.open("rb"), content_type=recording.content_type)
        response["Accept-Ranges"] = "bytes"
        response["Cache-Control"] = "private, no-store"
        extension = PurePosixPath(recording.audio.name).suffix
        response["Content-Disposition"] = f'inline; filename="{recording.id}{extension}"'
        return response


def _part(recording, wanted: str):
    """One byte range (``bytes=a-b``, ``bytes=a-``, ``bytes=-n``), as audio players ask to seek.

    None for a Range we do not serve (several ranges, malformed): the whole file answers it.
    """
    size = recording.audio.size
    match = _RANGE.match(wanted)
    if match is None or not (match[1] or match[2]):
        return None
    if match[1]:
        start, end = int(match[1]), min(int(match[2] or size - 1), size - 1)
        if match[2] and int(match[2]) < start:
            return None  # "bytes=9-3" is not a range at all
    else:
        start, end = max(0, size - int(match[2])), size - 1
    if start >= size or start > end:
        return Response(
            error_body("range_not_satisfiable", f"The recording has {size} bytes.", {"Range": wanted}),
            status=416,
            headers={"Content-Range": f"bytes */{size}"},
        )
    with recording.audio.open("rb") as audio:
        audio.seek(start)
        data = audio.read(end - start + 1)
    response = HttpResponse(data, status=206, content_type=recording.content_type)
    response["Content-Range"] = f"bytes {start}-{end}/{size}"
    return response

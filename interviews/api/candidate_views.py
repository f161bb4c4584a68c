"""JSON endpoints behind the candidate's join page. No account: the link and a session prove who it is."""

from __future__ import annotations

from django.conf import settings
from django.utils.decorators import method_decorator
from django.views.decorators.csrf import csrf_protect
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import serializers, status
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.views import APIView

from interview_platform.api import StrictBooleanField
from interview_platform.schema import uuid_path

from .. import joining, recordings
from ..otp import CODE_DIGITS


class OtpIn(serializers.Serializer):
    """No fields (an empty object or no body): consent is given with the code, at verify."""


class OtpOut(serializers.Serializer):
    sent = serializers.BooleanField()
    expiresInSeconds = serializers.IntegerField()


class VerifyIn(serializers.Serializer):
    code = serializers.RegexField(
        rf"^\d{{{CODE_DIGITS}}}$",
        error_messages={"invalid": f"The code is {CODE_DIGITS} digits."},
    )
    consent = StrictBooleanField(
        required=False,
        default=False,
        help_text="true: the candidate agreed to the terms; recorded once the code is right.",
    )


class VerifyOut(serializers.Serializer):
    verified = serializers.BooleanField()
    websocketUrl = serializers.CharField()


class DeviceIn(serializers.Serializer):
    camera = StrictBooleanField()
    microphone = StrictBooleanField()
    details = serializers.DictField(required=False, default=dict)

    def validate_details(self, value):
        if len(str(value)) > 2000:
            raise serializers.ValidationError("At most 2000 characters of details.")
        return value


class DeviceOut(serializers.Serializer):
    recorded = serializers.BooleanField()
    ready = serializers.BooleanField()


ERRORS = {
    400: OpenApiResponse(description="Bad input or wrong code (error.code says which)"),
    403: OpenApiResponse(description="No CSRF token (csrf_failed): the page's cookie and X-CSRFToken header"),
    404: OpenApiResponse(description="Unknown, expired, cancelled or used link (error.code says which)"),
    429: OpenApiResponse(description="Too many codes requested"),
}
# The link's token as the invitation carries it; any other string is an unknown link (404).
TOKEN = OpenApiParameter(
    "token", str, OpenApiParameter.PATH, pattern=r"^[A-Za-z0-9_-]{16,200}$", description="From the link"
)
QUESTION_ID = OpenApiParameter(
    "question_id", str, OpenApiParameter.PATH, pattern=r"^q[0-9]{1,4}$", description="From the question frame"
)


@method_decorator(csrf_protect, name="dispatch")
class CandidateView(APIView):
    authentication_classes: list = []
    permission_classes = [AllowAny]


class ConsentView(CandidateView):
    @extend_schema(
        tags=["candidate"],
        summary="Record the verified candidate's consent",
        description="Only after the code was verified in this browser session (else 403 not_verified).",
        parameters=[TOKEN],
        request=None,
        responses={204: None, 403: OpenApiResponse(description="Not verified"), **ERRORS},
    )
    def post(self, request, token):
        joining.record_consent(token, request.session)
        return Response(status=status.HTTP_204_NO_CONTENT)


class OtpView(CandidateView):
    @extend_schema(
        tags=["candidate"],
        summary="Email a one-time code",
        parameters=[TOKEN],
        description=(
            "Makes a new 6-digit code (voiding any earlier one) and answers at once: the email is sent "
            "by a background job after the request, retried if the mail server is unavailable."
        ),
        request=OtpIn,
        responses={202: OtpOut, **ERRORS},
    )
    def post(self, request, token):
        data = OtpIn(data=request.data)
        data.is_valid(raise_exception=True)
        lifetime = joining.send_code(token)
        return Response({"sent": True, "expiresInSeconds": lifetime}, status=status.HTTP_202_ACCEPTED)


class VerifyView(CandidateView):
    @extend_schema(
        tags=["candidate"],
        summary="Check the code; starts the candidate session",
        parameters=[TOKEN],
        request=VerifyIn,
        responses={200: VerifyOut, **ERRORS},
    )
    def post(self, request, token):
        data = VerifyIn(data=request.data)
        data.is_valid(raise_exception=True)
        values = data.validated_data
        url = joining.verify_code(token, values["code"], request.session, consent=values["consent"])
        return Response({"verified": True, "websocketUrl": url})


class DeviceCheckView(CandidateView):
    @extend_schema(
        tags=["candidate"],
        summary="Record the camera and microphone check",
        parameters=[TOKEN],
        request=DeviceIn,
        responses={200: DeviceOut, 403: OpenApiResponse(description="Not verified"), **ERRORS},
    )
    def post(self, request, token):
        data = DeviceIn(data=request.data)
        data.is_valid(raise_exception=True)
        values = data.validated_data
        ready = joining.record_device_check(
            token, request.session, values["camera"], values["microphone"], values["details"]
        )
        return Response({"recorded": True, "ready": ready})


class RecordingAccepted(serializers.Serializer):
    recordingId = serializers.UUIDField()
    status = serializers.CharField()


class RecordingStatusOut(serializers.Serializer):
    recordingId = serializers.UUIDField()
    questionId = serializers.CharField()
    status = serializers.CharField(help_text="transcribing, done or failed")
    text = serializers.CharField(allow_blank=True)


class AudioUploadView(CandidateView):
    @extend_schema(
        tags=["candidate"],
        summary="Upload a spoken answer to the question being asked",
        parameters=[TOKEN, QUESTION_ID],
        description=(
            "The body is the recording itself (MediaRecorder's webm/opus or ogg, Safari's mp4/aac, or wav); "
            "Content-Type says which (parameters such as ;codecs=opus are allowed). The whole file is "
            "decoded before it is stored. The transcript arrives on the socket as a `transcript` frame "
            "(or an `error` frame with code transcription_failed); GET the recording to poll instead."
        ),
        request={media: OpenApiTypes.BINARY for media in recordings.AUDIO_TYPES},
        responses={
            202: RecordingAccepted,
            400: OpenApiResponse(description="Empty, truncated, too long or undecodable audio (bad_audio)"),
            403: OpenApiResponse(description="Not verified, or no CSRF token"),
            404: OpenApiResponse(description="Unknown, expired, cancelled or used link"),
            409: OpenApiResponse(
                description="Not the question being asked (out_of_turn), or finished (completed)"
            ),
            413: OpenApiResponse(description="Larger than RECORDING_MAX_BYTES"),
            415: OpenApiResponse(description="Not audio/webm, audio/ogg, audio/mp4 or audio/wav"),
            429: OpenApiResponse(description="Too many recordings for this question (too_many_recordings)"),
        },
    )
    def post(self, request, token, question_id):
        interview = recordings.candidate_interview(token, request.session)
        recordings.pending_turn(interview, question_id)
        content_type = recordings.audio_type(request.content_type)
        recordings.check_length(request.headers.get("Content-Length"))
        # Read straight from the stream (request.body would apply the form-data
        # size limit): at most one byte more than allowed, to see it is too big.
        data = request._request.read(settings.RECORDING_MAX_BYTES + 1)
        recording = recordings.upload(interview, question_id, content_type, data)
        return Response(
            {"recordingId": recording.id, "status": recording.status}, status=status.HTTP_202_ACCEPTED
        )


class RecordingStatusView(CandidateView):
    @extend_schema(
        tags=["candidate"],
        summary="A recording's transcription (for a page that lost its socket)",
        parameters=[TOKEN, uuid_path("recording_id", "From the upload's answer")],
        responses={200: RecordingStatusOut, 403: OpenApiResponse(description="Not verified"), **ERRORS},
    )
    def get(self, request, token, recording_id):
        interview = joining.verified_interview(token, request.session)
        recording = recordings.of_interview(interview, recording_id)
        return Response(
            {
                "recordingId": recording.id,
                "questionId": recording.turn.public_id,
                "status": recording.status,
                "text": recording.text,
            }
        )

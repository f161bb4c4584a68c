"""POST /a2a/interview/{runId}/erase: the candidate's right to erasure, for the ATS and the admins."""

from __future__ import annotations

from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import serializers
from rest_framework.permissions import BasePermission
from rest_framework.response import Response

from accounts.permissions import IsApiClient, IsOrgAdmin

from .. import erasure
from .views import ERRORS, RUN_ID, EitherView


class IsApiClientOrOrgAdmin(BasePermission):
    message = (
        "Only the organization's ATS (X-API-Key) or one of its ADMIN users may erase a candidate's data."
    )

    def has_permission(self, request, view):
        return IsApiClient().has_permission(request, view) or IsOrgAdmin().has_permission(request, view)


class ErasureOut(serializers.Serializer):
    runId = serializers.UUIDField(source="interview.run_id")
    interviewId = serializers.UUIDField(source="interview.id")
    state = serializers.CharField(source="interview.state")
    erasedAt = serializers.DateTimeField(source="erased_at")
    erasedBy = serializers.CharField(source="actor_label", help_text='"api-key:<name>" or "user:<email>"')
    removed = serializers.DictField(
        child=serializers.IntegerField(),
        help_text="What the erasure cleared or deleted, by kind (rows, or files for recordingFiles).",
    )


class InterviewEraseView(EitherView):
    permission_classes = [IsApiClientOrOrgAdmin]

    @extend_schema(
        operation_id="a2a_interview_erase",
        tags=["a2a"],
        summary="Erase the candidate's personal data",
        description=(
            "Removes the candidate's name, email, answers, recordings (files included), transcripts, "
            "the assessment's quotes and prose, device and integrity details, free-text reasons and "
            "the personal fields of stored webhook events. Keeps the state history, event types and "
            "times, scores and an audit record of who erased and when. An interview that is still "
            "running (or not yet started) is cancelled first (webhook interview.cancelled), then "
            "interview.erased is sent. Idempotent: calling again answers 200 with the first erasure. "
            "Needs the organization's X-API-Key or an ADMIN's Bearer token (a RECRUITER gets 403)."
        ),
        parameters=[RUN_ID],
        request=None,
        responses={
            200: ErasureOut,
            403: OpenApiResponse(
                description="A RECRUITER's token: only ADMIN users or the API key may erase"
            ),
            **ERRORS,
        },
    )
    def post(self, request, run_id):
        record, _ = erasure.erase(request.user, run_id)
        record.interview.refresh_from_db()
        return Response(ErasureOut(record).data)

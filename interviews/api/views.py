"""The A2A interview API: one view per operation, serializers in and out, a service call."""

from __future__ import annotations

from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import serializers, status
from rest_framework.response import Response
from rest_framework.views import APIView
from rest_framework_simplejwt.authentication import JWTAuthentication

from accounts.authentication import ApiKeyAuthentication
from accounts.permissions import IsApiClient, IsApiClientOrOrgMember
from accounts.throttling import ApiKeyRateThrottle
from interview_platform.api import StrictCharField, WrongState, represent
from interview_platform.schema import uuid_path

from .. import selectors, services
from ..models import Plan
from ..serializers import (
    AssessmentOut,
    CreatedOut,
    InterviewPatchIn,
    InterviewRequestIn,
    PlanOut,
    StatusOut,
)

ERRORS = {
    400: OpenApiResponse(description="Validation error: error.fields names each bad field"),
    401: OpenApiResponse(description="Missing or invalid credentials"),
    404: OpenApiResponse(description="No such interview in your organization"),
}
RUN_ID = uuid_path("run_id", "The runId returned at creation")


class ApiKeyView(APIView):
    authentication_classes = [ApiKeyAuthentication]
    permission_classes = [IsApiClient]
    throttle_classes = [ApiKeyRateThrottle]


class EitherView(APIView):
    authentication_classes = [ApiKeyAuthentication, JWTAuthentication]
    permission_classes = [IsApiClientOrOrgMember]


class InterviewCreateView(ApiKeyView):
    @extend_schema(
        operation_id="a2a_interview_create",
        tags=["a2a"],
        summary="Request an interview",
        description=(
            "Creates an interview. A complete request starts skill validation (VALIDATING_SKILLS); "
            "an incomplete one waits in INFO_NEEDED with missingFields. Send an Idempotency-Key "
            "header to make retries safe."
        ),
        parameters=[OpenApiParameter("Idempotency-Key", str, OpenApiParameter.HEADER, required=False)],
        request=InterviewRequestIn,
        responses={
            201: CreatedOut,
            422: OpenApiResponse(description="Idempotency-Key reused with another body"),
            **ERRORS,
        },
    )
    def post(self, request):
        data = InterviewRequestIn(data=request.data)
        data.is_valid(raise_exception=True)
        key = request.headers.get("Idempotency-Key", "").strip()
        if len(key) > 255:
            raise serializers.ValidationError({"Idempotency-Key": "At most 255 characters."})
        # What a replay is compared by: the fields the serializer knows (built once per instance).
        fields = data.fields
        sent = {k: v for k, v in request.data.items() if k in fields} if key else {}
        code, body = services.request_interview(request.user, data.model_values(), sent, key)
        return Response(body, status=code)


class InterviewPatchView(ApiKeyView):
    @extend_schema(
        operation_id="a2a_interview_complete",
        tags=["a2a"],
        summary="Supply missing information",
        parameters=[RUN_ID],
        request=InterviewPatchIn,
        responses={200: StatusOut, 409: OpenApiResponse(description="Not in INFO_NEEDED"), **ERRORS},
    )
    def patch(self, request, run_id):
        data = InterviewPatchIn(data=request.data)
        data.is_valid(raise_exception=True)
        interview = services.complete_request(request.user, run_id, data.model_values())
        interview.refresh_from_db()
        return Response(represent(StatusOut, selectors.status_body(interview)))


class InterviewStatusView(EitherView):
    @extend_schema(
        operation_id="a2a_interview_status",
        tags=["a2a"],
        summary="Interview status and history",
        parameters=[RUN_ID],
        responses={200: StatusOut, **ERRORS},
    )
    def get(self, request, run_id):
        return Response(represent(StatusOut, selectors.status_for(request.user, run_id)))


class InterviewPlanView(EitherView):
    @extend_schema(
        operation_id="a2a_interview_plan",
        tags=["a2a"],
        summary="The current interview plan",
        parameters=[RUN_ID],
        responses={200: PlanOut, 409: OpenApiResponse(description="No plan yet"), **ERRORS},
    )
    def get(self, request, run_id):
        interview = selectors.interview_for(request.user, run_id)
        if interview.current_plan_id is None:
            raise WrongState(
                f"The interview is {interview.state}; no plan has been generated yet.",
                fields={"state": interview.state},
            )
        plan = (
            Plan.objects.select_related("interview")
            .prefetch_related("questions")
            .get(pk=interview.current_plan_id, interview=interview)
        )
        return Response(PlanOut(plan).data)


class CancelIn(serializers.Serializer):
    reason = StrictCharField(max_length=1000, required=False, allow_blank=True, default="")


class InterviewCancelView(EitherView):
    @extend_schema(
        operation_id="a2a_interview_cancel",
        tags=["a2a"],
        summary="Cancel the interview",
        parameters=[RUN_ID],
        request=CancelIn,
        responses={200: StatusOut, 409: OpenApiResponse(description="Already finished"), **ERRORS},
    )
    def post(self, request, run_id):
        data = CancelIn(data=request.data)
        data.is_valid(raise_exception=True)
        interview = services.cancel(request.user, run_id, data.validated_data["reason"])
        interview.refresh_from_db()
        return Response(represent(StatusOut, selectors.status_body(interview)), status=status.HTTP_200_OK)


class AssessmentView(EitherView):
    @extend_schema(
        operation_id="a2a_interview_assessment",
        tags=["a2a"],
        summary="The interview's assessment",
        parameters=[RUN_ID],
        responses={200: AssessmentOut, 409: OpenApiResponse(description="Not assessed yet"), **ERRORS},
    )
    def get(self, request, run_id):
        interview = selectors.interview_for(request.user, run_id)
        assessment = selectors.latest_assessment(interview)
        if assessment is None:
            raise WrongState(
                f"The interview is {interview.state}; it has not been assessed yet.",
                fields={"state": interview.state},
            )
        return Response(AssessmentOut(assessment).data)

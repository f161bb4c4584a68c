"""The recruiters' decision endpoints of the A2A API: one view per decision kind, calling a service."""

from __future__ import annotations

from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework.response import Response
from rest_framework.views import APIView
from rest_framework_simplejwt.authentication import JWTAuthentication

from accounts.permissions import IsRecruiter
from interview_platform.api import Forbidden
from interviews import selectors
from interviews.api.views import ERRORS, RUN_ID

from . import services
from .serializers import AssessmentDecisionIn, AssessmentDecisionOut, PlanDecisionIn, PlanDecisionOut


class RecruiterView(APIView):
    authentication_classes = [JWTAuthentication]
    permission_classes = [IsRecruiter]


def check_acting_user(user, user_id) -> None:
    """A userId in a body must name the signed-in user: no deciding for someone else."""
    if user_id is not None and str(user_id) != str(user.id):
        raise Forbidden("userId must be the id of the signed-in user.", fields={"userId": str(user_id)})


class PlanApproveView(RecruiterView):
    @extend_schema(
        operation_id="a2a_interview_plan_decide",
        tags=["approvals"],
        summary="Approve or reject the plan",
        description=(
            "approved:true mints the candidate link (APPROVED). approved:false rejects (REJECTED); "
            "with regenerate:true a new plan version is generated using the feedback."
        ),
        parameters=[RUN_ID],
        request=PlanDecisionIn,
        responses={
            200: PlanDecisionOut,
            403: OpenApiResponse(description="Not a recruiter, or userId is not you"),
            409: OpenApiResponse(description="Not PENDING"),
            **ERRORS,
        },
    )
    def post(self, request, run_id):
        data = PlanDecisionIn(data=request.data)
        data.is_valid(raise_exception=True)
        values = data.validated_data
        interview = selectors.interview_for(request.user, run_id)
        check_acting_user(request.user, values.get("userId"))
        if values["approved"]:
            decide = services.plan_approve
        elif values["regenerate"]:
            decide = services.plan_regenerate
        else:
            decide = services.plan_reject
        decision = decide(
            request.user, interview, feedback=values["feedback"], expected_plan_id=values.get("planId")
        )
        return Response(
            {
                "message": decision.message,
                "workflowState": decision.workflow_state,
                "interviewLink": decision.interview_link,
            }
        )


class AssessmentApproveView(RecruiterView):
    @extend_schema(
        operation_id="a2a_interview_assessment_decide",
        tags=["approvals"],
        summary="Approve the assessment (optionally overriding it)",
        parameters=[RUN_ID],
        request=AssessmentDecisionIn,
        responses={
            200: AssessmentDecisionOut,
            409: OpenApiResponse(description="Not ASSESSMENT_PENDING"),
            **ERRORS,
        },
    )
    def post(self, request, run_id):
        data = AssessmentDecisionIn(data=request.data)
        data.is_valid(raise_exception=True)
        values = data.validated_data
        interview = selectors.interview_for(request.user, run_id)
        check_acting_user(request.user, values.get("userId"))
        # An override field sent as null is no override.
        overrides = {k: v for k, v in (values.get("overrides") or {}).items() if v is not None}
        user, feedback = request.user, values["feedback"]
        if not values["approved"]:
            decision = services.assessment_reject(user, interview, overrides=overrides, reason=feedback)
        elif overrides:
            decision = services.assessment_override(user, interview, overrides=overrides, reason=feedback)
        else:
            decision = services.assessment_approve(user, interview, feedback=feedback)
        return Response({"message": decision.message, "workflowState": decision.workflow_state})

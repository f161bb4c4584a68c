"""The webhook management API for an organization's admins: endpoints, secrets, deliveries.

Every queryset starts from the caller's organization, so another
organization's endpoint or delivery is a 404, never a 403 that confirms it
exists. One view per resource, serializers in and out, a service call; a refused
operation is a domain error the API's exception handler turns into the error
envelope.
"""

from __future__ import annotations

import uuid
from datetime import timedelta

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import status
from rest_framework.exceptions import NotFound
from rest_framework.pagination import PageNumberPagination
from rest_framework.response import Response
from rest_framework.views import APIView
from rest_framework_simplejwt.authentication import JWTAuthentication

from accounts.permissions import IsOrgAdmin
from interview_platform.schema import uuid_path

from . import secrets, services
from .models import Delivery, Endpoint
from .serializers import (
    DeliveryDetailOut,
    DeliveryFilterIn,
    DeliveryOut,
    DisableIn,
    EndpointCreatedOut,
    EndpointCreateIn,
    EndpointListOut,
    EndpointOut,
    EndpointPatchIn,
    RotateIn,
    RotateOut,
)

TAGS = ["webhooks"]
ERRORS = {
    401: OpenApiResponse(description="Missing or invalid access token"),
    403: OpenApiResponse(description="Not an ADMIN of the organization"),
}
NOT_FOUND = {404: OpenApiResponse(description="No such object in your organization")}
INVALID = {400: OpenApiResponse(description="Validation error: error.fields names each bad field")}
ENDPOINT_ID = uuid_path("endpoint_id", "The endpoint's id")
DELIVERY_ID = uuid_path("delivery_id", "The delivery's id")


class OrgAdminView(APIView):
    authentication_classes = [JWTAuthentication]
    permission_classes = [IsOrgAdmin]


def _uuid(value: str, what: str) -> uuid.UUID:
    try:
        return uuid.UUID(str(value))
    except ValueError:
        raise NotFound(f"No such {what}.") from None


def _endpoint_for(user, endpoint_id: str) -> Endpoint:
    try:
        return Endpoint.objects.get(organization_id=user.organization_id, id=_uuid(endpoint_id, "endpoint"))
    except Endpoint.DoesNotExist:
        raise NotFound("No such endpoint.") from None


def _deliveries_for(user):
    return (
        Delivery.objects.filter(event__organization_id=user.organization_id)
        .select_related("event__interview")
        .prefetch_related("attempts")
    )


def _delivery_for(user, delivery_id: str) -> Delivery:
    try:
        return _deliveries_for(user).get(id=_uuid(delivery_id, "delivery"))
    except Delivery.DoesNotExist:
        raise NotFound("No such delivery.") from None


def _overlap(request) -> timedelta:
    data = RotateIn(data=request.data)
    data.is_valid(raise_exception=True)
    return timedelta(hours=data.validated_data["expiresInHours"])


# --- Endpoints -------------------------------------------------------------------


class EndpointListView(OrgAdminView):
    @extend_schema(
        operation_id="webhooks_endpoints_list",
        tags=TAGS,
        summary="List the organization's webhook endpoints",
        description="Endpoints receive every event of interviews created without a callbackUrl.",
        responses={200: EndpointListOut, **ERRORS},
    )
    def get(self, request):
        endpoints = Endpoint.objects.filter(organization_id=request.user.organization_id)
        return Response({"results": EndpointOut(endpoints, many=True).data})

    @extend_schema(
        operation_id="webhooks_endpoints_create",
        tags=TAGS,
        summary="Register a webhook endpoint",
        description=(
            "The URL must be http(s) and reach a public address. The response carries the "
            "endpoint's signing secret, shown only this once (rotate it to get a new one)."
        ),
        request=EndpointCreateIn,
        responses={201: EndpointCreatedOut, **INVALID, **ERRORS},
    )
    def post(self, request):
        data = EndpointCreateIn(data=request.data)
        data.is_valid(raise_exception=True)
        endpoint = services.endpoint_create(
            organization_id=request.user.organization_id,
            url=data.validated_data["url"],
            description=data.validated_data["description"],
        )
        return Response(EndpointCreatedOut(endpoint).data, status=status.HTTP_201_CREATED)


class EndpointDetailView(OrgAdminView):
    @extend_schema(
        operation_id="webhooks_endpoints_get",
        tags=TAGS,
        summary="One webhook endpoint",
        parameters=[ENDPOINT_ID],
        responses={200: EndpointOut, **ERRORS, **NOT_FOUND},
    )
    def get(self, request, endpoint_id):
        return Response(EndpointOut(_endpoint_for(request.user, endpoint_id)).data)

    @extend_schema(
        operation_id="webhooks_endpoints_update",
        tags=TAGS,
        summary="Change an endpoint's URL or description, or turn it off and on",
        description=(
            '`{"isActive": true}` re-enables a disabled endpoint and resets its failure count; '
            "deliveries that failed meanwhile can be redelivered."
        ),
        parameters=[ENDPOINT_ID],
        request=EndpointPatchIn,
        responses={200: EndpointOut, **INVALID, **ERRORS, **NOT_FOUND},
    )
    def patch(self, request, endpoint_id):
        endpoint = _endpoint_for(request.user, endpoint_id)
        data = EndpointPatchIn(data=request.data)
        data.is_valid(raise_exception=True)
        endpoint = services.endpoint_update(
            endpoint,
            by=request.user.email,
            url=data.validated_data.get("url"),
            description=data.validated_data.get("description"),
            is_active=data.validated_data.get("isActive"),
        )
        return Response(EndpointOut(endpoint).data)


class EndpointDisableView(OrgAdminView):
    @extend_schema(
        operation_id="webhooks_endpoints_disable",
        tags=TAGS,
        summary="Stop sending webhooks to an endpoint",
        description=(
            "Pending deliveries to it fail without being sent. Disabling twice keeps the first reason."
        ),
        parameters=[ENDPOINT_ID],
        request=DisableIn,
        responses={200: EndpointOut, **ERRORS, **NOT_FOUND},
    )
    def post(self, request, endpoint_id):
        endpoint = _endpoint_for(request.user, endpoint_id)
        data = DisableIn(data=request.data)
        data.is_valid(raise_exception=True)
        reason = f"disabled by {request.user.email}"
        if data.validated_data["reason"]:
            reason += f": {data.validated_data['reason']}"
        return Response(EndpointOut(services.endpoint_disable(endpoint, reason)).data)


class EndpointRotateSecretView(OrgAdminView):
    @extend_schema(
        operation_id="webhooks_endpoints_rotate_secret",
        tags=TAGS,
        summary="Give an endpoint a new signing secret",
        description=(
            "Returns the new secret once. Until previousSecretExpiresAt (default 24 hours) each "
            "webhook to this endpoint is signed with both: `webhook-signature: v1,<new> v1,<old>`."
        ),
        parameters=[ENDPOINT_ID],
        request=RotateIn,
        responses={200: RotateOut, **INVALID, **ERRORS, **NOT_FOUND},
    )
    def post(self, request, endpoint_id):
        endpoint = _endpoint_for(request.user, endpoint_id)
        rotation = secrets.rotate_endpoint_secret(endpoint, expires_in=_overlap(request))
        return Response(RotateOut(rotation).data)


class OrganizationSecretRotateView(OrgAdminView):
    @extend_schema(
        operation_id="webhooks_secret_rotate",
        tags=TAGS,
        summary="Give the organization a new signing secret (callbackUrl webhooks)",
        description=(
            "The organization's secret signs webhooks sent to an interview's callbackUrl. Returns "
            "the new secret once; until previousSecretExpiresAt (default 24 hours) both signatures "
            "are sent."
        ),
        request=RotateIn,
        responses={200: RotateOut, **INVALID, **ERRORS},
    )
    def post(self, request):
        rotation = secrets.rotate_organization_secret(request.user.organization, expires_in=_overlap(request))
        return Response(RotateOut(rotation).data)


# --- Deliveries ------------------------------------------------------------------


class DeliveryPagination(PageNumberPagination):
    page_size = 50
    page_size_query_param = "pageSize"
    max_page_size = 200


class DeliveryListView(OrgAdminView):
    pagination_class = DeliveryPagination

    @extend_schema(
        operation_id="webhooks_deliveries_list",
        tags=TAGS,
        summary="The delivery log, newest first",
        parameters=[
            OpenApiParameter("status", str, enum=["PENDING", "SENDING", "SUCCEEDED", "FAILED"]),
            OpenApiParameter("event", str, description="Event type, e.g. interview.plan_generated"),
            OpenApiParameter("runId", OpenApiTypes.UUID, description="Only this interview's deliveries"),
            OpenApiParameter("endpointId", OpenApiTypes.UUID, description="Only deliveries to this endpoint"),
            OpenApiParameter("page", int),
            OpenApiParameter("pageSize", int, description="Default 50, at most 200"),
        ],
        responses={200: DeliveryOut(many=True), **INVALID, **ERRORS},
    )
    def get(self, request):
        filters = DeliveryFilterIn(data=request.query_params)
        filters.is_valid(raise_exception=True)
        wanted = filters.validated_data
        deliveries = _deliveries_for(request.user).order_by("-created_at", "-id")
        if "status" in wanted:
            deliveries = deliveries.filter(status=wanted["status"])
        if "event" in wanted:
            deliveries = deliveries.filter(event__type=wanted["event"])
        if "runId" in wanted:
            deliveries = deliveries.filter(event__interview__run_id=wanted["runId"])
        if "endpointId" in wanted:
            deliveries = deliveries.filter(endpoint_id=wanted["endpointId"])
        paginator = self.pagination_class()
        page = paginator.paginate_queryset(deliveries, request, view=self)
        return paginator.get_paginated_response(DeliveryOut(page, many=True).data)


class DeliveryDetailView(OrgAdminView):
    @extend_schema(
        operation_id="webhooks_deliveries_get",
        tags=TAGS,
        summary="One delivery with every attempt and the body sent",
        parameters=[DELIVERY_ID],
        responses={200: DeliveryDetailOut, **ERRORS, **NOT_FOUND},
    )
    def get(self, request, delivery_id):
        return Response(DeliveryDetailOut(_delivery_for(request.user, delivery_id)).data)


class DeliveryRedeliverView(OrgAdminView):
    @extend_schema(
        operation_id="webhooks_deliveries_redeliver",
        tags=TAGS,
        summary="Send a finished delivery's event again",
        description=(
            "Creates a new delivery of the same event (same body, same webhook-id) to the same URL. "
            "Only a SUCCEEDED or FAILED delivery can be redelivered, and not to a disabled endpoint."
        ),
        parameters=[DELIVERY_ID],
        request=None,
        responses={
            202: DeliveryOut,
            409: OpenApiResponse(description="Still being delivered, or the endpoint is disabled"),
            **ERRORS,
            **NOT_FOUND,
        },
    )
    def post(self, request, delivery_id):
        new = services.redeliver(_delivery_for(request.user, delivery_id))
        body = DeliveryOut(_delivery_for(request.user, new.id)).data
        return Response(body, status=status.HTTP_202_ACCEPTED)

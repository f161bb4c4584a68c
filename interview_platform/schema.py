"""OpenAPI generation: the error envelope and the error statuses every operation can answer.

Views declare what is particular to them (a 409 for a wrong state, a 422 for an
idempotency conflict). What follows from how a view is built is added here, so a
new endpoint documents it without anyone remembering to: 400 for a body or query
it parses, 401/403 when it needs credentials, 404 when its path names an object,
415 when it parses a body, 429 when it is throttled. Every 4xx is documented with
the JSON error envelope of ``interview_platform.api``.
"""

from __future__ import annotations

from drf_spectacular.openapi import AutoSchema
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter
from rest_framework import serializers
from rest_framework.permissions import AllowAny

# Path parameters, with the shape the server accepts: anything else is a 404.
UUID_PATTERN = r"^[0-9a-fA-F]{8}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{12}$"


def uuid_path(name: str, description: str) -> OpenApiParameter:
    return OpenApiParameter(name, OpenApiTypes.UUID, OpenApiParameter.PATH, description=description)


class ErrorDetailOut(serializers.Serializer):
    code = serializers.CharField(help_text="Machine-readable reason, e.g. validation_error, not_found")
    message = serializers.CharField(help_text="What went wrong, for a person")
    fields = serializers.DictField(
        child=serializers.JSONField(),
        help_text="Per-field problems (400), or the values that explain the refusal",
    )
    retryAfterSeconds = serializers.IntegerField(required=False, help_text="Only with 429")


class ErrorOut(serializers.Serializer):
    error = ErrorDetailOut()


_BODY_METHODS = ("POST", "PUT", "PATCH")
_DESCRIPTIONS = {
    "400": "Invalid input: error.fields names each bad field and why",
    "401": "Missing, malformed, expired or revoked credentials",
    "403": "Authenticated, but not allowed to do this",
    "404": "No such object in your organization",
    "415": "The body is not in a media type this operation reads",
    "429": "Too many requests; error.retryAfterSeconds says when to retry",
}


class ApiSchema(AutoSchema):
    def _get_response_bodies(self, direction="response"):
        responses = super()._get_response_bodies(direction)
        for code in self._implied_error_codes():
            responses.setdefault(code, {"description": _DESCRIPTIONS[code]})
        envelope = self.resolve_serializer(ErrorOut, "response").ref
        for code, response in responses.items():
            if str(code) >= "400" and not response.get("content"):
                response["content"] = {"application/json": {"schema": envelope}}
        return responses

    def _implied_error_codes(self) -> list[str]:
        view, codes = self.view, []
        reads_body = self.method in _BODY_METHODS
        has_query = any(
            getattr(parameter, "location", None) == OpenApiParameter.QUERY
            for parameter in self.get_override_parameters()
        )
        if reads_body or has_query:
            codes.append("400")
        if not all(permission is AllowAny for permission in view.permission_classes):
            codes += ["401", "403"]
        if "{" in self.path or self._get_paginator():
            codes.append("404")  # an unknown object, or a page past the last
        if reads_body:
            codes.append("415")
        if getattr(view, "throttle_classes", None):
            codes.append("429")
        return codes

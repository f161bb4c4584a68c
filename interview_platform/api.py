"""API-wide pieces: the error envelope, the domain-error mapping, output serializers built once.

Every error leaves as ``{"error": {"code", "message", "fields"}}``.
"""

from __future__ import annotations

import functools

from django.core.exceptions import PermissionDenied, RequestDataTooBig
from django.http import Http404
from rest_framework import exceptions, serializers, status
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler


class DomainError(Exception):
    """A business rule said no. Views turn it into an API error."""

    status_code = status.HTTP_409_CONFLICT
    code = "conflict"

    def __init__(self, message: str, *, code: str | None = None, fields: dict | None = None):
        super().__init__(message)
        self.message = message
        if code:
            self.code = code
        self.fields = fields or {}


class WrongState(DomainError):
    status_code = status.HTTP_409_CONFLICT
    code = "wrong_state"


class Invalid(DomainError):
    """Input a business rule refuses; reported like a serializer's 400."""

    status_code = status.HTTP_400_BAD_REQUEST
    code = "validation_error"


class IdempotencyConflict(DomainError):
    status_code = status.HTTP_422_UNPROCESSABLE_ENTITY
    code = "idempotency_conflict"


class Unauthenticated(DomainError):
    status_code = status.HTTP_401_UNAUTHORIZED
    code = "unauthenticated"


class Forbidden(DomainError):
    status_code = status.HTTP_403_FORBIDDEN
    code = "forbidden"


class StrictBooleanField(serializers.BooleanField):
    """JSON true/false only: "yes" or 1 for a decision is a mistake worth reporting."""

    def to_internal_value(self, data):
        if not isinstance(data, bool):
            self.fail("invalid", input=data)
        return data


class StrictCharField(serializers.CharField):
    """Text only: a number or boolean where text belongs is a mistake, not something to stringify."""

    default_error_messages = {"not_a_string": "Must be a string."}

    def to_internal_value(self, data):
        if not isinstance(data, str):
            self.fail("not_a_string")
        return super().to_internal_value(data)


# An input serializer whose fields are built once per class, not on every request.
# DRF copies every declared field for each serializer instance; these fields
# keep nothing of a request (errors and data stay on the serializer), so all
# instances share one set, bound to a first instance that is never used.
# Only for serializers that are never partial and need no context.
# (A comment, not a docstring: the OpenAPI schema would take it as the description
# of every serializer built on it.)
class FieldsBuiltOnce(serializers.Serializer):
    @property
    def fields(self):
        cls = type(self)
        built = _BUILT_FIELDS.get(cls)
        if built is None:
            built = _BUILT_FIELDS.setdefault(cls, serializers.Serializer.fields.func(cls()))
        return built


_BUILT_FIELDS: dict[type, object] = {}


class StrictIntegerField(serializers.IntegerField):
    """A JSON integer only: "24", 24.5 or true are refused rather than converted."""

    def to_internal_value(self, data):
        if isinstance(data, bool) or not isinstance(data, int):
            self.fail("invalid")
        return super().to_internal_value(data)


_CODES = {
    400: "validation_error",
    401: "unauthenticated",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    406: "not_acceptable",
    409: "conflict",
    413: "too_large",
    415: "unsupported_media_type",
    422: "unprocessable",
    429: "throttled",
}


def _flatten(detail) -> object:
    if isinstance(detail, dict):
        return {key: _flatten(value) for key, value in detail.items()}
    if isinstance(detail, list):
        if all(not isinstance(item, dict | list) for item in detail):
            return " ".join(str(item) for item in detail)
        return [_flatten(item) for item in detail]
    return str(detail)


def error_body(code: str, message: str, fields: dict | None = None) -> dict:
    return {"error": {"code": code, "message": message, "fields": fields or {}}}


def too_large_body() -> dict:
    from django.conf import settings

    limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE
    return error_body("too_large", f"The request body is larger than {limit} bytes.")


_TOKEN_REFUSALS = {
    "token_not_valid": ("invalid_token", "Token is invalid or expired."),
    "bad_authorization_header": (
        "invalid_token",
        'The Authorization header must be "Bearer <access token>".',
    ),
    "user_not_found": ("invalid_token", "Token is invalid or expired."),
    "user_inactive": ("account_inactive", "This account is not active."),
    "password_changed": ("invalid_token", "Token is invalid or expired."),
}


def _token_refusal(detail: dict) -> tuple[str, str]:
    code = str(detail.get("code", ""))
    if code in _TOKEN_REFUSALS:
        return _TOKEN_REFUSALS[code]
    return "unauthenticated", str(detail.get("detail") or "Authentication failed.")


def exception_handler(exc, context):
    if isinstance(exc, RequestDataTooBig):
        return Response(too_large_body(), status=status.HTTP_413_REQUEST_ENTITY_TOO_LARGE)
    if isinstance(exc, DomainError):
        return Response(error_body(exc.code, exc.message, exc.fields), status=exc.status_code)
    if isinstance(exc, Http404):
        exc = exceptions.NotFound()
    elif isinstance(exc, PermissionDenied):
        exc = exceptions.PermissionDenied()
    response = drf_exception_handler(exc, context)
    if response is None:
        return None
    code = _CODES.get(response.status_code, "error")
    if isinstance(exc, exceptions.ValidationError):
        detail = exc.detail
        fields = _flatten(detail) if isinstance(detail, dict) else {"nonFieldErrors": _flatten(detail)}
        names = ", ".join(fields) if isinstance(fields, dict) else ""
        message = f"Invalid input: {names}." if names else "Invalid input."
        response.data = error_body(code, message, fields if isinstance(fields, dict) else {})
    elif isinstance(getattr(exc, "detail", None), dict):
        # simplejwt's refusals carry {"detail", "code", "messages"}: say it plainly, keep its code.
        code, message = _token_refusal(exc.detail)
        response.data = error_body(code, message)
    else:
        detail = getattr(exc, "detail", str(exc))
        response.data = error_body(code, str(detail))
        if isinstance(exc, exceptions.Throttled) and exc.wait:
            response.data["error"]["retryAfterSeconds"] = int(exc.wait)
    return response


@functools.cache
def _output_serializer(serializer_class):
    serializer = serializer_class()
    serializer.fields  # noqa: B018 -- built (deep-copied and bound) here, once
    return serializer


def represent(serializer_class, instance) -> dict:
    """``serializer_class(instance).data`` for an output-only serializer, its fields built once.

    Building a serializer's fields copies every declared field; an output
    serializer's ``to_representation`` reads them and changes nothing, so one
    instance per class serves every request. No context: for serializers that need none.
    """
    return _output_serializer(serializer_class).to_representation(instance)

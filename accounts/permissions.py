from rest_framework.permissions import BasePermission

from .authentication import ApiClient
from .models import Role


class IsApiClient(BasePermission):
    message = "This endpoint needs an X-API-Key header."

    def has_permission(self, request, view):
        return isinstance(request.user, ApiClient)


class IsOrgMember(BasePermission):
    """A signed-in person who belongs to an organization."""

    message = "This endpoint needs a recruiter's or admin's access token (Authorization: Bearer)."

    def has_permission(self, request, view):
        user = request.user
        return bool(
            user and not isinstance(user, ApiClient) and user.is_authenticated and user.organization_id
        )


class IsRecruiter(IsOrgMember):
    message = "Only an ADMIN or RECRUITER of the organization may decide this."

    def has_permission(self, request, view):
        return super().has_permission(request, view) and request.user.role in (Role.ADMIN, Role.RECRUITER)


class IsOrgAdmin(IsOrgMember):
    message = "Only an ADMIN of the organization may do this."

    def has_permission(self, request, view):
        return super().has_permission(request, view) and request.user.role == Role.ADMIN


class IsApiClientOrOrgMember(BasePermission):
    message = "Authenticate with X-API-Key or Authorization: Bearer <token>."

    def has_permission(self, request, view):
        return IsApiClient().has_permission(request, view) or IsOrgMember().has_permission(request, view)

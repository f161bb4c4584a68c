from django.http import JsonResponse
from django.views.csrf import csrf_failure as html_csrf_failure

from .api import error_body


def csrf_failure(request, reason=""):
    """API callers get the JSON error envelope; pages keep Django's explanation."""
    if request.path.startswith("/api/"):
        return JsonResponse(
            error_body(
                "csrf_failed",
                "The request was refused because its CSRF token is missing or wrong. "
                "Reload the page and try again.",
            ),
            status=403,
        )
    return html_csrf_failure(request, reason=reason)

from django.http import JsonResponse
from django.views.csrf import csrf_failure as html_csrf_failure

from .api import error_body


def csrf_failure(request, reason=""):
    """API callers get the JSON error envelope; pages keep Django's explanation."""
    if _wants_json(request):
        return JsonResponse(
            error_body(
                "csrf_failed",
                "The request was refused because its CSRF token is missing or wrong. "
                "Reload the page and try again.",
            ),
            status=403,
        )
    return html_csrf_failure(request, reason=reason)


def _wants_json(request) -> bool:
    return request.path.startswith("/api/")


def bad_request(request, exception=None):
    """A body over DATA_UPLOAD_MAX_MEMORY_SIZE, a malformed request: JSON for API paths."""
    from django.core.exceptions import RequestDataTooBig
    from django.views.defaults import bad_request as html_bad_request

    from .api import too_large_body

    if _wants_json(request):
        if isinstance(exception, RequestDataTooBig):
            return JsonResponse(too_large_body(), status=413)
        return JsonResponse(error_body("bad_request", "The request could not be read."), status=400)
    return html_bad_request(request, exception)


def not_found(request, exception=None):
    """JSON for API paths (a client parsing errors should never get an HTML page)."""
    from django.views.defaults import page_not_found

    if _wants_json(request):
        return JsonResponse(error_body("not_found", f"No endpoint at {request.path}."), status=404)
    return page_not_found(request, exception)


def server_error(request):
    from django.views.defaults import server_error as html_server_error

    if _wants_json(request):
        return JsonResponse(
            error_body("server_error", "Something went wrong on our side. It has been logged."), status=500
        )
    return html_server_error(request)

from django.http import HttpResponseNotFound, HttpResponseServerError, JsonResponse
from django.template import loader
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


# The candidate's pages live under this path; everything else is the recruiters' and operators'.
CANDIDATE_PREFIX = "/interview/"


def _error_template(request, status: int) -> str:
    """The candidate's branded page on their paths, the dashboard's everywhere else."""
    return f"candidate/{status}.html" if request.path.startswith(CANDIDATE_PREFIX) else f"{status}.html"


def not_found(request, exception=None):
    """JSON for API paths (clients parsing errors never get HTML); a branded page otherwise."""
    if _wants_json(request):
        return JsonResponse(error_body("not_found", f"No endpoint at {request.path}."), status=404)
    # No request context: the page needs no database, session or signed-in user.
    body = loader.render_to_string(_error_template(request, 404), {"request_path": request.path})
    return HttpResponseNotFound(body)


def server_error(request):
    if _wants_json(request):
        return JsonResponse(
            error_body("server_error", "Something went wrong on our side. It has been logged."), status=500
        )
    # Whatever failed (the database, a template tag), this page needs nothing but its template.
    return HttpResponseServerError(loader.get_template(_error_template(request, 500)).render())

"""Response headers every page and API answer gets.

- Every HTML page gets a Content-Security-Policy (the candidate's page sets its
  own, stricter one, which is kept). Nothing on these pages comes from another
  origin, and no page has inline scripts, so a script injected through data
  (a candidate's answer, a position title) cannot run.
- Every API answer gets ``Cache-Control: no-store``: they carry candidates'
  personal data, which no browser or proxy cache should keep.
"""

from __future__ import annotations

from django.conf import settings

_BASE = {
    "default-src": "'self'",
    "script-src": "'self'",
    "style-src": "'self'",
    "img-src": "'self' data:",
    "connect-src": "'self'",
    "object-src": "'none'",
    "base-uri": "'none'",
    "form-action": "'self'",
    "frame-ancestors": "'none'",
}
# Swagger UI ships an inline <style> block and sets styles from its scripts;
# its scripts still come only from this server.
_DOCS = {**_BASE, "style-src": "'self' 'unsafe-inline'"}


def _policy(directives: dict) -> str:
    return "; ".join(f"{name} {value}" for name, value in directives.items())


PAGE_POLICY = _policy(_BASE)
DOCS_POLICY = _policy(_DOCS)


class SecurityHeadersMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response
        self.docs_prefix = "/api/docs/"

    def __call__(self, request):
        response = self.get_response(request)
        path = request.path
        if path.startswith("/api/"):
            response["Cache-Control"] = "no-store"
        content_type = response.get("Content-Type", "")
        # Django's DEBUG error pages (never in production) are styled and scripted inline.
        debug_page = settings.DEBUG and response.status_code >= 400
        if (
            content_type.startswith("text/html")
            and "Content-Security-Policy" not in response
            and not debug_page
        ):
            policy = DOCS_POLICY if path.startswith(self.docs_prefix) else PAGE_POLICY
            response["Content-Security-Policy"] = policy
        return response

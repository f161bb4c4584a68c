"""Every HTML page has a Content-Security-Policy, and none of them breaks under it (a real browser)."""

from __future__ import annotations

import pytest
from django.conf import settings as django_settings

from accounts.models import User
from tests.pages import PASSWORD, sign_in
from tests.second_factor import verified_client

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

# Collected in the page itself: the browser reports each refused script, style or request here.
WATCH = """
window.__csp = [];
document.addEventListener("securitypolicyviolation", (e) => {
  const where = e.sourceFile + ":" + e.lineNumber;
  window.__csp.push(e.violatedDirective + " " + (e.blockedURI || "inline") + " " + where);
});
"""


def visit(page, url: str, console: list[str], ready: str | None = None) -> None:
    response = page.goto(url)
    assert response.status == 200, url
    assert "script-src 'self'" in response.headers["content-security-policy"], url
    if ready:
        page.locator(ready).first.wait_for()
    page.wait_for_load_state("networkidle")
    violations = page.evaluate("window.__csp")
    assert violations == [], (url, violations)
    assert not [m for m in console if "Content Security Policy" in m], (url, console)


def test_dashboard_ops_and_api_docs_run_under_the_policy(page, recruiter, make_pending, assessed):
    console: list[str] = []
    page.on("console", lambda message: console.append(message.text) if message.type == "error" else None)
    page.context.add_init_script(WATCH)
    pending = make_pending()

    sign_in(page, recruiter)
    for url in (
        "/admin/approvals",
        "/admin/interviews",
        "/admin/interviews/compare?position=Senior+Software+Engineer",
        f"/admin/interviews/{pending.run_id}/plan",
        f"/admin/interviews/{assessed.run_id}/assessment",
        f"/admin/interviews/{assessed.run_id}/assessment/confirm",
        f"/admin/interviews/{assessed.run_id}/report",
    ):
        visit(page, url, console)

    # The operators' admin, signed in as a superuser whose second factor is verified.
    operator = User.objects.create_superuser("ops@acme.test", PASSWORD)
    client = verified_client(operator)
    page.context.clear_cookies()
    page.context.add_cookies(
        [
            {
                "name": django_settings.SESSION_COOKIE_NAME,
                "value": client.cookies[django_settings.SESSION_COOKIE_NAME].value,
                "url": page.url.split("/admin/")[0],
            }
        ]
    )
    for url in (
        "/ops/",
        "/ops/interviews/interview/",
        f"/ops/interviews/interview/{assessed.pk}/change/",
        "/ops/webhooks/endpoint/add/",
        "/ops/accounts/user/",
    ):
        visit(page, url, console, ready="#content")

    # The API docs: Swagger UI renders the schema (its script is a file, not inline).
    visit(page, "/api/docs/", console, ready=".swagger-ui .info")
    assert page.locator(".opblock").count() > 5

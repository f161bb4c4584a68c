"""Reading the recruiters' pages in tests."""

from __future__ import annotations

import re
from pathlib import Path


def queue_rows(html: str) -> list[str]:
    """The run IDs of the queue's rows, in page order."""
    return re.findall(r'<tr data-run-id="([0-9a-f-]+)"', html)


def messages_of(response) -> list[str]:
    return [str(m) for m in response.context["messages"]] if response.context else []


SCREENSHOTS = Path(__file__).resolve().parents[2] / "test-output" / "screenshots"
PASSWORD = "S3cure-pass!"


def shot(page, name: str, **kwargs) -> None:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    # From the top, so sticky panels are drawn where a reader first sees them.
    page.evaluate("window.scrollTo(0, 0)")
    page.screenshot(path=str(SCREENSHOTS / f"dashboard-{name}.png"), full_page=True, **kwargs)


def sign_in(page, user, *, screenshot: bool = False) -> None:
    """Sign in through the pages; ADMINs (who must) get an authenticator app and type its code."""
    from accounts import mfa
    from tests.second_factor import enrol, next_code

    device = enrol(user) if mfa.requires_factor(user) else mfa.app_device(user)
    page.goto("/admin/approvals")
    assert "/accounts/login/?next=/admin/approvals" in page.url
    page.get_by_label("Email").fill(user.email)
    page.get_by_label("Password").fill(PASSWORD)
    if screenshot:
        shot(page, "sign-in")
    page.get_by_role("button", name="Sign in").click()
    if device is not None:
        page.wait_for_url("**/accounts/login/code/**")
        page.get_by_label("Code").fill(next_code(device))
        page.get_by_role("button", name="Verify").click()
    page.wait_for_url("**/admin/approvals")

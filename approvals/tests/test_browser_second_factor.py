"""Two-step sign-in in a real browser: an ADMIN enrols from the QR code's secret, then signs in with codes.

The test is the authenticator app: it reads the secret the page shows and
computes the codes from it, as a phone would.
"""

from __future__ import annotations

import base64
import time

import pytest

from tests.pages import PASSWORD, shot
from tests.second_factor import code_for_key

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def password_step(page, user) -> None:
    page.goto("/admin/approvals")
    page.get_by_label("Email").fill(user.email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()


def sign_out(page) -> None:
    page.get_by_role("button", name="Sign out").click()
    page.wait_for_url("**/accounts/login/")


def enrol_from_the_page(page, expect) -> tuple[bytes, list[str]]:
    """On the enrolment page: read the secret, type a wrong code, then the right one; the recovery codes."""
    expect(page.get_by_role("heading", name="Set up your authenticator app")).to_be_visible()
    expect(page.get_by_role("note")).to_contain_text("must set up two-step sign-in")
    expect(page.locator(".qr svg")).to_be_visible()
    shot(page, "two-factor-setup")
    secret = page.locator("#totp-secret").inner_text().replace(" ", "")
    key = base64.b32decode(secret + "=" * (-len(secret) % 8))
    page.get_by_label("Code").fill("000000" if code_for_key(key) != "000000" else "111111")
    page.get_by_role("button", name="Turn on two-step sign-in").click()
    expect(page.locator(".field .error")).to_contain_text("not right")
    time.sleep(1.1)  # a wrong code makes the device wait a second before the next try
    page.get_by_label("Code").fill(code_for_key(key))
    page.get_by_role("button", name="Turn on two-step sign-in").click()
    page.wait_for_url("**/admin/account/two-factor/recovery-codes?next=/admin/interviews")
    codes = page.locator(".recovery-codes code").all_inner_texts()
    assert len(codes) == 10 and len(set(codes)) == 10
    shot(page, "two-factor-recovery-codes")
    return key, codes


def test_an_admin_enrols_then_signs_in_with_a_code_and_a_recovery_code(page, org_admin):
    from playwright.sync_api import expect

    password_step(page, org_admin)
    page.wait_for_url("**/admin/account/two-factor?next=/admin/approvals")
    # Nothing else opens before the factor is set up.
    page.goto("/admin/interviews")
    page.wait_for_url("**/admin/account/two-factor?next=/admin/interviews")
    key, codes = enrol_from_the_page(page, expect)
    page.get_by_role("link", name="I have saved my recovery codes").click()
    page.wait_for_url("**/admin/interviews")
    expect(page.get_by_role("heading", name="Interviews")).to_be_visible()

    # The user menu leads to the factor's page, which now manages it.
    page.get_by_role("link", name="Two-step sign-in").click()
    expect(page.get_by_role("heading", name="Two-step sign-in is on")).to_be_visible()
    expect(page.get_by_text("You have 10 unused recovery codes.")).to_be_visible()

    # Next sign-in: password, then a recovery code (once).
    sign_out(page)
    password_step(page, org_admin)
    page.wait_for_url("**/accounts/login/code/?next=/admin/approvals")
    shot(page, "two-factor-code")
    page.get_by_label("Code").fill(codes[0])
    page.get_by_role("button", name="Verify").click()
    page.wait_for_url("**/admin/approvals")

    sign_out(page)
    password_step(page, org_admin)
    page.get_by_label("Code").fill(codes[0])
    page.get_by_role("button", name="Verify").click()
    expect(page.locator(".field .error")).to_contain_text("already been used")
    # The app's next code (the enrolment spent the current one: each code works once).
    page.get_by_label("Code").fill(code_for_key(key, step_offset=1))
    time.sleep(1.1)
    page.get_by_role("button", name="Verify").click()
    page.wait_for_url("**/admin/approvals")
    renew_then_remove(page, expect, codes)


def renew_then_remove(page, expect, codes: list[str]) -> None:
    """New recovery codes replace the old ones; then the factor is removed with the password."""
    page.goto("/admin/account/two-factor")
    expect(page.get_by_text("You have 9 unused recovery codes.")).to_be_visible()
    page.get_by_role("button", name="Make new recovery codes").click()
    page.wait_for_url("**/admin/account/two-factor/recovery-codes")
    fresh = page.locator(".recovery-codes code").all_inner_texts()
    assert len(fresh) == 10 and not set(fresh) & set(codes)
    page.goto("/admin/account/two-factor")
    page.get_by_label("Current code or password").fill(PASSWORD)
    page.get_by_role("button", name="Turn off two-step sign-in").click()
    expect(page.get_by_text("Two-step sign-in is off")).to_be_visible()
    # An ADMIN is asked to set it up again straight away.
    expect(page.get_by_role("heading", name="Set up your authenticator app")).to_be_visible()

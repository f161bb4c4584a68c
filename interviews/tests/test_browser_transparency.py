"""The welcome page's transparency texts and the help panel during the interview, in Chromium.

Against the embedded server `make run` starts (daphne, jobs in process): the
candidate's steps before the interview go through the page's own endpoints,
then the browser starts the interview, types part of an answer and opens
"Having trouble?": the help shows, the answer stays.
"""

from __future__ import annotations

import re
import time

import pytest
import requests
from playwright.sync_api import expect, sync_playwright

from accounts.management.commands.seed_demo import DEMO_API_KEY, DEMO_CONTACT_EMAIL
from tests.factories import SEED_BODY, page_url
from tests.live import ROOT, embedded_server, read_code
from tests.services import chromium_path

pytestmark = pytest.mark.browser

SCREENSHOTS = ROOT / "test-output" / "screenshots"
VIEWPORTS = {"desktop": {"width": 1280, "height": 800}, "phone": {"width": 390, "height": 844}}
API = "/api/v1/a2a/interview"
DRAFT = "I would start by measuring where the time goes, then"


def approved_token(base: str) -> str:
    ats = {"X-API-Key": DEMO_API_KEY}
    body = {key: value for key, value in SEED_BODY.items() if key != "callbackUrl"}
    run_id = requests.post(f"{base}{API}", headers=ats, json=body, timeout=10).json()["runId"]
    deadline = time.monotonic() + 30
    while requests.get(f"{base}{API}/{run_id}/status", headers=ats, timeout=10).json()["state"] != "PENDING":
        assert time.monotonic() < deadline, "no plan"
        time.sleep(0.2)
    login = requests.post(
        f"{base}/api/v1/auth/login",
        json={"email": "admin@demo.ai-interview.com", "password": "Admin123!"},
        timeout=10,
    ).json()
    approved = requests.post(
        f"{base}{API}/{run_id}/approve",
        headers={"Authorization": f"Bearer {login['accessToken']}"},
        json={"approved": True},
        timeout=10,
    ).json()
    return approved["interviewLink"].rsplit("/", 1)[1]


def shot(page, name: str) -> None:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / f"candidate-{name}.png"), full_page=True)


def check_welcome(page, token: str, viewport: str) -> None:
    page.goto(page_url(token))
    section = page.locator("#transparency")
    expect(section.get_by_role("heading", name="How AI is used")).to_be_visible()
    expect(page.locator("#ai-use")).to_contain_text("A person at Demo reviews every interview")
    expect(page.locator("#ai-use")).to_contain_text(
        "Nothing analyses your face, expressions or tone of voice."
    )
    expect(page.locator("#ai-use")).to_contain_text("The camera is optional")
    expect(page.locator("#human-review")).to_contain_text(
        "You can ask for a person to look at your interview again"
    )
    expect(page.locator("#privacy")).to_contain_text("Demo uses this interview to assess your application")
    expect(page.locator("#retention")).to_contain_text(
        "Audio recordings of spoken answers: deleted after 90 days."
    )
    expect(page.get_by_role("link", name="Request an accommodation")).to_have_attribute(
        "href", re.compile(rf"^mailto:{re.escape(DEMO_CONTACT_EMAIL)}\?subject=Accommodation")
    )
    expect(page.locator("#support-contact")).to_have_text(DEMO_CONTACT_EMAIL)
    # Nothing of the section runs off the screen on a phone.
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= page.viewport_size["width"], f"{viewport}: the page is {width}px wide"
    shot(page, f"welcome-transparency-{viewport}")


def verify_through_the_endpoints(page, token: str, mail_dir) -> None:
    """The steps before the interview, as the page's scripts make them (same cookies, same endpoints)."""
    csrf = next(c["value"] for c in page.context.cookies() if c["name"] == "csrftoken")
    headers = {"X-CSRFToken": csrf}

    def post(action, body=None):
        response = page.request.post(
            f"/api/v1/candidate/join/{token}/{action}", data=body or {}, headers=headers
        )
        assert response.ok, f"{action}: {response.status} {response.text()}"

    post("otp")
    post("verify", {"code": read_code(mail_dir)})
    post("consent")
    post("device-check", {"camera": False, "microphone": False, "details": {"mode": "typing"}})


def check_help_keeps_the_draft(page, viewport: str) -> None:
    page.reload()
    page.get_by_role("button", name="Start interview").click()
    box = page.locator("#answer")
    expect(box).to_be_enabled(timeout=20_000)
    box.fill(DRAFT)
    toggle = page.get_by_text("Having trouble?", exact=True)
    expect(toggle).to_be_visible()
    toggle.click()
    panel = page.locator("#help-body")
    expect(panel).to_be_visible()
    expect(panel).to_contain_text("Your answer so far stays where it is")
    expect(panel).to_contain_text("Type your answer instead")
    expect(page.locator("#help-contact")).to_have_attribute(
        "href", re.compile(rf"^mailto:{DEMO_CONTACT_EMAIL}")
    )
    expect(box).to_have_value(DRAFT)
    page.locator("#help").scroll_into_view_if_needed()
    shot(page, f"interview-help-{viewport}")
    toggle.click()
    expect(panel).to_be_hidden()
    expect(box).to_have_value(DRAFT)
    expect(page.get_by_role("button", name="Send answer")).to_be_enabled()


@pytest.mark.parametrize("viewport", ["desktop", "phone"])
def test_welcome_page_transparency_and_help_during_the_interview(tmp_path, viewport):
    chromium = chromium_path()
    with embedded_server(tmp_path) as base:
        token = approved_token(base)
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(
                executable_path=chromium, args=["--no-sandbox", "--disable-background-networking"]
            )
            context = browser.new_context(viewport=VIEWPORTS[viewport], base_url=base)
            context.set_default_timeout(10_000)
            page = context.new_page()
            errors: list[str] = []
            page.on("pageerror", lambda exc: errors.append(str(exc)))
            check_welcome(page, token, viewport)
            verify_through_the_endpoints(page, token, tmp_path)
            check_help_keeps_the_draft(page, viewport)
            browser.close()
    assert not errors, errors

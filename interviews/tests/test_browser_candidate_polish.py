"""The candidate's pages at 1280×800, 1024×768 and 390×844, in Chromium against daphne and a worker.

Checked on the way through: "1 try left", a question's `code` shown as code (and never as
markup), the Send button in view without scrolling, a clear focus ring on the primary button,
the connection line coming back to "Connected" after the network or the socket drops, and a
done page that says each thing once. Screenshots: test-output/screenshots/polish-candidate-*.png.
"""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect, sync_playwright

from approvals import plan_editing
from approvals.services import plan_approve
from interviews.models import Interview, State
from tests.factories import BODY, CREATE, page_url
from tests.live import live_stack, read_code
from tests.polish import SCREENSHOTS, VIEWPORTS, check_layout, contrast, overflowing
from tests.services import chromium_path, redis_url

PRIMARY = ".button-primary"
LONG_TOKEN = "https://docs.example.com/" + "a-very-long-path-segment-" * 7 + "x" * 10
QUESTION = (
    f"Read {LONG_TOKEN} first. How does `React.memo` change re-renders, "
    "and why is `<img src=x onerror=alert(1)>` harmless here?"
)
LAUNCH_ARGS = ["--no-sandbox", "--disable-background-networking"]


def _interview_with_code_in_a_question(ats, recruiter, capture) -> tuple[Interview, str]:
    with capture(execute=True):
        run_id = ats.post(CREATE, BODY, format="json").json()["runId"]
    interview = Interview.objects.get(run_id=run_id)
    plan = interview.current_plan
    first = plan.questions.order_by("position").first()
    plan_editing.edit_question(
        recruiter, interview, plan.id, first.id, text=QUESTION, rubric=first.rubric, minutes=first.minutes
    )
    with capture(execute=True):
        link = plan_approve(recruiter, Interview.objects.get(pk=interview.pk)).interview_link
    return Interview.objects.get(pk=interview.pk), link.rsplit("/", 1)[1]


def at_every_size(page, name: str, **kwargs) -> None:
    for viewport in VIEWPORTS:
        page.set_viewport_size(viewport)
        check_layout(page, f"candidate-{name}", PRIMARY, **kwargs)
    page.set_viewport_size(VIEWPORTS[0])


def send_in_view(page) -> dict:
    """Where the Send button is with the page scrolled to the top: it must be on screen."""
    page.evaluate("window.scrollTo(0, 0)")
    return page.locator("#send").evaluate(
        "e => { const r = e.getBoundingClientRect(); "
        "return {top: r.top, bottom: r.bottom, height: innerHeight}; }"
    )


class Candidate:
    def __init__(self, page, token: str, data_dir):
        self.page, self.token, self.data_dir = page, token, data_dir

    def welcome_and_code(self) -> None:
        page = self.page
        page.goto(page_url(self.token))
        at_every_size(page, "welcome")
        page.get_by_label(re.compile("my answers are recorded, assessed by AI")).check()
        page.get_by_role("button", name="Send me a code").click()
        code = read_code(self.data_dir)
        wrong = f"{(int(code) + 1) % 1_000_000:06d}"
        for left in ("4 tries left.", "3 tries left.", "2 tries left.", "1 try left."):
            page.get_by_label("One-time code").fill(wrong)
            page.get_by_role("button", name="Verify").click()
            expect(page.locator("#code-error")).to_have_text(f"That code is not right. {left}")
        at_every_size(page, "code")
        page.get_by_label("One-time code").fill(code)
        page.get_by_role("button", name="Verify").click()
        page.get_by_label(re.compile("Type my answers")).check()
        page.get_by_role("button", name="Start interview").click()
        expect(page.locator("#connection")).to_have_text(re.compile("Connected"))

    def question_with_code(self) -> None:
        page = self.page
        text = page.locator("#question-text")
        expect(text.locator("code").first).to_have_text("React.memo")
        expect(text.locator("code").nth(1)).to_have_text("<img src=x onerror=alert(1)>")
        expect(text.locator("img")).to_have_count(0)
        assert "`" not in text.inner_text()
        for viewport in VIEWPORTS:
            page.set_viewport_size(viewport)
            if viewport["width"] < 640:
                # As a phone opens it: the page comes back to the waiting question.
                page.reload()
                expect(text.locator("code").first).to_have_text("React.memo")
                expect(page.locator("#intro")).not_to_have_attribute("open", "")
            check_layout(page, "candidate-interview", PRIMARY, full_page=False)
            assert not overflowing(page, "#question-text, .question, #step-interview"), viewport
            where = send_in_view(page)
            assert where["top"] >= 0 and where["bottom"] <= where["height"], (viewport, where)
        page.set_viewport_size(VIEWPORTS[0])

    def focus_ring(self) -> None:
        page = self.page
        page.locator("#answer").fill("A first draft of my answer.")
        page.keyboard.press("Tab")  # from the answer to the Send button, as a keyboard user would
        send = page.locator("#send")
        expect(send).to_be_focused()
        ring = send.evaluate(
            """e => { const s = getComputedStyle(e); return {visible: e.matches(":focus-visible"),
                width: s.outlineWidth, style: s.outlineStyle, color: s.outlineColor, offset: s.outlineOffset,
                card: getComputedStyle(e.closest(".card")).backgroundColor}; }"""
        )
        assert ring["visible"] and ring["style"] == "solid", ring
        assert float(ring["width"].removesuffix("px")) >= 3, ring
        assert contrast(ring["color"], ring["card"]) >= 3, (ring, contrast(ring["color"], ring["card"]))
        box = send.bounding_box()
        around = {
            "x": box["x"] - 12,
            "y": box["y"] - 12,
            "width": box["width"] + 24,
            "height": box["height"] + 24,
        }
        page.screenshot(path=str(SCREENSHOTS / "polish-candidate-focus-ring.png"), clip=around)

    def connection_comes_back(self, context, routes: list) -> None:
        """The network goes away and comes back; then the socket itself is dropped and restored."""
        page, line = self.page, self.page.locator("#connection")
        context.set_offline(True)
        expect(line).to_have_text(re.compile("Offline"))
        expect(line).to_have_attribute("data-state", "offline")
        context.set_offline(False)
        expect(line).to_have_text(re.compile("Connected"), timeout=8_000)
        expect(line).to_have_attribute("data-state", "connected")
        routes[-1].close(code=1011, reason="gone")
        expect(line).to_have_text(re.compile("Reconnecting"))
        expect(line).to_have_text(re.compile("Connected"), timeout=10_000)
        assert len(routes) >= 2
        # The page works on the new socket: the question is asked again, the draft is kept.
        expect(page.locator("#answer")).to_have_value("A first draft of my answer.")
        expect(page.locator("#send")).to_be_enabled()

    def answer_everything(self) -> None:
        page = self.page
        for _ in range(30):
            if page.locator("#step-done").is_visible():
                return
            previous = page.locator("#question").get_attribute("data-question-id") or ""
            if page.locator("#question").get_attribute("data-kind") == "closing":
                page.get_by_role("button", name="No questions, thanks").click()
            else:
                page.locator("#answer").fill(
                    "I would measure first with a profiler, find the slow part, change one thing, "
                    "and measure again to confirm the fix, weighing memoization against simpler code."
                )
                page.get_by_role("button", name="Send answer").click()
            page.wait_for_function(
                """(previous) => !document.getElementById('step-done').hidden
                    || (document.getElementById('question').dataset.questionId || '') !== previous""",
                arg=previous,
                timeout=20_000,
            )
        pytest.fail("the interview did not end")

    def done_says_each_thing_once(self) -> None:
        page = self.page
        expect(page.get_by_role("heading", name="You’re all done")).to_be_visible()
        message = page.locator("#done-message")
        expect(message).to_have_text(
            "Thank you for your time and thoughtful answers, that's all the questions we have."
        )
        done = page.locator("#step-done").inner_text()
        assert "What happens next" not in done
        assert done.count("reviews") == 1 and done.count("close this window") == 1, done
        expect(page.locator("#questions-passed-on")).to_be_hidden()  # "No questions, thanks"
        at_every_size(page, "done")


@pytest.mark.browser
@pytest.mark.integration
@pytest.mark.django_db(transaction=True)
def test_the_candidates_pages_read_well_at_every_size(tmp_path, settings, ats, recruiter, capture):
    redis, chromium = redis_url(), chromium_path()
    settings.CELERY_TASK_ALWAYS_EAGER = True  # plan in this process, before the stack empties Redis
    interview, token = _interview_with_code_in_a_question(ats, recruiter, capture)
    settings.CELERY_TASK_ALWAYS_EAGER = False
    errors: list[str] = []
    with live_stack(redis, tmp_path) as (base_url, _env, data_dir), sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=chromium, args=LAUNCH_ARGS)
        context = browser.new_context(viewport=VIEWPORTS[0], base_url=base_url)
        page = context.new_page()
        page.on("pageerror", lambda error: errors.append(str(error)))
        routes: list = []

        def through(route):
            routes.append(route)
            route.connect_to_server()

        page.route_web_socket(re.compile(r"/ws/interview/"), through)
        candidate = Candidate(page, token, data_dir)
        candidate.welcome_and_code()
        candidate.question_with_code()
        candidate.focus_ring()
        candidate.connection_comes_back(context, routes)
        candidate.answer_everything()
        candidate.done_says_each_thing_once()
        browser.close()
    assert not errors, errors
    assert Interview.objects.get(pk=interview.pk).state in (State.IN_PROGRESS, State.ASSESSMENT_PENDING)

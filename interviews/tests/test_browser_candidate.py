"""The candidate's whole journey through the join page in a real browser.

The browser test drives the system Chromium against a real daphne server and a
real Celery worker (tests/live.py): consent, the emailed code, a candidate
without camera or microphone who types (no device gate), the interviewer's
introduction, the thread of earlier answers, repeat and rephrase, every
question including follow-ups and the closing "any questions for us?", a
takeover by a second window, a dropped connection, and the next steps.
The spoken journey is in test_browser_voice.py.
"""

from __future__ import annotations

import json
import re
import time
from pathlib import Path

import pytest
from playwright.sync_api import expect, sync_playwright

from interviews.models import IntegrityEvent, State, Turn
from tests.factories import approved_link, page_url
from tests.live import ROOT, live_stack, read_code
from tests.services import chromium_path, redis_url

SCREENSHOTS = ROOT / "test-output" / "screenshots"
ANSWERS = json.loads((Path(__file__).parent / "data" / "answers.json").read_text())


def answer_for(question: dict, index: int, kind: str, seen_followup: bool) -> str:
    """A realistic answer for question ``index`` (1-based): weak for the first one, to draw a follow-up."""
    sample = ANSWERS.get(question["key"], {})
    fallback = f"I would approach {question['skill']} step by step: measure first, then weigh the trade-offs."
    if kind == "followup":
        return sample.get("strong_answer", fallback)
    if index == 1 and not seen_followup and sample.get("weak_answer"):
        return sample["weak_answer"]
    return sample.get("strong_answer", fallback)


# No fake camera or microphone: this candidate has neither.
LAUNCH_ARGS = ["--no-sandbox", "--disable-background-networking"]
CLOSING_ANSWER = "What does the first month in the team look like?"
DESKTOP = {"width": 1280, "height": 860}
PHONE = {"width": 390, "height": 844}
# The microphone fails like on a machine without one: the browser API is stubbed for one call.
NO_MICROPHONE_ONCE = """() => {
    const real = navigator.mediaDevices.getUserMedia.bind(navigator.mediaDevices);
    navigator.mediaDevices.getUserMedia = () => {
        navigator.mediaDevices.getUserMedia = real;
        return Promise.reject(new DOMException("Requested device not found", "NotFoundError"));
    };
}"""


def shot(page, name: str) -> None:
    page.screenshot(path=str(SCREENSHOTS / name), full_page=True)


def question_id(page) -> str:
    return page.locator("#question").get_attribute("data-question-id") or ""


def wait_for_next(page, previous: str) -> None:
    page.wait_for_function(
        """(previous) => !document.getElementById('step-done').hidden
            || (document.getElementById('question').dataset.questionId || '') !== previous""",
        arg=previous,
        timeout=20_000,
    )


class Journey:
    """One candidate in Chromium. Playwright's sync API runs an event loop, where Django refuses
    database queries: what the answers need is read before, the database is checked after."""

    def __init__(self, token: str, questions: list[dict], chromium: str):
        self.token, self.questions, self.chromium = token, questions, chromium
        self.total = len(questions)
        self.kinds: list[str] = []
        self.typed: dict[str, str] = {}  # questionId → the answer sent
        self.problems: list[str] = []

    def watch(self, page) -> None:
        page.on("pageerror", lambda error: self.problems.append(f"page error: {error}"))
        page.on(
            "console",
            lambda message: (
                self.problems.append(f"console: {message.text}")
                if message.type == "error" and "Content Security Policy" in message.text
                else None
            ),
        )

    def answer_current(self, page, how: str) -> str:
        qid = question_id(page)
        if page.locator("#question").get_attribute("data-kind") == "closing":
            return self.answer_closing(page, qid)
        progress = page.locator("#progress-text").inner_text()
        match = re.fullmatch(r"Question (\d+) of (\d+)", progress)
        assert match, progress
        assert int(match.group(2)) == self.total
        kind = page.locator("#question").get_attribute("data-kind")
        index = int(match.group(1))
        text = answer_for(self.questions[index - 1], index, kind, "followup" in self.kinds)
        self.kinds.append(kind)
        box = page.locator("#answer")
        expect(box).to_be_enabled()
        if how == "paste":
            self.pasted = len(text)
            page.evaluate("text => navigator.clipboard.writeText(text)", text)
            box.focus()
            page.keyboard.press("ControlOrMeta+V")
            expect(box).to_have_value(text)
        else:
            box.fill(text)
        expect(page.locator("#answer-count")).to_contain_text(f"{len(text):,} / 10,000")
        if how == "click":
            page.get_by_role("button", name="Send answer").click()
        else:
            box.press("Control+Enter")
        self.typed[qid] = text
        return qid

    def answer_closing(self, page, qid: str) -> str:
        """The closing question: not numbered, never scored, the candidate's own questions."""
        expect(page.locator("#progress-text")).to_have_text("Last part: your questions")
        expect(page.locator("#closing-badge")).to_be_visible()
        expect(page.get_by_label("Your questions for us (optional)")).to_be_enabled()
        expect(page.get_by_role("button", name="No questions, thanks")).to_be_visible()
        shot(page, "08-closing.png")
        page.get_by_label("Your questions for us (optional)").fill(CLOSING_ANSWER)
        page.get_by_role("button", name="Send answer").click()
        self.kinds.append("closing")
        self.typed[qid] = CLOSING_ANSWER
        return qid

    def run(self, base_url: str, data_dir) -> None:
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=self.chromium, args=LAUNCH_ARGS)
            context = browser.new_context(viewport=DESKTOP, base_url=base_url)
            context.grant_permissions(["clipboard-read", "clipboard-write"], origin=base_url)
            page = context.new_page()
            self.watch(page)
            self.welcome_and_consent(page)
            self.email_code(page, data_dir)
            self.device_check(page)
            self.first_question(page)
            second = self.take_over(context, page)
            self.reconnect(second)
            self.answer_the_rest(second)
            self.done(second)
            # Small screens get the same flow, laid out for them.
            phone = browser.new_context(viewport=PHONE, base_url=base_url).new_page()
            phone.goto(page_url("not-a-real-token-0000000000000000"))
            shot(phone, "10-link-unknown-phone.png")
            browser.close()

    def welcome_and_consent(self, page) -> None:
        page.goto(page_url(self.token))
        expect(page.get_by_role("heading", name="Senior Software Engineer interview")).to_be_visible()
        expect(page.locator("#step-welcome")).to_contain_text(f"{self.total} questions")
        expect(page.locator("#step-welcome")).to_contain_text("j***@example.com")
        expect(page.get_by_role("link", name="Request an accommodation")).to_have_attribute(
            "href", re.compile(r"^mailto:talent@")
        )
        expect(page.locator("#consent-detail")).to_contain_text("audio recordings")
        expect(page.locator("#consent-detail")).to_contain_text("Nothing is recorded from your camera")
        shot(page, "01-welcome.png")
        page.set_viewport_size(PHONE)
        shot(page, "01-welcome-phone.png")
        page.set_viewport_size(DESKTOP)
        page.get_by_role("button", name="Send me a code").click()
        expect(page.locator("#consent-error")).to_be_visible()  # consent comes first
        page.get_by_label(re.compile("my answers are recorded, assessed by AI")).check()
        page.get_by_role("button", name="Send me a code").click()

    def email_code(self, page, data_dir) -> None:
        """The emailed code: a wrong one first, then the right one."""
        expect(page.get_by_role("heading", name="Check your email")).to_be_visible()
        expect(page.get_by_label("One-time code")).to_be_focused()  # ready for typing or autofill
        expect(page.locator("#step-code")).to_contain_text("j***@example.com")
        expect(page.locator("#resend")).to_be_disabled()
        expect(page.locator("#resend")).to_have_text(re.compile(r"Send a new code \(0:[0-5]\d\)"))
        code = read_code(data_dir)
        page.get_by_label("One-time code").fill(f"{(int(code) + 1) % 1_000_000:06d}")
        page.get_by_role("button", name="Verify").click()
        expect(page.locator("#code-error")).to_contain_text("tries left")
        shot(page, "02-code-wrong.png")
        page.get_by_label("One-time code").fill(code)
        page.get_by_role("button", name="Verify").click()

    def device_check(self, page) -> None:
        """Voice first, but there is no microphone: "I can't use a microphone" continues with typing."""
        start = page.get_by_role("button", name="Start interview")
        expect(page.get_by_role("heading", name="How would you like to answer?")).to_be_visible()
        expect(start).to_be_disabled()
        page.evaluate(NO_MICROPHONE_ONCE)
        page.get_by_label(re.compile("Speak my answers")).check()
        expect(page.locator("#check-microphone")).to_have_attribute("data-state", "fail")
        expect(page.locator("#device-help")).to_contain_text("could not find a microphone")
        expect(start).to_be_disabled()
        shot(page, "03-no-microphone.png")
        page.get_by_role("button", name="I can’t use a microphone").click()
        expect(page.get_by_label(re.compile("Type my answers"))).to_be_checked()
        expect(page.locator("#device-info")).to_contain_text("you will type your answers")
        expect(page.locator("#camera-panel")).to_contain_text("nothing is recorded from your camera")
        expect(start).to_be_enabled()
        shot(page, "03-typing-chosen.png")
        page.set_viewport_size(PHONE)
        shot(page, "03-typing-chosen-phone.png")
        page.set_viewport_size(DESKTOP)
        start.click()

    def first_question(self, page) -> None:
        expect(page.locator("#connection")).to_have_text(re.compile("Connected"))
        expect(page.locator("#progress-text")).to_have_text(f"Question 1 of {self.total}")
        expect(page.locator("#intro")).to_be_visible()
        expect(page.locator("#intro")).to_contain_text("Alex")
        expect(page.locator("#agenda")).to_contain_text(f"{self.total} questions")
        expect(page.locator("#voice")).to_be_hidden()  # typing: no recorder
        expect(page.locator("#answer")).to_be_focused()
        shot(page, "04-question.png")
        self.repeat_and_rephrase(page)
        first = self.answer_current(page, "paste")  # the paste is reported as an integrity event
        wait_for_next(page, first)
        # The answered question stays in the thread above the next one.
        expect(page.locator("#thread")).to_contain_text(self.typed[first][:40])
        if page.locator("#question").get_attribute("data-kind") == "followup":
            expect(page.locator("#followup-badge")).to_be_visible()
            expect(page.locator("#progress-text")).to_have_text(f"Question 1 of {self.total}")
            shot(page, "05-followup.png")
            wait_for_next(page, self.answer_current(page, "click"))

    def repeat_and_rephrase(self, page) -> None:
        qid, asked = question_id(page), page.locator("#question-text").inner_text()
        page.get_by_role("button", name="Repeat the question").click()
        expect(page.locator("#status")).to_contain_text(f"Again: {asked[:30]}")
        page.get_by_role("button", name="Say it another way").click()
        expect(page.locator("#status")).to_contain_text("In other words:")
        expect(page.locator("#question-text")).not_to_have_text(asked)
        expect(page.get_by_role("button", name="Say it another way")).to_be_enabled()
        assert question_id(page) == qid
        shot(page, "04-rephrased.png")

    def take_over(self, context, page):
        """A second window takes over; the first says so and stops. Returns the second."""
        assert page.locator("#step-done").is_hidden(), "the plan should have more than one question"
        self.waiting = question_id(page)
        self.routes = []

        def through(route):
            self.routes.append(route)
            route.connect_to_server()

        second = context.new_page()
        self.watch(second)
        second.route_web_socket(re.compile(r"/ws/interview/"), through)
        second.goto(page_url(self.token))
        expect(second.locator("#step-interview")).to_be_visible()
        second.wait_for_function(
            "id => document.getElementById('question').dataset.questionId === id", arg=self.waiting
        )
        expect(page.locator("#interview-notice")).to_contain_text(
            "This interview was opened in another window"
        )
        expect(page.locator("#answer")).to_be_disabled()
        shot(page, "06-taken-over.png")
        page.close()
        return second

    def reconnect(self, page) -> None:
        """The connection drops with a draft in the box: it comes back, at the same question, draft intact."""
        draft = "A draft that must survive the reconnect"
        page.locator("#answer").fill(draft)
        self.routes[-1].close(code=1011, reason="gone")
        expect(page.locator("#connection")).to_have_text(re.compile("Reconnecting"))
        shot(page, "07-reconnecting.png")
        expect(page.locator("#connection")).to_have_text(re.compile("Connected"), timeout=10_000)
        assert len(self.routes) >= 2
        assert question_id(page) == self.waiting
        expect(page.locator("#answer")).to_have_value(draft)
        expect(page.locator("#answer")).to_be_enabled()
        page.set_viewport_size(PHONE)
        shot(page, "07-question-phone.png")
        page.set_viewport_size(DESKTOP)

    def answer_the_rest(self, page) -> None:
        hows = ["keys", "click"]
        for turn in range(4 * self.total):
            if page.locator("#step-done").is_visible():
                return
            if turn == 1:
                page.get_by_role("button", name="Read aloud").click()
                expect(page.get_by_role("button", name="Read aloud")).to_have_attribute(
                    "aria-pressed", "true"
                )
            wait_for_next(page, self.answer_current(page, hows[turn % 2]))
        pytest.fail("the interview did not end")

    def done(self, page) -> None:
        """The closing message; then the link has done its job."""
        expect(page.get_by_role("heading", name="You’re all done")).to_be_visible()
        expect(page.locator("#done-message")).not_to_be_empty()
        expect(page.get_by_role("heading", name="Next steps")).to_be_visible()
        shot(page, "08-done.png")
        response = page.goto(page_url(self.token))
        assert response.status == 410
        expect(page.get_by_role("heading", name="This interview is already complete")).to_be_visible()
        shot(page, "09-link-used.png")


@pytest.mark.browser
@pytest.mark.integration
@pytest.mark.django_db(transaction=True)
def test_candidate_journey_in_a_real_browser(
    tmp_path, settings, ats, recruiter_client, recruiter, django_capture_on_commit_callbacks
):
    redis = redis_url()
    chromium = chromium_path()
    # Plan and approve in this process before the stack starts (its start empties Redis).
    settings.CELERY_TASK_ALWAYS_EAGER = True
    interview, token = approved_link(ats, recruiter_client, recruiter, django_capture_on_commit_callbacks)
    settings.CELERY_TASK_ALWAYS_EAGER = False
    interview.organization.contact_email = "talent@acme.test"
    interview.organization.save(update_fields=["contact_email"])
    questions = list(interview.current_plan.questions.order_by("position").values("key", "skill"))
    journey = Journey(token, questions, chromium)
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    started = time.monotonic()
    with live_stack(redis, tmp_path) as (base_url, _env, data_dir):
        journey.run(base_url, data_dir)
        # The worker assesses the transcript; wait for it, boundedly.
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            interview.refresh_from_db()
            if interview.state == State.ASSESSMENT_PENDING:
                break
            time.sleep(0.3)
    assert interview.state == State.ASSESSMENT_PENDING
    assert not journey.problems, journey.problems

    turns = list(Turn.objects.filter(interview=interview).order_by("sequence"))
    assert all(t.answered_at for t in turns)
    assert [t.kind for t in turns] == journey.kinds
    assert {t.question_index for t in turns if t.kind == "main"} == set(range(journey.total))
    assert len([t for t in turns if t.kind == "main"]) == journey.total
    assert {t.public_id: t.answer_text for t in turns} == {
        qid: text.strip() for qid, text in journey.typed.items()
    }
    paste = IntegrityEvent.objects.get(interview=interview, event="paste")
    assert paste.detail == {"chars": journey.pasted}
    assert [t.kind for t in turns][-1] == "closing"
    assert all(t.recording_id is None and t.transcript_edited is None for t in turns)
    assert time.monotonic() - started < 90

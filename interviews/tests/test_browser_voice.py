"""A spoken interview in a real browser, from the microphone to the recruiter's audio player.

Chromium's fake microphone plays a wav that espeak-ng speaks in the test; the
page records it with MediaRecorder, uploads it, the Celery worker transcribes
it with PocketSphinx, the transcript arrives on the socket, the candidate
corrects it and sends it. The recruiter's assessment page then plays the
recording. Screenshots at 1280x800 and 390x844 go to test-output/screenshots/.
"""

from __future__ import annotations

import re
import time

import pytest
from playwright.sync_api import expect, sync_playwright

from interviews.models import Recording, State, Turn
from tests.factories import approved_link, page_url
from tests.live import ROOT, live_stack, read_code
from tests.plugin import PASSWORD
from tests.services import chromium_path, redis_url
from tests.speech import spoken_wav

SCREENSHOTS = ROOT / "test-output" / "screenshots"
DESKTOP = {"width": 1280, "height": 800}
PHONE = {"width": 390, "height": 844}
SPOKEN = "I would measure the slow requests first, then add an index and cache the results."
TYPED = "I would start from the data: measure, compare the options, and explain the trade-offs to the team."


def shot(page, name: str) -> None:
    page.screenshot(path=str(SCREENSHOTS / f"voice-{name}.png"), full_page=True)


def both_sizes(page, name: str) -> None:
    shot(page, name)
    page.set_viewport_size(PHONE)
    shot(page, f"{name}-phone")
    page.set_viewport_size(DESKTOP)


class SpokenJourney:
    def __init__(self, token: str, wav, chromium: str):
        self.token, self.wav, self.chromium = token, wav, chromium
        self.problems: list[str] = []
        self.sent: dict[str, str] = {}

    def watch(self, page) -> None:
        page.on("pageerror", lambda error: self.problems.append(f"page error: {error}"))

    def candidate(self, browser, base_url: str, data_dir) -> None:
        context = browser.new_context(viewport=DESKTOP, base_url=base_url)
        context.grant_permissions(["microphone"], origin=base_url)
        page = context.new_page()
        self.watch(page)
        page.goto(page_url(self.token))
        page.get_by_label(re.compile("my answers are recorded, assessed by AI")).check()
        page.get_by_role("button", name="Send me a code").click()
        page.get_by_label("One-time code").fill(read_code(data_dir))
        page.get_by_role("button", name="Verify").click()
        self.choose_voice(page)
        self.speak_first_answer(page)
        self.answer_the_rest(page)
        context.close()

    def choose_voice(self, page) -> None:
        expect(page.get_by_role("heading", name="How would you like to answer?")).to_be_visible()
        page.get_by_label(re.compile("Speak my answers")).check()
        expect(page.locator("#check-microphone")).to_have_attribute("data-state", "ok")
        start = page.get_by_role("button", name="Start interview")
        expect(start).to_be_enabled()
        page.wait_for_timeout(300)  # the level meter moves with the fake microphone
        both_sizes(page, "01-voice-chosen")
        start.click()

    def speak_first_answer(self, page) -> None:
        read_aloud = page.get_by_role("button", name="Read aloud")
        expect(page.locator("#progress-text")).to_have_text(re.compile(r"Question 1 of \d+"))
        expect(page.locator("#intro")).to_be_visible()
        expect(page.locator("#intro")).to_contain_text("Alex")
        expect(page.locator("#agenda")).to_contain_text("speak or type each answer")
        expect(read_aloud).to_have_attribute("aria-pressed", "true")  # voice: the interviewer is heard
        read_aloud.click()  # mute
        expect(read_aloud).to_have_attribute("aria-pressed", "false")
        qid = page.locator("#question").get_attribute("data-question-id")
        both_sizes(page, "02-question")
        page.get_by_role("button", name="Record answer").click()
        expect(page.get_by_role("button", name="Finish and transcribe")).to_be_visible()
        page.wait_for_timeout(1500)
        page.get_by_role("button", name="Pause").click()
        expect(page.get_by_role("button", name="Resume")).to_be_visible()
        shot(page, "03-paused")
        page.get_by_role("button", name="Resume").click()
        page.wait_for_timeout(5000)  # the fake microphone loops the spoken sentence
        uploads = self.drop_first_upload(page)
        page.get_by_role("button", name="Finish and transcribe").click()
        answer = page.locator("#answer")
        expect(page.locator("#voice-status")).to_contain_text("Correct anything we misheard", timeout=60_000)
        assert len(uploads) == 2 and uploads[0] == uploads[1] > 1000, "retried with the same recording"
        transcript = answer.input_value()
        assert transcript.strip(), "the transcript reached the answer box"
        expect(page.locator("#playback")).to_be_visible()
        both_sizes(page, "04-transcript")
        corrected = transcript.strip() + " Then I would check the results."
        answer.fill(corrected)
        page.get_by_role("button", name="Send answer").click()
        page.wait_for_function(
            "id => document.getElementById('question').dataset.questionId !== id "
            "|| !document.getElementById('step-done').hidden",
            arg=qid,
            timeout=20_000,
        )
        expect(page.locator("#thread")).to_contain_text("Then I would check the results.")
        self.sent[qid] = corrected

    @staticmethod
    def drop_first_upload(page) -> list[int]:
        """The connection drops during the first upload: the page keeps the recording and sends it again."""
        sizes: list[int] = []

        def flaky(route):
            sizes.append(len(route.request.post_data_buffer or b""))
            if len(sizes) == 1:
                route.abort("connectionreset")
            else:
                route.continue_()

        page.route(re.compile(r"/answers/[^/]+/audio$"), flaky)
        return sizes

    def answer_the_rest(self, page) -> None:
        for _ in range(20):
            if page.locator("#step-done").is_visible():
                break
            qid = page.locator("#question").get_attribute("data-question-id")
            expect(page.locator("#answer")).to_be_enabled()
            if page.locator("#question").get_attribute("data-kind") == "closing":
                shot(page, "05-closing")
                page.get_by_role("button", name="No questions, thanks").click()
                self.sent[qid] = ""
            else:
                page.locator("#answer").fill(TYPED)  # typing stays available in a spoken interview
                page.get_by_role("button", name="Send answer").click()
                self.sent[qid] = TYPED
            page.wait_for_function(
                "id => document.getElementById('question').dataset.questionId !== id "
                "|| !document.getElementById('step-done').hidden",
                arg=qid,
                timeout=20_000,
            )
        expect(page.get_by_role("heading", name="Next steps")).to_be_visible()
        both_sizes(page, "06-done")

    def recruiter(self, browser, base_url: str, run_id, email: str) -> float:
        """The recruiter signs in and plays the first answer's recording; returns its duration."""
        context = browser.new_context(viewport=DESKTOP, base_url=base_url)
        page = context.new_page()
        self.watch(page)
        page.goto(f"/admin/interviews/{run_id}/assessment")
        page.get_by_label("Email").fill(email)
        page.get_by_label("Password").fill(PASSWORD)
        page.get_by_role("button", name="Sign in").click()
        expect(page.locator("#transcript-title")).to_be_visible()
        # Each question is folded to one line; the recruiter opens the first one.
        page.locator("#answer-1 > summary").click()
        audio = page.locator("audio.recording").first
        expect(audio).to_be_visible()
        expect(page.locator(".spoken .edited").first).to_contain_text("Transcript edited")
        expect(page.locator("#candidate-questions-title")).to_be_visible()
        page.wait_for_function(
            "() => { const a = document.querySelector('audio.recording'); return a && a.readyState >= 1; }",
            timeout=15_000,
        )
        duration = page.evaluate(
            """async () => {
                const audio = document.querySelector('audio.recording');
                audio.muted = true;
                await audio.play();
                await new Promise((resolve) => setTimeout(resolve, 400));
                const played = audio.currentTime;
                audio.pause();
                // webm from MediaRecorder has no duration in its header until it was read through.
                return played > 0 ? Math.max(played, isFinite(audio.duration) ? audio.duration : 0) : 0;
            }"""
        )
        page.evaluate("window.scrollTo(0, 0)")
        both_sizes(page, "07-recruiter-assessment")
        page.goto(f"/admin/interviews/{run_id}/report")
        expect(page.locator("audio.recording").first).to_be_attached()
        shot(page, "08-report")
        context.close()
        return duration


@pytest.mark.browser
@pytest.mark.integration
@pytest.mark.django_db(transaction=True)
def test_spoken_answer_from_microphone_to_recruiter(
    tmp_path, settings, monkeypatch, ats, recruiter_client, recruiter, django_capture_on_commit_callbacks
):
    redis = redis_url()
    chromium = chromium_path()
    wav = tmp_path / "answer.wav"
    wav.write_bytes(spoken_wav(SPOKEN, rate=48_000))
    settings.CELERY_TASK_ALWAYS_EAGER = True
    interview, token = approved_link(ats, recruiter_client, recruiter, django_capture_on_commit_callbacks)
    settings.CELERY_TASK_ALWAYS_EAGER = False
    # The stack's processes know the production hashers only (tests use a fast one).
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.PBKDF2PasswordHasher"]
    recruiter.set_password(PASSWORD)
    recruiter.save(update_fields=["password"])
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    journey = SpokenJourney(token, wav, chromium)
    args = [
        "--no-sandbox",
        "--disable-background-networking",
        "--use-fake-ui-for-media-stream",
        "--use-fake-device-for-media-stream",
        f"--use-file-for-fake-audio-capture={wav}",
        "--autoplay-policy=no-user-gesture-required",
    ]
    stack = live_stack(redis, tmp_path, STT_PROVIDER="pocketsphinx")
    with stack as (base_url, _env, data_dir), sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=chromium, args=args)
        journey.candidate(browser, base_url, data_dir)
        # Playwright's loop runs in this thread; reading the state between the two browsers is deliberate
        # (set only now: the stack's processes were started without it).
        monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            interview.refresh_from_db()
            if interview.state == State.ASSESSMENT_PENDING:
                break
            time.sleep(0.3)
        assert interview.state == State.ASSESSMENT_PENDING
        duration = journey.recruiter(browser, base_url, interview.run_id, recruiter.email)
        browser.close()
    assert not journey.problems, journey.problems
    assert duration > 0, "the recruiter's audio player played the recording"

    spoken = Turn.objects.get(interview=interview, sequence=0)
    assert spoken.recording_id is not None
    assert spoken.answer_text == journey.sent[spoken.public_id]
    assert spoken.transcript_edited is True and 0 < spoken.transcript_edit_ratio < 1
    recording = Recording.objects.get(pk=spoken.recording_id)
    assert recording.status == Recording.Status.DONE and recording.text
    assert recording.content_type.startswith("audio/webm")
    closing = Turn.objects.get(interview=interview, kind=Turn.Kind.CLOSING)
    assert closing.answered_at and closing.answer_text == ""
    assert all(t.recording_id is None for t in Turn.objects.filter(interview=interview, sequence__gt=0))

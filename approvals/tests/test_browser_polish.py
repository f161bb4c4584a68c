"""The recruiters' pages at 1280×800, 1024×768 and 390×844: nothing sideways, nothing cut off.

Each page is screenshotted at each size (test-output/screenshots/polish-<page>-<width>.png) and
measured: the page never scrolls sideways, primary buttons sit wholly inside their card and the
viewport, long words wrap, and tables wider than their box say so.
"""

from __future__ import annotations

import pytest

from approvals import plan_editing
from interviews.models import Interview
from tests.pages import sign_in
from tests.polish import SCREENSHOTS, VIEWPORTS, check_layout, contrast, overflowing, shot_name, sticking_out
from webhooks.models import Delivery, Event

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PRIMARY = ".btn.primary, .btn.success"
LONG_NAME = "Maximiliana Wolfeschlegelsteinhausen-Bergdorff"
LONG_EMAIL = "maximiliana.wolfeschlegelsteinhausen@recruiting.very-long-company-domain.example.com"
LONG_TOKEN = "https://docs.example.com/" + "a-very-long-path-segment-" * 7 + "x" * 10  # 200 characters
RAW_ERROR = (
    "timeout after 10s: _GuardedHTTPSConnectionPool(host='ats.very-long-company-domain.example.com', "
    "port=443): Read timed out. (read timeout=10)"
)


def every_size(page, name: str, **kwargs):
    """``check_layout`` at each size; yields the width, so a test can look closer at each."""
    for viewport in VIEWPORTS:
        page.set_viewport_size(viewport)
        page.reload()
        yield viewport["width"], check_layout(page, name, PRIMARY, **kwargs)


def test_the_queue_fits_every_screen(page, org_admin, make_pending, make_assessed):
    from playwright.sync_api import expect

    make_pending(
        candidateName=LONG_NAME, candidateEmail=LONG_EMAIL, position="Senior Staff Platform Engineer"
    )
    make_assessed(candidateName="Ada Lovelace", candidateEmail="ada@example.com")
    sign_in(page, org_admin)
    for width, measured in every_size(page, "queue", containers=".card, .scroll-cue"):
        approve = [b for b in measured["buttons"] if b["text"] == "Approve"]
        assert len(approve) == 2, (width, measured)
        assert not sticking_out(page, "#queue-list .card"), width
        # The count badge is readable: white on its colour at 4.5:1 at least.
        badge = page.locator("#nav-queue-count")
        expect(badge).to_have_text("2")
        colours = badge.evaluate("e => [getComputedStyle(e).color, getComputedStyle(e).backgroundColor]")
        assert contrast(*colours) >= 4.5, (width, colours, contrast(*colours))


def _plan_with_long_words(make_pending, org_admin) -> Interview:
    interview = make_pending()
    plan = interview.current_plan
    first = plan.questions.order_by("position").first()
    rubric = plan_editing.rubric_dict(
        [(LONG_TOKEN, ["x" * 120]), ("profiling", [])],
        f"Pastes {LONG_TOKEN} without reading it.",
        "Reads `React.Profiler` output.",
        f"Explains {LONG_TOKEN} and `useMemo` trade-offs.",
    )
    text = f"Read {LONG_TOKEN} and tell me how `React.memo` changes re-renders."
    plan_editing.edit_question(org_admin, interview, plan.id, first.id, text=text, rubric=rubric, minutes=8)
    return Interview.objects.get(pk=interview.pk)


def test_the_plan_wraps_long_words_and_shows_code(page, org_admin, make_pending):
    from playwright.sync_api import expect

    interview = _plan_with_long_words(make_pending, org_admin)
    sign_in(page, org_admin)
    page.goto(f"/admin/interviews/{interview.run_id}/plan")
    expect(page.locator("#question-1 .question-text code")).to_have_text("React.memo")
    for width, _ in every_size(page, "plan"):
        assert not overflowing(page, ".rubric .level, .question-text, .chip, .question"), width
        assert not sticking_out(page, ".question"), width
        page.locator("#question-1").screenshot(path=str(SCREENSHOTS / shot_name("plan-question", width)))
    # One label per idea: a behavioral question is not "Behavioral · Behavioral".
    behavioral = page.locator(".question", has=page.locator(".badge.tone-action", has_text="Behavioral"))
    expect(behavioral.first.locator(".question-head .badge", has_text="Behavioral")).to_have_count(1)


def test_the_interview_page_tables_say_they_scroll(page, org_admin, make_pending):
    from playwright.sync_api import expect

    interview = make_pending(candidateName=LONG_NAME, candidateEmail=LONG_EMAIL)
    event = Event.objects.filter(interview=interview).first()
    for status, error in (("FAILED", RAW_ERROR), ("PENDING", "HTTP 503"), ("SUCCEEDED", "")):
        Delivery.objects.create(
            event=event,
            url=f"https://ats.example.com/{'hook/' * 30}",
            status=status,
            attempt_count=1,
            last_error=error,
        )
    sign_in(page, org_admin)
    page.goto(f"/admin/interviews/{interview.run_id}")
    for width, _ in every_size(page, "detail"):
        page.locator("#deliveries details.integration").first.evaluate("e => e.open = true")
        page.get_by_test_id("ai-integration").evaluate("e => e.open = true")
        frames = page.locator(".scroll-cue")
        expect(frames.first).to_be_attached()
        for index in range(frames.count()):
            frame = frames.nth(index)
            box = frame.locator(":scope > .table-wrap, :scope > .results")
            wider = box.evaluate("e => e.scrollWidth > e.clientWidth + 1")
            hint = frame.locator(".scroll-hint")
            if wider:
                classes = frame.evaluate("e => [...e.classList]")
                assert {"can-scroll", "more-right"} <= set(classes), (width, classes)
                expect(hint).to_be_visible()
            else:
                expect(hint).to_be_hidden()
        assert not sticking_out(page, "#deliveries .reason, .timeline li"), width
        page.locator("#deliveries").screenshot(path=str(SCREENSHOTS / shot_name("detail-deliveries", width)))

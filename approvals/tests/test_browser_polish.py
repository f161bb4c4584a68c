"""The recruiters' pages at 1280×800, 1024×768 and 390×844: nothing sideways, nothing cut off.

Each page is screenshotted at each size (test-output/screenshots/polish-<page>-<width>.png) and
measured: the page never scrolls sideways, primary buttons sit wholly inside their card and the
viewport, long words wrap, and tables wider than their box say so.
"""

from __future__ import annotations

import re

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
    # The kind is chosen with the tabs; no select says the same again, and the filters keep the tab.
    expect(page.locator("select[name=kind]")).to_have_count(0)
    page.get_by_role("link", name="Plans 1").click()
    page.get_by_role("button", name="Apply").click()
    expect(page.locator("#queue-list tbody tr")).to_have_count(1)
    expect(page.get_by_role("link", name="Plans 1")).to_have_attribute("aria-current", "page")
    page.goto("/admin/approvals")
    for width, measured in every_size(page, "queue", containers=".card, .scroll-cue"):
        # A plan is approved in one click; an assessment's "Approve…" opens the confirmation page.
        approve = [b for b in measured["buttons"] if b["text"] in ("Approve", "Approve…")]
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


def test_request_an_interview_from_the_dashboard(page, recruiter):
    from playwright.sync_api import expect

    sign_in(page, recruiter)
    page.get_by_role("link", name="New interview").click()
    expect(page.get_by_role("heading", name="New interview")).to_be_visible()
    page.get_by_label("Candidate name").fill("Grace Hopper")
    page.get_by_label("Candidate email").fill("not-an-email")
    page.get_by_role("button", name="Request the interview").click()
    # Each mistake beside its field; what was typed stays.
    expect(page.locator(".field.has-error", has=page.get_by_label("Candidate email"))).to_contain_text(
        "Enter a valid email address."
    )
    expect(page.locator(".field.has-error", has=page.get_by_label("Position"))).to_contain_text(
        "Needed to write the interview plan."
    )
    expect(page.get_by_label("Candidate name")).to_have_value("Grace Hopper")
    for width, _ in every_size(page, "new-interview-errors"):
        assert not sticking_out(page, ".intake"), width
    page.set_viewport_size(VIEWPORTS[0])
    page.get_by_label("Candidate email").fill("grace@example.com")
    page.get_by_label("Position").fill("Backend Engineer")
    page.get_by_label("Level").select_option("SENIOR")
    page.get_by_label("Skills").fill("Python\nDjango, PostgreSQL")
    page.get_by_label("Job description").fill(
        "Build the APIs of our hiring platform with Python, Django and PostgreSQL and run them in production."
    )
    page.get_by_role("button", name="Request the interview").click()
    # The live server runs jobs inline: the skills are checked and the plan written before the redirect.
    page.wait_for_url("**/admin/interviews/*/plan")
    expect(page.get_by_role("status")).to_contain_text(
        "Interview requested for Grace Hopper. The plan is ready for your review."
    )
    expect(page.get_by_test_id("state")).to_have_text("Plan awaiting approval")
    expect(page.locator(".question")).not_to_have_count(0)
    interview = Interview.objects.get(candidate_email="grace@example.com")
    assert interview.organization_id == recruiter.organization_id
    assert interview.skills == ["Python", "Django", "PostgreSQL"]
    check_layout(page, "new-interview-plan", PRIMARY)


def test_the_assessment_fits_every_screen(page, recruiter, assessed):
    sign_in(page, recruiter)
    page.goto(f"/admin/interviews/{assessed.run_id}/assessment")
    for width, _ in every_size(page, "assessment"):
        assert not overflowing(page, ".qa-body .answer, .qa-body .asked, blockquote.evidence, .chip"), width
        assert not sticking_out(page, ".qa, .decide"), width


def test_missing_pages_are_branded(page, recruiter):
    from playwright.sync_api import expect

    sign_in(page, recruiter)
    response = page.goto("/admin/interviews/00000000-0000-0000-0000-000000000000")
    assert response.status == 404
    expect(page.get_by_role("heading", name="This page does not exist")).to_be_visible()
    expect(page.get_by_role("link", name="Go to the dashboard")).to_have_attribute("href", "/admin/")
    for width, _ in every_size(page, "not-found"):
        assert not sticking_out(page, ".error-card"), width
    page.goto("/")
    page.wait_for_url("**/admin/approvals")
    # The candidate's side has its own branded page, without the dashboard's links.
    response = page.goto("/interview/nothing-here")
    assert response.status == 404
    expect(page.get_by_role("heading", name="This page does not exist")).to_be_visible()
    expect(page.get_by_role("link", name="Go to the dashboard")).to_have_count(0)
    for viewport in VIEWPORTS:
        page.set_viewport_size(viewport)
        check_layout(page, "candidate-not-found", ".button-primary")


def test_the_operators_admin_is_branded_and_its_tables_scroll(page, make_user, make_pending):
    from playwright.sync_api import expect

    from accounts.models import User
    from tests.pages import PASSWORD
    from tests.second_factor import enrol, next_code

    interview = make_pending(candidateName=LONG_NAME, candidateEmail=LONG_EMAIL)
    event = Event.objects.filter(interview=interview).first()
    Delivery.objects.create(
        event=event, url=f"https://ats.example.com/{'hook/' * 30}", status="FAILED", last_error=RAW_ERROR
    )
    operator = User.objects.create_superuser("ops@platform.test", PASSWORD)
    device = enrol(operator)
    page.goto("/ops/")
    expect(page.locator("#site-name")).to_contain_text("AI Interview · Operations")
    page.get_by_label("Email").fill(operator.email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_label(re.compile("code", re.I)).fill(next_code(device))
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_role("heading", name="Platform operations")).to_be_visible()
    expect(page.get_by_role("link", name="View site")).to_have_attribute("href", "/admin/")
    page.goto("/ops/webhooks/delivery/")
    for width in (viewport["width"] for viewport in VIEWPORTS):
        page.set_viewport_size(next(v for v in VIEWPORTS if v["width"] == width))
        page.reload()
        check_layout(
            page,
            "ops-deliveries",
            "input[type=submit].default, .button.default, #changelist-search input[type=submit]",
            containers="#content",
        )
        results = page.locator("#changelist-form .results")
        if results.evaluate("e => e.scrollWidth > e.clientWidth + 1"):
            expect(page.locator(".scroll-cue.can-scroll .scroll-hint")).to_be_visible()
            results.evaluate("e => e.scrollLeft = e.scrollWidth")
            expect(page.locator(".scroll-cue")).not_to_have_class(re.compile(r"\bmore-right\b"))
            expect(page.locator(".scroll-cue")).to_have_class(re.compile(r"\bmore-left\b"))
    # "View site" leads to the dashboard (which tells an operator without an organization why it is empty).
    page.get_by_role("link", name="View site").click()
    expect(page.get_by_role("heading", name="This account cannot use the dashboard")).to_be_visible()


def test_write_your_own_question(page, recruiter, pending):
    from playwright.sync_api import expect

    page.set_viewport_size(VIEWPORTS[0])
    sign_in(page, recruiter)
    page.goto(f"/admin/interviews/{pending.run_id}/plan")
    count = page.locator("article.question").count()
    section = page.locator("#write-question")
    section.get_by_text("Write a question").click()
    section.get_by_label("Kind").select_option("behavioral")
    section.get_by_label("Skill").select_option("Behavioral")
    section.get_by_label("Question").fill("Tell me about a time you changed your mind after a code review.")
    section.get_by_role("button", name="Add to the plan").click()
    # The form comes back open, each mistake beside its field, what was typed kept.
    section = page.locator("#write-question")
    expect(section.locator(".field.has-error", has=page.locator("#own-concepts"))).to_contain_text(
        "List at least one concept the answer should cover."
    )
    expect(section.locator(".field.has-error", has=page.locator("#own-score_3"))).to_contain_text(
        "Describe what an answer with this score looks like."
    )
    expect(section.get_by_label("Question")).to_have_value(
        "Tell me about a time you changed your mind after a code review."
    )
    check_layout(page, "own-question-errors", PRIMARY)
    section.screenshot(path=str(SCREENSHOTS / shot_name("own-question-form", 1280)))
    section.get_by_label("Concepts a good answer covers").fill("openness: listened, reconsidered\nevidence")
    section.get_by_label("Score 1 (poor)").fill("Defends the first idea whatever the evidence.")
    section.get_by_label("Score 3 (adequate)").fill("Changed course, says little about why.")
    section.get_by_label("Score 5 (excellent)").fill("Explains the evidence, the change and what it taught.")
    section.get_by_role("button", name="Add to the plan").click()
    expect(page.get_by_role("status")).to_contain_text("Your question was added. Saved as plan version 2.")
    expect(page.locator("article.question")).to_have_count(count + 1)
    mine = page.locator(f"#question-{count + 1}")
    expect(mine.locator(".question-text")).to_have_text(
        "Tell me about a time you changed your mind after a code review."
    )
    expect(mine.locator(".question-head .badge", has_text="Behavioral")).to_have_count(1)
    expect(page.locator(".versions li").first).to_contain_text("edited by alice@acme.test")

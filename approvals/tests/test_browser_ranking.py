"""Ranking in a real browser: a recruiter with thirty assessed candidates for one position sorts
them by score, compares the top five, reads one assessment at a glance and approves it from the
queue through the confirmation page. Screenshots at 1280×800 and 390×844 go to
test-output/screenshots/ranking-*.png; no page is wider than the window at 1280, 1024 or 390."""

from __future__ import annotations

import random

import pytest

from interviews.models import Interview, State
from tests.factories import clone_waiting, vary_scores
from tests.pages import SCREENSHOTS, sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

POSITION = "Senior Software Engineer"
WIDTHS = (1280, 1024, 390)
SIZES = {"desktop": (1280, 800), "mobile": (390, 844)}


def ranking_shot(page, name: str) -> None:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.evaluate("window.scrollTo(0, 0)")
    page.screenshot(path=str(SCREENSHOTS / f"ranking-{name}.png"), full_page=True)


def look(page, name: str) -> None:
    """Screenshots at both sizes, and no sideways scrolling of the page at any width."""
    for size, (width, height) in SIZES.items():
        page.set_viewport_size({"width": width, "height": height})
        ranking_shot(page, f"{name}-{size}")
    for width in WIDTHS:
        page.set_viewport_size({"width": width, "height": 800})
        overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
        assert overflow <= 0, f"{name} is {overflow}px wider than a {width}px window"
    page.set_viewport_size({"width": 1280, "height": 800})


@pytest.fixture
def thirty(assessed):
    """Thirty assessed candidates for one position, waiting for a decision. The best is the one
    whose interview really ran (a full transcript); the others score below it."""
    clones = clone_waiting(assessed, 29)
    top = assessed.assessments.get().overall
    scores = [top - 1 - 2 * n for n in range(29)]
    random.Random(4).shuffle(scores)
    vary_scores(clones, scores)
    return assessed


def test_rank_compare_and_approve_with_confirmation(page, recruiter, thirty):
    from playwright.sync_api import expect

    best = thirty
    assessment = best.assessments.get()
    words = assessment.recommendation.replace("_", " ").capitalize()
    page.set_viewport_size({"width": 1280, "height": 800})
    sign_in(page, recruiter)
    page.goto("/admin/interviews")
    expect(page.get_by_test_id("per-day-chart")).to_be_visible()
    page.get_by_role("link", name="Score (sort highest first)").click()
    page.wait_for_url("**sort=score&dir=desc**")
    score_header = page.locator("th", has=page.get_by_role("link", name="Score (sort lowest first)"))
    expect(score_header).to_have_attribute("aria-sort", "descending")
    scores = [int(s) for s in page.get_by_test_id("score").locator("strong").all_inner_texts()]
    assert scores == sorted(scores, reverse=True) and scores[0] == assessment.overall and len(scores) == 25
    expect(page.locator("tbody tr").first).to_contain_text(best.candidate_name)
    look(page, "list")

    page.get_by_label("Position").select_option(POSITION)
    page.get_by_role("button", name="Apply").click()
    page.get_by_test_id("compare-link").click()
    expect(page.get_by_role("heading", name=f"Top 5 for {POSITION}")).to_be_visible()
    expect(page.locator("th[data-run-id]")).to_have_count(5)
    expect(page.get_by_test_id("compare-score").first).to_have_text(f"{assessment.overall}/100")
    look(page, "compare")

    page.get_by_role("link", name=best.candidate_name).first.click()
    glance = page.get_by_test_id("at-a-glance")
    expect(glance).to_be_visible()
    # The summary fits the first screen; the questions are folded below it.
    assert glance.bounding_box()["y"] + glance.bounding_box()["height"] <= 800
    expect(page.locator("details.qa").first).not_to_have_attribute("open", "")
    look(page, "assessment")

    page.goto("/admin/approvals")
    page.get_by_role("link", name=f"Approve the assessment of {best.candidate_name}").click()
    expect(page.get_by_role("heading", name="Approve this assessment?")).to_be_visible()
    expect(page.get_by_test_id("confirm-score")).to_have_text(str(assessment.overall))
    expect(page.get_by_test_id("confirm-recommendation")).to_have_text(words)
    assert Interview.objects.get(pk=best.pk).state == State.ASSESSMENT_PENDING
    look(page, "confirm")
    page.get_by_role("button", name="Approve and send to the ATS").click()
    page.wait_for_url("**/admin/approvals")
    expect(page.get_by_role("status")).to_contain_text(f"Assessment of {best.candidate_name} approved")
    expect(page.locator(f'tr[data-run-id="{best.run_id}"]')).to_have_count(0)
    assert Interview.objects.get(pk=best.pk).state == State.ASSESSMENT_APPROVED

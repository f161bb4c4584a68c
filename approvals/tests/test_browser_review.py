"""The per-question review notes in a real browser: the assessment page and the report
show the points, the "Needs review" badge, the reasons and the prompted concepts.
Screenshots go to test-output/screenshots/dashboard-review-*.png."""

from __future__ import annotations

import pytest

from tests.factories import mark_for_review
from tests.pages import SCREENSHOTS, shot, sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_review_notes_on_the_assessment_and_the_report(page, recruiter, assessed):
    tab = page
    from playwright.sync_api import expect

    mark_for_review(assessed)
    sign_in(tab, recruiter)
    tab.goto(f"/admin/interviews/{assessed.run_id}/assessment")
    question = tab.locator("#answer-4")
    expect(question.get_by_test_id("review-points")).to_have_text("27.5 points · 2/5")
    expect(question.get_by_test_id("needs-review")).to_be_visible()
    expect(tab.get_by_test_id("needs-review")).to_have_count(1)
    expect(question.get_by_text("Lists terms without explaining them")).to_be_visible()
    expect(question.get_by_text("Not in English: read it yourself")).to_be_visible()
    expect(
        question.get_by_text("Covered only after the follow-up: connection pooling and pool modes")
    ).to_be_visible()
    expect(question.get_by_text("(after follow-up)")).to_have_count(2)
    question.scroll_into_view_if_needed()
    shot(tab, "review-assessment")
    question.screenshot(path=str(SCREENSHOTS / "dashboard-review-question.png"))

    tab.goto(f"/admin/interviews/{assessed.run_id}/report")
    expect(tab.get_by_test_id("needs-review")).to_be_visible()
    expect(tab.get_by_text("27.5 points · 2/5")).to_be_visible()
    expect(
        tab.get_by_text("Covered only after the follow-up: connection pooling and pool modes")
    ).to_be_visible()
    shot(tab, "review-report")
    tab.locator(".q").nth(3).screenshot(path=str(SCREENSHOTS / "dashboard-review-report-question.png"))
    tab.emulate_media(media="print")
    expect(tab.get_by_test_id("needs-review")).to_be_visible()
    shot(tab, "review-report-print")

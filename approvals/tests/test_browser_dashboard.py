"""The recruiter dashboard in a real browser (the system Chromium, driven by Playwright).

The pages are served by pytest-django's live server, a thread of this process:
it shares the test database and the eager job setting, so the plan a
"Reject and regenerate" asks for is written before the redirect is followed.
Each page is screenshotted into test-output/screenshots/dashboard-*.png.
"""

from __future__ import annotations

import re

import pytest

from interviews.models import Interview, State
from tests.pages import PASSWORD, shot, sign_in
from webhooks.models import Endpoint

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def fresh(interview) -> Interview:
    return Interview.objects.get(pk=interview.pk)


def test_sign_in_and_approve_from_the_queue(page, recruiter, make_pending, assessed, settings):
    from playwright.sync_api import expect

    pending = make_pending()
    page.goto("/accounts/login/")
    page.get_by_label("Email").fill(recruiter.email)
    page.get_by_label("Password").fill("wrong password")
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("alert")).to_contain_text("do not match an account")
    shot(page, "sign-in-error")

    sign_in(page, recruiter, screenshot=True)
    expect(page.get_by_role("heading", name="Approvals")).to_be_visible()
    expect(page.locator("#queue-list tbody tr")).to_have_count(2)
    expect(page.locator("#nav-queue-count")).to_have_text("2")
    shot(page, "queue")

    page.get_by_role("button", name="Approve the plan for Jane Smith").click()
    link = page.get_by_test_id("candidate-link")
    expect(link).to_be_visible()
    assert link.input_value().startswith(f"{settings.PUBLIC_BASE_URL}/interview/join/")
    expect(page.locator("#queue-list tbody tr")).to_have_count(1)
    page.context.grant_permissions(["clipboard-read", "clipboard-write"])
    page.get_by_role("button", name="Copy link").click()
    expect(page.get_by_role("button", name="Copied")).to_be_visible()
    assert page.evaluate("navigator.clipboard.readText()") == link.input_value()
    shot(page, "queue-approved")
    assert fresh(pending).state == State.APPROVED

    # Small screens get the same page, navigation on top.
    page.set_viewport_size({"width": 390, "height": 844})
    page.goto("/admin/approvals")
    shot(page, "queue-mobile")


def test_the_queue_refreshes_when_an_item_arrives(page, recruiter, make_pending):
    from playwright.sync_api import expect

    make_pending(candidateName="First Waiting", candidateEmail="first@example.com")
    sign_in(page, recruiter)
    page.clock.install()
    page.goto("/admin/approvals")
    expect(page.locator("#queue-list tbody tr")).to_have_count(1)

    make_pending(candidateName="Just Arrived", candidateEmail="new@example.com")
    page.clock.run_for(16_000)  # one polling interval
    expect(page.locator("#queue-list tbody tr")).to_have_count(2)
    expect(page.locator("#queue-list")).to_contain_text("Just Arrived")
    expect(page.locator("#queue-notice")).to_contain_text("2 plan(s)")
    expect(page.locator("#nav-queue-count")).to_have_text("2")


def test_edit_a_question_then_approve(page, recruiter, make_planned):
    from playwright.sync_api import expect

    # A request as ATSs send them: an alias, a skill nobody knows, more skills in the description.
    pending = make_planned(
        skills=["TypeScript", "reactjs", "Node.js", "PostgreSQL", "Elm-ish Magic"],
        jobDescription=(
            "Join our platform team to build scalable web applications with GraphQL APIs, "
            "shipped in Docker containers. You will architect and own key services."
        ),
    )
    sign_in(page, recruiter)
    page.goto(f"/admin/interviews/{pending.run_id}/plan")
    expect(page.get_by_role("heading", name="Validated skills")).to_be_visible()
    expect(page.locator('.skill[data-status="UNKNOWN"]')).to_contain_text("Unknown")
    expect(page.locator('.skill[data-status="INFERRED"]').first).to_contain_text("Inferred")
    shot(page, "plan")
    page.set_viewport_size({"width": 390, "height": 844})
    shot(page, "plan-mobile")
    page.set_viewport_size({"width": 1366, "height": 900})

    first = page.locator("#question-1")
    first.get_by_text("Edit question 1").click()
    first.get_by_label("Question", exact=True).fill(
        "Walk me through how you would profile a slow React page."
    )
    first.get_by_label("Minutes").fill("8")
    first.get_by_label("Concepts").fill(
        "profiler: react profiler, devtools\nmemoization: memo, useMemo\nre-render"
    )
    shot(page, "plan-editing")
    first.get_by_role("button", name="Save as a new version").click()
    expect(page.get_by_role("status")).to_contain_text("Saved as plan version 2")
    expect(page.locator("#question-1 .question-text")).to_have_text(
        "Walk me through how you would profile a slow React page."
    )

    # Move it down, then add a question from the bank for another skill.
    page.get_by_role("button", name="Move question 1 down").click()
    expect(page.get_by_role("status")).to_contain_text("Saved as plan version 3")
    expect(page.locator("#question-2 .question-text")).to_contain_text("profile a slow React page")
    page.locator("#add-question").get_by_label("Skill", exact=True).select_option("PostgreSQL")
    page.wait_for_url("**skill=PostgreSQL**")
    count = page.locator("article.question").count()
    page.get_by_role("button", name="Add to the plan").click()
    expect(page.get_by_role("status")).to_contain_text("Saved as plan version 4")
    expect(page.locator("article.question")).to_have_count(count + 1)
    expect(page.locator(".versions li")).to_have_count(4)

    page.get_by_role("button", name="Approve plan").click()
    expect(page.get_by_test_id("candidate-link")).to_be_visible()
    expect(page.get_by_test_id("state")).to_have_text("Plan approved")
    shot(page, "plan-approved")
    interview = fresh(pending)
    assert interview.state == State.APPROVED
    assert interview.current_plan.version == 4
    assert "profile a slow React page" in interview.current_plan.questions.get(position=1).text


def test_reject_and_regenerate(page, recruiter, pending):
    from playwright.sync_api import expect

    sign_in(page, recruiter)
    page.goto(f"/admin/interviews/{pending.run_id}/plan")
    page.get_by_label("What should the new version change?").fill("More focus on PostgreSQL, please")
    page.get_by_role("button", name="Reject and regenerate").click()
    expect(page.get_by_text("This version answers the feedback")).to_be_visible()
    expect(page.locator(".versions li")).to_have_count(2)
    expect(page.locator(".versions li.current")).to_contain_text("v2")
    expect(page.get_by_test_id("state")).to_have_text("Plan awaiting approval")
    shot(page, "plan-regenerated")
    interview = fresh(pending)
    assert (interview.state, interview.current_plan.version) == (State.PENDING, 2)


def test_regenerate_says_what_it_could_not_do(page, recruiter, pending):
    from playwright.sync_api import expect

    sign_in(page, recruiter)
    page.goto(f"/admin/interviews/{pending.run_id}/plan")
    page.get_by_label("What should the new version change?").fill("More Kafka questions, please")
    page.get_by_role("button", name="Reject and regenerate").click()
    note = page.get_by_test_id("feedback-note")
    expect(note).to_contain_text("could not do all of it")
    expect(note).to_contain_text("Kafka is not among this interview's skills")
    expect(page.get_by_text("This version answers the feedback")).to_have_count(0)
    shot(page, "plan-regenerated-gaps")


def test_fill_in_an_info_needed_interview(page, org_admin, org, info_needed, make_pending, receiver):
    from playwright.sync_api import expect

    # The organization's default endpoint gets the webhooks, so the page lists real deliveries.
    Endpoint.objects.create(organization=org, url=f"{receiver.url}/hook")
    make_pending()
    sign_in(page, org_admin)  # an admin: redelivering webhooks is theirs
    page.goto("/admin/interviews")
    shot(page, "interviews")
    page.get_by_label("State").select_option("INFO_NEEDED")
    page.get_by_role("button", name="Apply").click()
    expect(page.locator("tbody tr")).to_have_count(1)
    page.get_by_role("link", name="Fill in").click()
    form = page.locator("#complete")
    expect(form).to_be_visible()
    form.get_by_label("Position").fill("Backend Engineer")
    form.get_by_label("Level").select_option("MID")
    form.get_by_label("Skills").fill("Python\nDjango\nPostgreSQL")
    form.get_by_label("Job description").fill(
        "Build the APIs of our hiring platform with Python, Django and PostgreSQL and run them in production."
    )
    shot(page, "info-needed")
    form.get_by_role("button", name="Save and continue").click()
    expect(page.get_by_test_id("state")).to_have_text("Plan awaiting approval")
    expect(page.get_by_role("link", name="Review the plan")).to_be_visible()
    deliveries = page.locator("#deliveries tbody tr")
    # interview.plan_generated (interview.info_needed was sent before the endpoint existed)
    expect(deliveries).to_have_count(1)
    expect(deliveries.first).to_contain_text("Delivered")
    shot(page, "interview-detail")
    assert fresh(info_needed).state == State.PENDING

    page.get_by_role("button", name="Send “Plan ready” again").click()
    expect(page.get_by_role("status")).to_contain_text("is being sent again")
    expect(deliveries).to_have_count(2)
    expect(deliveries.first).to_contain_text("sent again")
    # The other interview's plan, this one's, and the redelivery.
    assert len(receiver.wait_for(3)) == 3


def test_sign_in_side_pages(page, make_user):
    from playwright.sync_api import expect

    page.goto("/accounts/login/")
    page.get_by_role("link", name="Forgot your password?").click()
    shot(page, "password-reset")
    page.get_by_label("Email").fill("someone@acme.test")
    page.get_by_role("button", name="Send the reset link").click()
    expect(page.get_by_role("heading", name="Check your email")).to_be_visible()
    shot(page, "password-reset-sent")

    operator = make_user(None, "operator@platform.test")
    sign_in_attempt = page.goto("/accounts/login/")
    assert sign_in_attempt.ok
    page.get_by_label("Email").fill(operator.email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("alert")).to_contain_text("does not belong to an organization")
    shot(page, "sign-in-no-organization")


def test_approve_an_assessment_with_an_override(page, recruiter, assessed):
    from playwright.sync_api import expect

    sign_in(page, recruiter)
    page.get_by_role("link", name="Review the assessment of Ada Lovelace").click()
    expect(page.get_by_role("heading", name="Transcript and scoring")).to_be_visible()
    # What happened, with times and durations; concerns list the same flags.
    flags = page.get_by_test_id("flags")
    expect(flags).to_contain_text("Away from the interview for 47 s during question 2")
    expect(flags).to_contain_text("47 s")
    expect(flags).to_contain_text("Pasted")
    expect(page.get_by_text("None raised.")).to_have_count(0)
    expect(page.get_by_test_id("answer-time").first).to_have_text("· 1 min 30 s")
    expect(page.get_by_test_id("interview-timing").first).to_contain_text("took")
    expect(page.get_by_test_id("summary")).to_contain_text("Top strength: question")
    expect(page.get_by_test_id("summary")).to_contain_text("Top gap: question 2")
    shot(page, "assessment")

    page.get_by_label("Final score (0–100)").fill("55")
    page.get_by_role("button", name="Override and approve").click()
    expect(page.locator(".field.has-error")).to_contain_text("An override needs a reason")
    assert fresh(assessed).state == State.ASSESSMENT_PENDING

    page.get_by_label("Final score (0–100)").fill("55")
    page.get_by_label("Final recommendation").select_option("LEAN_NO_HIRE")
    page.get_by_label("Reason (required for an override)").fill("Follow-up answers were thin on SQL.")
    page.get_by_role("button", name="Override and approve").click()
    expect(page.get_by_role("heading", name=re.compile("Overridden and approved"))).to_be_visible()
    expect(page.get_by_test_id("summary")).to_contain_text("AI summary (the recruiter overrode this result")
    shot(page, "assessment-decided")
    assessment = fresh(assessed).assessments.get()
    assert (assessment.decided_score, assessment.decided_recommendation) == (55, "LEAN_NO_HIRE")

    page.get_by_role("link", name="Open the report").first.click()
    expect(page.get_by_test_id("final-score")).to_contain_text("55")
    expect(page.get_by_text("Recruiter override.")).to_be_visible()
    # The AI's values beside the final ones, each labelled.
    expect(page.get_by_text("Final score (recruiter)")).to_be_visible()
    expect(page.get_by_test_id("ai-values")).to_have_text(
        re.compile(rf"AI: {assessment.overall}/100, {assessment.recommendation.replace('_', ' ').lower()}")
    )
    expect(page.get_by_role("heading", name="AI summary")).to_be_visible()
    # Every answer in full, with its follow-up and the time it took.
    first_turn = assessed.turns.order_by("sequence").first()
    expect(page.get_by_test_id("report-turn").first).to_contain_text(first_turn.answer_text[:200])
    expect(page.get_by_text("Follow-up question")).to_be_visible()
    expect(page.get_by_text("Can you give a concrete example from a project?")).to_be_visible()
    expect(page.get_by_test_id("interview-timing")).to_contain_text("Interviewed")
    expect(page.get_by_test_id("flags")).to_contain_text("Away from the interview for 47 s")
    shot(page, "report")
    page.emulate_media(media="print")
    expect(page.locator(".sidebar")).to_be_hidden()
    shot(page, "report-print")

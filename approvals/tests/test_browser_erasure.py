"""Erasing a candidate's data on the interview's page: an admin confirms with the email; recruiters cannot."""

from __future__ import annotations

import pytest

from interviews.models import Erasure, Interview, State
from tests.pages import messages_of, shot, sign_in

NAME, EMAIL = "Ada Lovelace", "ada@example.com"


def fresh(interview) -> Interview:
    return Interview.objects.get(pk=interview.pk)


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_an_admin_erases_after_typing_the_candidates_email(page, org_admin, assessed):
    from playwright.sync_api import expect

    sign_in(page, org_admin)
    page.goto(f"/admin/interviews/{assessed.run_id}")
    expect(page.get_by_role("heading", name=NAME)).to_be_visible()
    section = page.locator("#erase")
    expect(section).to_contain_text("Erase the candidate's data")

    section.get_by_label("Type the candidate's email to confirm").fill("someone@else.com")
    section.get_by_role("button", name="Erase personal data").click()
    expect(page.locator("#erase")).to_contain_text("That is not the candidate's email; nothing was erased.")
    shot(page, "interview-erase-refused")
    assert fresh(assessed).candidate_email == EMAIL and not Erasure.objects.exists()

    page.locator("#erase").get_by_label("Type the candidate's email to confirm").fill(EMAIL.upper())
    page.locator("#erase").get_by_role("button", name="Erase personal data").click()
    page.wait_for_url(f"**/admin/interviews/{assessed.run_id}")
    expect(page.get_by_role("heading", name="Erased candidate")).to_be_visible()
    expect(page.get_by_test_id("erased")).to_contain_text(org_admin.email)
    expect(page.locator("#erase")).to_have_count(0)
    shot(page, "interview-erased")
    body = page.locator("body").inner_text()
    assert NAME not in body and EMAIL not in body

    interview = fresh(assessed)
    assert interview.candidate_name == "" and interview.candidate_email == ""
    assert interview.state == State.ASSESSMENT_PENDING
    erasure = Erasure.objects.get(interview=interview)
    assert erasure.actor_user == org_admin and erasure.actor_label == f"user:{org_admin.email}"
    assert set(interview.turns.values_list("answer_text", flat=True)) == {""}


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_a_recruiter_sees_no_erase_action(page, recruiter, assessed):
    from playwright.sync_api import expect

    sign_in(page, recruiter)
    page.goto(f"/admin/interviews/{assessed.run_id}")
    expect(page.get_by_role("heading", name=NAME)).to_be_visible()
    expect(page.locator("#erase")).to_have_count(0)


@pytest.mark.django_db
def test_a_recruiters_post_and_an_outsiders_are_refused(web, outsider_web, admin_web, make_pending):
    pending = make_pending(candidateName=NAME, candidateEmail=EMAIL)
    url = f"/admin/interviews/{pending.run_id}/erase"
    response = web.post(url, {"confirm": EMAIL}, follow=True)
    assert "Only an admin of your organization can erase a candidate's data." in messages_of(response)
    assert outsider_web.post(url, {"confirm": EMAIL}).status_code == 404
    assert fresh(pending).candidate_email == EMAIL and not Erasure.objects.exists()

    response = admin_web.post(url, {"confirm": EMAIL}, follow=True)
    assert "The candidate's personal data was erased and the ATS notified." in messages_of(response)
    assert fresh(pending).state == State.CANCELLED
    # Again: nothing more happens, and the page says it was erased.
    again = admin_web.post(url, {"confirm": ""}, follow=True)
    assert again.status_code == 200 and Erasure.objects.count() == 1
    assert "The candidate's personal data was already erased." in messages_of(again)
    assert "The candidate's personal data was erased</h2>" in again.content.decode()


@pytest.mark.django_db
def test_without_an_email_the_admin_types_erase(admin_web, info_needed):
    from interviews.models import Interview as Row

    Row.objects.filter(pk=info_needed.pk).update(candidate_email="")
    url = f"/admin/interviews/{info_needed.run_id}/erase"
    page = admin_web.get(f"/admin/interviews/{info_needed.run_id}")
    assert "Type ERASE to confirm" in page.content.decode()
    assert admin_web.post(url, {"confirm": "nope"}).status_code == 400
    admin_web.post(url, {"confirm": "erase"})
    assert fresh(info_needed).candidate_name == "" and fresh(info_needed).state == State.CANCELLED


@pytest.mark.django_db
def test_an_erased_interviews_pages_still_open_without_its_data(admin_web, assessed, ats):
    quote = assessed.assessments.get().result["question_scores"][0]["evidence"][0]
    assert ats.post(f"/api/v1/a2a/interview/{assessed.run_id}/erase").status_code == 200
    for suffix in ("", "/assessment", "/report", "/plan"):
        response = admin_web.get(f"/admin/interviews/{assessed.run_id}{suffix}")
        assert response.status_code == 200, suffix
        html = response.content.decode()
        assert NAME not in html and EMAIL not in html and quote not in html, suffix
    queue = admin_web.get("/admin/approvals").content.decode()
    assert NAME not in queue
    body = ats.get(f"/api/v1/a2a/interview/{assessed.run_id}/assessment").json()
    assert {answer["answer"] for answer in body["answers"]} == {""}

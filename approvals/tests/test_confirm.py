"""Approving an assessment from the queue goes through a confirmation page; the assessment and
plan pages open with what matters and keep the long parts folded."""

from __future__ import annotations

import re

import pytest
from django.test import Client

from approvals.models import Approval
from interviews.models import Interview, State
from tests.factories import clone_waiting, mark_for_review
from tests.pages import messages_of

pytestmark = pytest.mark.django_db


def confirm_url(interview) -> str:
    return f"/admin/interviews/{interview.run_id}/assessment/confirm"


def test_the_queue_has_no_one_click_assessment_approval(web, assessed, pending):
    html = web.get("/admin/approvals").content.decode()
    assert "/assessment/decide" not in html
    assert f'href="{confirm_url(assessed)}" aria-label="Approve the assessment of Ada Lovelace"' in html
    # Plans may still be approved in one click.
    assert f'action="/admin/interviews/{pending.run_id}/plan/decide"' in html


def test_a_decision_posted_without_the_confirmation_returns_to_the_assessment(web, assessed, capture):
    with capture(execute=True):
        response = web.post(
            f"/admin/interviews/{assessed.run_id}/assessment/decide", {"action": "approve", "next": "queue"}
        )
    # Only the assessment page posts here (its whole review on screen); the queue has no way back in.
    assert response["Location"] == f"/admin/interviews/{assessed.run_id}/assessment"


def test_the_confirmation_says_what_will_be_sent(web, assessed):
    response = web.get(confirm_url(assessed))
    assert response.status_code == 200
    html = response.content.decode()
    assessment = assessed.assessments.get()
    words = assessment.recommendation.replace("_", " ").capitalize()
    assert "Approve this assessment?" in html and "Ada Lovelace" in html
    assert f'data-testid="confirm-score">{assessment.overall}<' in html
    assert f'data-testid="confirm-recommendation">{words}<' in html
    assert f"/admin/interviews/{assessed.run_id}/report" in html
    assert 'name="csrfmiddlewaretoken"' in html and f'value="{assessment.id}"' in html
    assert Interview.objects.get(pk=assessed.pk).state == State.ASSESSMENT_PENDING  # looking decides nothing


def test_confirming_approves_through_the_decision_path(web, recruiter, assessed, capture):
    assessment = assessed.assessments.get()
    with capture(execute=True):
        response = web.post(confirm_url(assessed), {"assessment_id": str(assessment.id)}, follow=True)
    assert response.redirect_chain == [("/admin/approvals", 302)]
    interview = Interview.objects.get(pk=assessed.pk)
    assert interview.state == State.ASSESSMENT_APPROVED
    assert interview.waiting_since is None and interview.score == assessment.overall
    assert Approval.objects.get(interview=interview, kind=Approval.Kind.ASSESSMENT).decided_by == recruiter
    data = interview.events.get(type="interview.assessment_approved").payload["data"]
    assert (data["score"], data["recommendation"], data["overridden"]) == (
        assessment.overall,
        assessment.recommendation,
        False,
    )
    assert any("approved" in m and "ATS has been notified" in m for m in messages_of(response))
    # Confirming again is a message, not a second decision.
    again = web.post(confirm_url(assessed), {"assessment_id": str(assessment.id)}, follow=True)
    assert "not waiting for a decision" in " ".join(messages_of(again))
    assert Approval.objects.filter(interview=interview, kind=Approval.Kind.ASSESSMENT).count() == 1


def test_confirming_needs_the_csrf_token(recruiter, assessed):
    browser = Client(enforce_csrf_checks=True)
    browser.force_login(recruiter)
    assessment_id = str(assessed.assessments.get().id)
    assert browser.post(confirm_url(assessed), {"assessment_id": assessment_id}).status_code == 403
    assert Interview.objects.get(pk=assessed.pk).state == State.ASSESSMENT_PENDING
    html = browser.get(confirm_url(assessed)).content.decode()
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', html).group(1)
    response = browser.post(
        confirm_url(assessed), {"assessment_id": assessment_id, "csrfmiddlewaretoken": token}
    )
    assert response.status_code == 302
    assert Interview.objects.get(pk=assessed.pk).state == State.ASSESSMENT_APPROVED


@pytest.mark.parametrize("sent", [{}, {"assessment_id": "not-a-uuid"}, {"assessment_id": "0" * 32}])
def test_a_confirmation_of_another_assessment_decides_nothing(web, assessed, sent):
    response = web.post(confirm_url(assessed), sent, follow=True)
    assert response.redirect_chain == [(confirm_url(assessed), 302)]
    assert "changed since this page was opened" in " ".join(messages_of(response))
    assert Interview.objects.get(pk=assessed.pk).state == State.ASSESSMENT_PENDING


def test_only_a_waiting_assessment_can_be_confirmed(web, pending):
    response = web.get(confirm_url(pending), follow=True)
    assert response.redirect_chain[0] == (f"/admin/interviews/{pending.run_id}/assessment", 302)
    assert "not waiting for a decision" in " ".join(messages_of(response))


def test_another_organization_cannot_see_or_confirm(outsider_web, assessed):
    assert outsider_web.get(confirm_url(assessed)).status_code == 404
    sent = {"assessment_id": str(assessed.assessments.get().id)}
    assert outsider_web.post(confirm_url(assessed), sent).status_code == 404
    assert Interview.objects.get(pk=assessed.pk).state == State.ASSESSMENT_PENDING


# --- at a glance ----------------------------------------------------------------------------


def test_the_assessment_opens_with_a_summary_and_folds_the_transcript(web, assessed):
    mark_for_review(assessed, index=3)
    response = web.get(f"/admin/interviews/{assessed.run_id}/assessment")
    html = response.content.decode()
    result = assessed.assessments.get().result
    skills = result["skill_scores"]
    strongest = min(skills, key=lambda s: (-skills[s], s))
    weakest = min(skills, key=lambda s: (skills[s], s))
    glance = html.index('data-testid="at-a-glance"')
    assert glance < html.index("Transcript and scoring") < html.index("The candidate’s questions")
    assert re.search(rf'data-testid="strongest-skill">{re.escape(strongest)} ', html)
    assert re.search(rf'data-testid="weakest-skill">{re.escape(weakest)} ', html)
    assert f'<span class="badge plain tone-warn">{len(result["flags"])}</span>' in html
    assert re.search(r'data-testid="time-taken">\d+ min', html)
    # Every question folded into its own <details>; the one that needs review is open.
    rows = response.context["rows"]
    folded = re.findall(r'<details class="qa" id="answer-(\d+)"( open)?>', html)
    assert [int(n) for n, _ in folded] == [r["index"] + 1 for r in rows]
    assert [n for n, is_open in folded if is_open] == ["4"]
    # The rubric of each scored question is folded too.
    assert html.count('<details class="qa-rubric">') == len(rows)
    assert '<details class="qa-rubric" open' not in html


def test_the_plan_folds_its_rubrics(web, pending):
    html = web.get(f"/admin/interviews/{pending.run_id}/plan").content.decode()
    questions = pending.current_plan.questions.count()
    assert html.count('<details class="rubric-details">') == questions
    assert "Concepts a good answer covers" in html  # still on the page, one click away


def test_an_assessment_without_a_transcript_still_opens(web, assessed):
    [bare] = clone_waiting(assessed, 1)  # an assessment whose turns are gone
    for url in (f"/admin/interviews/{bare.run_id}/assessment", confirm_url(bare)):
        response = web.get(url)
        assert response.status_code == 200, url
        html = response.content.decode()
        assert "{#" not in html and "{%" not in html
    assert "Not asked" in web.get(f"/admin/interviews/{bare.run_id}/assessment").content.decode()

"""Emails to the candidate on the interview page, in Chromium: the timeline and "Resend invitation"."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core import mail

from approvals.services import plan_approve
from interviews.models import CandidateMessage
from tests.pages import shot, sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_the_timeline_lists_the_emails_and_the_invitation_is_resent(page, recruiter, make_pending, settings):
    from playwright.sync_api import expect

    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    interview = make_pending(candidateName="Jane Smith")
    plan_approve(recruiter, interview)  # outside a transaction: the invitation job runs at once
    assert len(mail.outbox) == 1
    # Sent ten minutes ago, so a resend is allowed now.
    invitation = CandidateMessage.objects.get(interview=interview)
    CandidateMessage.objects.filter(pk=invitation.pk).update(
        created_at=invitation.created_at - timedelta(minutes=10)
    )

    sign_in(page, recruiter)
    page.goto(f"/admin/interviews/{interview.run_id}")
    timeline = page.locator(".timeline")
    expect(timeline.locator('[data-email="invitation"]')).to_have_count(1)
    expect(timeline.locator('[data-email="invitation"]')).to_contain_text("Invitation email")
    expect(timeline.locator('[data-email="invitation"]')).to_contain_text("to jane@example.com")
    page.get_by_role("button", name="Resend invitation").click()
    expect(page.get_by_text("The invitation is on its way to jane@example.com again.")).to_be_visible()
    expect(timeline.locator('[data-email="invitation"]')).to_have_count(2)
    expect(timeline).to_contain_text(f"resent by {recruiter.email}")
    assert len(mail.outbox) == 2 and mail.outbox[1].to == ["jane@example.com"]
    shot(page, "interview-candidate-emails")

    # At once again: refused, with when it is possible.
    page.get_by_role("button", name="Resend invitation").click()
    expect(page.get_by_text("The invitation was sent recently. You can send it again in")).to_be_visible()
    assert len(mail.outbox) == 2
    page.set_viewport_size({"width": 390, "height": 844})
    shot(page, "interview-candidate-emails-mobile")

"""The interview page lists every email to the candidate and resends the invitation."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
import time_machine
from django.core import mail
from django.test import Client

from approvals.services import plan_approve
from interviews.models import CandidateMessage
from tests.pages import messages_of
from tests.second_factor import verified_client

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _locmem(settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"


@pytest.fixture
def approved(make_pending, recruiter, capture):
    interview = make_pending(candidateName="Jane Smith", candidateEmail="jane@example.com")
    with capture(execute=True):
        plan_approve(recruiter, interview)
    interview.refresh_from_db()
    return interview


def page(run_id) -> str:
    return f"/admin/interviews/{run_id}"


def resend(client, interview, capture, *, minutes_later: int = 3):
    """Resend, a few minutes after the invitation went out (a resend at once is refused, see below)."""
    with time_machine.travel(interview.updated_at + timedelta(minutes=minutes_later)), capture(execute=True):
        return client.post(page(interview.run_id) + "/invitation/resend", follow=True)


def test_the_timeline_shows_the_invitation(web, approved):
    html = web.get(page(approved.run_id)).content.decode()
    assert 'data-email="invitation"' in html
    assert "Invitation email" in html and "Sent" in html
    assert "to jane@example.com" in html
    assert "“Your Senior Software Engineer interview with Acme”" in html
    # After the state change that queued it.
    assert html.index("Plan awaiting approval → Plan approved") < html.index('data-email="invitation"')


def test_a_recruiter_resends_the_invitation_with_the_same_link(web, approved, capture, recruiter):
    link = mail.outbox[0].body.split("Start your interview:\n", 1)[1].split("\n", 1)[0]
    response = resend(web, approved, capture)
    assert response.status_code == 200
    assert messages_of(response) == ["The invitation is on its way to jane@example.com again."]
    assert len(mail.outbox) == 2
    again = mail.outbox[1]
    assert again.to == ["jane@example.com"] and link in again.body
    assert "Here is your interview link again." in again.body
    resent = CandidateMessage.objects.filter(interview=approved).latest("created_at")
    assert resent.requested_by == recruiter and resent.status == "sent"
    html = response.content.decode()
    assert html.count('data-email="invitation"') == 2 and "resent by alice@acme.test" in html


def test_resending_is_rate_limited(web, approved, capture):
    response = resend(web, approved, capture, minutes_later=0)
    assert messages_of(response) == ["The invitation was sent recently. You can send it again in 2 minutes."]
    resend(web, approved, capture, minutes_later=3)
    response = resend(web, approved, capture, minutes_later=4)
    [message] = messages_of(response)
    assert re.fullmatch(r"The invitation was sent recently\. You can send it again in 6\d seconds\.", message)
    assert len(mail.outbox) == 2
    # At most five resends a day.
    for minutes in (6, 9, 12, 15):
        resend(web, approved, capture, minutes_later=minutes)
    assert len(mail.outbox) == 6
    [message] = messages_of(resend(web, approved, capture, minutes_later=20))
    assert message == "The invitation was sent recently. You can send it again in 23 hours."
    assert len(mail.outbox) == 6


def test_an_admin_may_resend_and_an_outsider_cannot(approved, capture, org_admin, outsider):
    admin = verified_client(org_admin)
    assert messages_of(resend(admin, approved, capture))[0].startswith("The invitation is on its way")
    stranger = Client()
    stranger.force_login(outsider)
    with capture(execute=True):
        response = stranger.post(page(approved.run_id) + "/invitation/resend")
    assert response.status_code == 404
    assert len(mail.outbox) == 2


def test_a_signed_in_account_without_a_role_cannot_resend(approved, capture, make_user, org):
    viewer = make_user(org, "viewer@acme.test", role="VIEWER")
    client = Client()
    client.force_login(viewer)
    with capture(execute=True):
        response = client.post(page(approved.run_id) + "/invitation/resend")
    assert response.status_code == 403
    assert len(mail.outbox) == 1


def test_no_resend_once_the_link_cannot_be_used(web, approved, capture, ats):
    ats.post(f"/api/v1/a2a/interview/{approved.run_id}/cancel", {}, format="json")
    html = web.get(page(approved.run_id)).content.decode()
    assert "Resend invitation" not in html
    response = resend(web, approved, capture)
    assert messages_of(response) == [
        "The candidate's link can no longer be used, so there is no invitation to send."
    ]
    assert len(mail.outbox) == 1


def test_a_failed_email_shows_on_the_timeline_with_its_error(web, make_pending, recruiter, capture, settings):
    settings.EMAIL_BACKEND = "tests.failing_mail.DownBackend"
    interview = make_pending()
    with capture(execute=True):
        plan_approve(recruiter, interview)
    html = web.get(page(interview.run_id)).content.decode()
    assert "Failed after 5 attempts: the mail server did not take it." in html
    # The mail library's exception is kept, behind the disclosure.
    error = html.index('<code class="raw-error">SMTPConnectError')
    assert html.rfind('<details class="integration">', 0, error) > html.rfind("</details>", 0, error)


def test_the_page_says_when_the_ats_writes_to_candidates(web, approved, org):
    assert (
        "The candidate gets the invitation with the link, reminders"
        in web.get(page(approved.run_id)).content.decode()
    )
    org.send_candidate_emails = False
    org.save(update_fields=["send_candidate_emails"])
    html = web.get(page(approved.run_id)).content.decode()
    assert "Your organization's ATS writes to candidates: only the one-time code is sent from here." in html

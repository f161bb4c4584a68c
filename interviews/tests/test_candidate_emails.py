"""Emails to candidates, through the endpoints and jobs that send them (Django's locmem mail backend).

Invitation when a plan is approved, reminders before the link expires, the code
email, the receipt after the interview; all sent by a job after the commit and
recorded on the interview.
"""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
import time_machine
from django.core import mail
from django.utils import timezone

from interview_platform import jobs
from interviews import live, workflow
from interviews.models import CandidateMessage, Interview, State, Turn
from tests.factories import CREATE, answer_all

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _locmem(settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"


@pytest.fixture
def approve(recruiter_client, capture):
    """Approve the plan through the API; the jobs queued by the approval run after its commit."""

    def run(interview) -> str:
        with capture(execute=True):
            response = recruiter_client.post(
                f"{CREATE}/{interview.run_id}/approve", {"approved": True}, format="json"
            )
        assert response.status_code == 200, response.content
        return response.json()["interviewLink"]

    return run


def html_of(message) -> str:
    [(html, kind)] = message.alternatives
    assert kind == "text/html"
    return html


def remind(capture) -> None:
    with capture(execute=True):
        jobs.enqueue("interviews.tasks.remind_candidates")


def test_approving_the_plan_emails_the_invitation(make_pending, approve):
    interview = make_pending(candidateName="Jane Smith", candidateEmail="jane@example.com")
    assert mail.outbox == []
    link = approve(interview)
    [invitation] = mail.outbox
    interview.refresh_from_db()
    expiry = timezone.localtime(interview.join_expires_at)
    plan = interview.current_plan
    assert invitation.to == ["jane@example.com"]
    assert invitation.subject == "Your Senior Software Engineer interview with Acme"
    for body in (invitation.body, html_of(invitation)):
        assert "Hello Jane Smith," in body
        assert link in body
        assert expiry.strftime("%-d %B %Y, %H:%M") in body  # the deadline
        assert f"about {plan.duration_minutes} minutes" in body  # the time estimate
        assert f"{plan.questions.count()} questions" in body
    assert 'href="' + link + '"' in html_of(invitation)
    message = CandidateMessage.objects.get(interview=interview)
    assert (message.kind, message.status, message.to) == ("invitation", "sent", "jane@example.com")
    assert message.subject == invitation.subject and message.sent_at is not None


def test_names_in_the_email_are_not_html_in_the_text_part(make_pending, approve, org):
    org.name = "Smith & Jones"
    org.save(update_fields=["name"])
    approve(make_pending(candidateName="Zoë O'Neil"))
    [invitation] = mail.outbox
    assert "Hello Zoë O'Neil," in invitation.body and "Smith & Jones" in invitation.body
    assert "Smith &amp; Jones" in html_of(invitation)  # escaped where it is HTML


def test_an_organization_whose_ats_writes_to_candidates_sends_no_invitation(make_pending, approve, org):
    org.send_candidate_emails = False
    org.save(update_fields=["send_candidate_emails"])
    interview = make_pending()
    approve(interview)
    assert mail.outbox == []
    assert not CandidateMessage.objects.filter(interview=interview).exists()


def test_reminders_go_out_before_expiry_once_each(make_pending, approve, capture):
    interview = make_pending()
    link = approve(interview)
    interview.refresh_from_db()
    expires = interview.join_expires_at
    with time_machine.travel(expires - timedelta(hours=72), tick=False):
        remind(capture)
    assert len(mail.outbox) == 1  # the invitation only: no reminder three days before
    with time_machine.travel(expires - timedelta(hours=47), tick=False):
        remind(capture)
        remind(capture)
    assert len(mail.outbox) == 2
    reminder = mail.outbox[1]
    assert reminder.subject.startswith("Reminder: your Senior Software Engineer interview with Acme")
    assert link in reminder.body and "Hello Jane Smith," in reminder.body
    assert timezone.localtime(expires).strftime("%-d %B %Y, %H:%M") in reminder.body
    with time_machine.travel(expires - timedelta(hours=23), tick=False):
        remind(capture)
        remind(capture)
    with time_machine.travel(expires + timedelta(hours=1), tick=False):
        remind(capture)
    assert len(mail.outbox) == 3
    tags = list(interview.candidate_messages.filter(kind="reminder").values_list("tag", "status"))
    assert sorted(tags) == [("24h", "sent"), ("48h", "sent")]


def test_a_link_approved_close_to_expiry_gets_one_reminder(make_pending, approve, capture):
    interview = make_pending()
    approve(interview)
    # The link's life was shortened to 30 hours: only the 24-hour reminder is worth sending.
    Interview.objects.filter(pk=interview.pk).update(join_expires_at=timezone.now() + timedelta(hours=30))
    with time_machine.travel(timezone.now() + timedelta(hours=13), tick=False):
        remind(capture)
        remind(capture)
    assert [m.tag for m in CandidateMessage.objects.filter(kind="reminder")] == ["24h"]


def test_no_reminder_once_the_interview_started(make_pending, approve, capture):
    interview = make_pending()
    approve(interview)
    interview.refresh_from_db()
    workflow.transition(interview, State.IN_PROGRESS, actor=workflow.SYSTEM, reason="joined")
    with time_machine.travel(interview.join_expires_at - timedelta(hours=20), tick=False):
        remind(capture)
    assert len(mail.outbox) == 1
    assert not CandidateMessage.objects.filter(kind="reminder").exists()


def test_no_reminders_when_the_organization_sends_none(make_pending, approve, capture, org):
    interview = make_pending()
    approve(interview)
    org.send_candidate_emails = False
    org.save(update_fields=["send_candidate_emails"])
    interview.refresh_from_db()
    with time_machine.travel(interview.join_expires_at - timedelta(hours=20), tick=False):
        remind(capture)
    assert len(mail.outbox) == 1


def test_the_code_email_has_the_code_in_its_subject_and_greets_by_name(
    client, make_pending, approve, capture
):
    interview = make_pending(candidateName="Jane Smith")
    token = approve(interview).rsplit("/", 1)[1]
    with capture(execute=True):
        response = client.post(f"/api/v1/candidate/join/{token}/otp", content_type="application/json")
    assert response.status_code == 202
    code_email = mail.outbox[-1]
    code = re.search(r"^\s{4}(\d{6})$", code_email.body, re.M).group(1)
    assert code_email.subject == f"{code} is your code for Acme"
    assert code_email.body.startswith("Hello Jane Smith,")
    assert code in html_of(code_email)
    # The record keeps no code: the timeline is read by recruiters.
    record = CandidateMessage.objects.get(kind="code")
    assert record.status == "sent"
    assert record.subject == "•••••• is your code for Acme"
    assert code not in record.subject + record.error


def complete_by_socket_steps(interview, capture) -> None:
    """Answer everything, then let the interview's job ask the closing question and finish."""
    answer_all(interview)
    with capture(execute=True):
        live.step(interview.id)
    closing = interview.turns.get(kind=Turn.Kind.CLOSING)
    Turn.objects.filter(pk=closing.pk).update(answer_text="No questions, thanks.", answered_at=timezone.now())
    with capture(execute=True):
        live.step(interview.id)


def test_a_receipt_follows_the_completed_interview(make_pending, approve, capture):
    interview = make_pending(candidateName="Jane Smith")
    approve(interview)
    interview.refresh_from_db()
    complete_by_socket_steps(interview, capture)
    receipt = mail.outbox[-1]
    assert receipt.subject == "Thank you — we received your Senior Software Engineer interview, Acme"
    assert receipt.body.startswith("Hello Jane Smith,")
    assert "A person at Acme reviews your interview" in receipt.body
    assert [m.kind for m in interview.candidate_messages.order_by("created_at")] == ["invitation", "receipt"]


def test_an_email_that_cannot_be_sent_is_retried_then_recorded_as_failed(make_pending, approve, settings):
    settings.EMAIL_BACKEND = "tests.failing_mail.DownBackend"
    interview = make_pending()
    approve(interview)
    message = CandidateMessage.objects.get(interview=interview)
    assert (message.status, message.attempts) == ("failed", 5)
    assert message.error.startswith("SMTPConnectError")
    assert message.sent_at is None


def test_an_invitation_for_a_link_no_longer_usable_is_not_sent(make_pending, recruiter_client, capture, ats):
    interview = make_pending()
    # Approved and cancelled before the job ran: the job finds nothing to send.
    with capture(execute=False) as callbacks:
        recruiter_client.post(f"{CREATE}/{interview.run_id}/approve", {"approved": True}, format="json")
    ats.post(f"{CREATE}/{interview.run_id}/cancel", {}, format="json")
    for callback in callbacks:
        callback()
    assert mail.outbox == []
    message = CandidateMessage.objects.get(interview=interview)
    assert message.status == "skipped" and "can no longer be used" in message.error


def test_an_email_whose_job_was_lost_is_sent_by_the_periodic_job(make_pending, recruiter_client, capture):
    interview = make_pending()
    # Approved, but the process stopped before the job ran: the row waits, queued.
    with capture(execute=False):
        recruiter_client.post(f"{CREATE}/{interview.run_id}/approve", {"approved": True}, format="json")
    message = CandidateMessage.objects.get(interview=interview)
    remind(capture)
    assert mail.outbox == []  # a job may still be on its way: not yet
    with time_machine.travel(timezone.now() + timedelta(minutes=6), tick=False):
        remind(capture)
    [invitation] = mail.outbox
    assert invitation.subject == "Your Senior Software Engineer interview with Acme"
    message.refresh_from_db()
    assert (message.status, message.attempts) == ("sent", 1)


def test_a_worker_lost_mid_send_does_not_leave_the_email_unsent(make_pending, recruiter_client, capture):
    interview = make_pending()
    with capture(execute=False):
        recruiter_client.post(f"{CREATE}/{interview.run_id}/approve", {"approved": True}, format="json")
    CandidateMessage.objects.update(status="sending", attempts=1, claimed_at=timezone.now())
    message_id = str(CandidateMessage.objects.get().id)
    with capture(execute=True):
        jobs.enqueue("interviews.tasks.send_candidate_message", message_id)  # a redelivered duplicate
    assert mail.outbox == []  # another worker may be sending it right now
    with time_machine.travel(timezone.now() + timedelta(minutes=3), tick=False):
        remind(capture)
    assert len(mail.outbox) == 1
    assert CandidateMessage.objects.get().attempts == 2


def test_erasing_the_candidate_keeps_no_address_in_the_email_record(make_pending, approve, ats, capture):
    interview = make_pending()
    approve(interview)
    # A reminder waiting for its job when the ATS erases the candidate: it is never sent.
    waiting = CandidateMessage.objects.create(
        interview=interview, kind="reminder", tag="24h", to="jane@example.com"
    )
    with capture(execute=True):
        response = ats.post(f"{CREATE}/{interview.run_id}/erase", {}, format="json")
    assert response.status_code == 200, response.content
    assert response.json()["removed"]["candidateEmails"] == 2
    assert set(CandidateMessage.objects.values_list("to", flat=True)) == {""}
    waiting.refresh_from_db()
    assert waiting.status == "skipped" and waiting.error == "the candidate's data was erased"

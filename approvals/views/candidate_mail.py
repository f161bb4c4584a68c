"""Emails to the candidate on an interview's page: the timeline's entries and the resend button."""

from __future__ import annotations

from dataclasses import dataclass

from django.contrib import messages
from django.shortcuts import redirect
from django.urls import reverse

from interview_platform.api import DomainError
from interviews import mailing, selectors
from interviews.models import CandidateMessage, Interview, State

from .shared import dashboard_view


@dataclass(frozen=True)
class Entry:
    """One line of the timeline: a state change or an email to the candidate."""

    at: object
    change: object = None
    email: CandidateMessage | None = None


def timeline(interview: Interview, changes) -> list[Entry]:
    emails = interview.candidate_messages.select_related("requested_by").order_by("created_at")
    entries = [Entry(at=change.created_at, change=change) for change in changes]
    entries += [Entry(at=email.created_at, email=email) for email in emails]
    # Stable: a state change and the email it queued keep their order (change first).
    return sorted(entries, key=lambda entry: entry.at)


def can_resend(interview: Interview, link: str | None) -> bool:
    return bool(link and interview.candidate_email and interview.state in (State.APPROVED, State.IN_PROGRESS))


@dashboard_view("POST")
def resend_invitation(request, run_id):
    interview = selectors.interview_for(request.user, run_id)
    try:
        message = mailing.resend_invitation(request.user, interview)
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, f"The invitation is on its way to {message.to} again.")
    return redirect(reverse("dashboard:interview", args=[interview.run_id]) + "#candidate-emails")

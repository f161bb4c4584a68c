"""What each email to a candidate says: subject, plain text and HTML, from the templates in emails/candidate/.

Built when the job sends it, from the interview as it is then: the link from
the plan_approved event (only the token's hash is stored), the code from the
candidate's email device. Nothing here sends anything.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.template.loader import render_to_string
from django.utils import timezone

from . import selectors
from .message_models import CandidateMessage
from .models import CandidateSession, Interview, State
from .otp import CODE_TTL

Kind = CandidateMessage.Kind


class NothingToSend(Exception):
    """The email has no reason to go out any more (link expired, code used, interview started)."""


@dataclass(frozen=True)
class Composed:
    email: EmailMultiAlternatives
    # What the timeline keeps: the subject without any one-time code in it.
    recorded_subject: str


def _one_line(text: str) -> str:
    # A header cannot hold a line break; names and positions come from an ATS.
    return " ".join((text or "").split())


def _when(moment) -> str:
    return timezone.localtime(moment).strftime("%A %-d %B %Y, %H:%M %Z") if moment else ""


def _base_context(interview: Interview) -> dict:
    organization = interview.organization
    plan = interview.current_plan
    return {
        "organization": _one_line(organization.name),
        "name": _one_line(interview.candidate_name),
        "position": _one_line(interview.position),
        "duration_minutes": plan.duration_minutes if plan else interview.duration_minutes,
        "question_count": plan.questions.count() if plan else 0,
        "contact_email": organization.contact_email,
        "expires_at": _when(interview.join_expires_at),
    }


def _usable_link(interview: Interview) -> str:
    link = selectors.interview_link(interview)
    if not link:
        raise NothingToSend("the interview link can no longer be used")
    if interview.join_expires_at and interview.join_expires_at <= timezone.now():
        raise NothingToSend("the interview link has expired")
    if CandidateSession.objects.filter(interview=interview, completed_at__isnull=False).exists():
        raise NothingToSend("the interview is already complete")
    return link


def _current_code(message: CandidateMessage) -> str:
    interview = message.interview
    newer = CandidateMessage.objects.filter(
        interview=interview, kind=Kind.CODE, created_at__gt=message.created_at
    ).exists()
    if newer:
        raise NothingToSend("a newer code was asked for; that email carries it")
    device = getattr(interview, "otp_device", None)
    if device is None or not device.token or device.valid_until <= timezone.now():
        raise NothingToSend("the code was used or expired before it could be sent")
    return device.token


def _subjects(message: CandidateMessage, context: dict) -> tuple[str, str]:
    """(subject sent, subject recorded) for the message's kind."""
    org, position = context["organization"], context["position"] or "your"
    if message.kind == Kind.CODE:
        template = "{} is your code for " + org
        return template.format(context["code"]), template.format("•" * len(context["code"]))
    subject = {
        Kind.INVITATION: f"Your {position} interview with {org}",
        Kind.REMINDER: f"Reminder: your {position} interview with {org} — link valid until "
        f"{context.get('expires_short', '')}",
        Kind.RECEIPT: f"Thank you — we received your {position} interview, {org}",
    }[message.kind]
    return subject, subject


def _context(message: CandidateMessage) -> dict:
    interview = message.interview
    context = _base_context(interview)
    if message.kind in (Kind.INVITATION, Kind.REMINDER):
        if message.kind == Kind.REMINDER and interview.state != State.APPROVED:
            raise NothingToSend("the candidate has started the interview")
        context["link"] = _usable_link(interview)
        context["expires_short"] = timezone.localtime(interview.join_expires_at).strftime("%-d %B, %H:%M %Z")
        context["resent"] = message.kind == Kind.INVITATION and message.requested_by_id is not None
    elif message.kind == Kind.CODE:
        context["code"] = _current_code(message)
        context["code_minutes"] = int(CODE_TTL.total_seconds() // 60)
    return context


def compose(message: CandidateMessage) -> Composed:
    """The email for ``message``, or NothingToSend."""
    context = _context(message)
    subject, recorded = _subjects(message, context)
    context["subject"] = subject
    name = f"emails/candidate/{message.kind}"
    email = EmailMultiAlternatives(
        subject=subject,
        body=render_to_string(f"{name}.txt", context),
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=[message.to],
        reply_to=[context["contact_email"]] if context["contact_email"] else None,
        # Keep this one out of auto-replies and mailing-list handling.
        headers={"Auto-Submitted": "auto-generated"},
    )
    email.attach_alternative(render_to_string(f"{name}.html", context), "text/html")
    return Composed(email, recorded)

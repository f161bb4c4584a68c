"""Emails to candidates: queued inside the business transaction, sent by a job after the commit.

``queue`` writes a CandidateMessage row (the timeline's record) and enqueues
``interviews.tasks.send_candidate_message`` on commit, so no request and no
holder of a row lock ever waits for a mail server. The job renders the email
from the interview as it is then (``mail_content``), sends it, and records
the outcome; temporary failures are retried, the last one is recorded as
failed. The organization's ``send_candidate_emails`` switch governs the
invitation, reminders and receipt; the one-time code always goes out.
"""

from __future__ import annotations

import logging
import smtplib
from datetime import timedelta

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import F, Q
from django.utils import timezone

from interview_platform import jobs, prepared
from interview_platform.api import DomainError, Invalid, WrongState

from . import mail_content
from .message_models import CandidateMessage
from .models import CandidateSession, Interview, State
from .otp import CandidateEmailDevice

logger = logging.getLogger(__name__)

Kind, Status = CandidateMessage.Kind, CandidateMessage.Status

SEND_TASK = "interviews.tasks.send_candidate_message"
# Seconds before each retry: a code is worth minutes, anything else can wait longer.
RETRY_DELAYS = {Kind.CODE: (5, 15, 30, 60)}
DEFAULT_RETRY_DELAYS = (60, 300, 1800, 7200)
MAX_RETRIES = 4
# A recruiter's resend: at most one every RESEND_INTERVAL, RESENDS_PER_DAY a day.
RESEND_INTERVAL = timedelta(minutes=2)
RESENDS_PER_DAY = 5
# No reminder this soon after the candidate was last written to (an invitation just sent, a code).
REMINDER_GAP = timedelta(hours=12)
REMINDER_BATCH = 500


class ResendLimited(DomainError):
    status_code = 429
    code = "throttled"


def queue(interview: Interview, kind: str, *, tag: str = "", by=None) -> CandidateMessage:
    """Record an email for the candidate and have the job send it once this transaction commits."""
    message = CandidateMessage(
        interview=interview, kind=kind, tag=tag, to=interview.candidate_email, requested_by=by
    )
    prepared.insert([message])  # with the caller's other writes, when they are held
    jobs.enqueue_on_commit(SEND_TASK, str(message.id))
    return message


def _writes_to_candidates(interview: Interview) -> bool:
    return bool(interview.candidate_email) and interview.organization.send_candidate_emails


def invite(interview: Interview) -> CandidateMessage | None:
    """The invitation with the link, once a plan is approved (unless the organization's ATS sends its own)."""
    return queue(interview, Kind.INVITATION) if _writes_to_candidates(interview) else None


def queue_receipt(interview: Interview) -> CandidateMessage | None:
    """The receipt once the candidate has finished; sent once."""
    if (
        not _writes_to_candidates(interview)
        or interview.candidate_messages.filter(kind=Kind.RECEIPT).exists()
    ):
        return None
    return queue(interview, Kind.RECEIPT)


def queue_code(interview: Interview) -> CandidateMessage:
    """The one-time code's email; the job reads the code from the device, so it is in no job argument."""
    return queue(interview, Kind.CODE)


def _resend_wait(interview: Interview, now) -> int | None:
    invitations = interview.candidate_messages.filter(
        kind=Kind.INVITATION, created_at__gt=now - timedelta(days=1)
    )
    last = invitations.order_by("-created_at").first()
    if last and last.created_at > now - RESEND_INTERVAL:
        return int((last.created_at + RESEND_INTERVAL - now).total_seconds()) + 1
    if invitations.filter(requested_by__isnull=False).count() >= RESENDS_PER_DAY:
        return int(
            (invitations.order_by("created_at").first().created_at + timedelta(days=1) - now).total_seconds()
        )
    return None


@transaction.atomic
def resend_invitation(user, interview: Interview) -> CandidateMessage:
    """A recruiter sends the invitation again (same link, same expiry); rate-limited per interview."""
    locked = (
        Interview.objects.select_for_update(of=("self",)).select_related("organization").get(pk=interview.pk)
    )
    now = timezone.now()
    completed = CandidateSession.objects.filter(interview=locked, completed_at__isnull=False).exists()
    expired = locked.join_expires_at is not None and locked.join_expires_at <= now
    if locked.state not in (State.APPROVED, State.IN_PROGRESS) or expired or completed:
        raise WrongState(
            "The candidate's link can no longer be used, so there is no invitation to send.",
            fields={"state": locked.state},
        )
    if not locked.candidate_email:
        raise Invalid("The interview has no candidate email address.", fields={"candidateEmail": "missing"})
    wait = _resend_wait(locked, now)
    if wait is not None:
        raise ResendLimited(
            f"The invitation was sent recently. You can send it again in {_in_words(wait)}.",
            fields={"retryAfterSeconds": wait},
        )
    return queue(locked, Kind.INVITATION, by=user)


def _in_words(seconds: int) -> str:
    if seconds < 120:
        return f"{seconds} seconds"
    if seconds < 7200:
        return f"{seconds // 60} minutes"
    return f"{seconds // 3600} hours"


def send_reminders() -> int:
    """Queue the reminders now due: before the link expires, once each, only to candidates not started."""
    hours = settings.CANDIDATE_REMINDER_HOURS
    if not hours:
        return 0
    now = timezone.now()
    due = (
        Interview.objects.filter(
            state=State.APPROVED,
            join_expires_at__gt=now,
            join_expires_at__lte=now + timedelta(hours=max(hours)),
            organization__send_candidate_emails=True,
        )
        .exclude(candidate_email="")
        .exclude(candidate_messages__created_at__gt=now - REMINDER_GAP)
        .select_related("organization")
        .order_by("join_expires_at")
    )
    queued = 0
    for interview in due[:REMINDER_BATCH]:
        left = interview.join_expires_at - now
        # The narrowest window the link is in: a link already inside 24 h gets the 24 h one only.
        tag = f"{min(h for h in hours if left <= timedelta(hours=h))}h"
        if interview.candidate_messages.filter(kind=Kind.REMINDER, tag=tag).exists():
            continue
        try:
            with transaction.atomic():
                queue(interview, Kind.REMINDER, tag=tag)
        except IntegrityError:
            continue  # another sweep queued it a moment ago
        queued += 1
    return queued


def requeue_lost() -> int:
    """Enqueue again the emails whose job was lost (a restarted process, a lost broker message).

    Only recent ones: an older email has lost its point (a code is valid for minutes).
    """
    now = timezone.now()
    lost = CandidateMessage.objects.filter(created_at__gt=now - timedelta(days=1)).filter(
        Q(status=Status.QUEUED, created_at__lt=now - timedelta(minutes=5))
        | Q(status=Status.SENDING, claimed_at__lt=_stale_claim())
        | Q(status=Status.RETRYING, claimed_at__lt=now - timedelta(seconds=max(DEFAULT_RETRY_DELAYS) + 3600))
    )
    ids = [str(message_id) for message_id in lost.values_list("id", flat=True)[:REMINDER_BATCH]]
    for message_id in ids:
        jobs.enqueue(SEND_TASK, message_id)
    return len(ids)


# --- the job ------------------------------------------------------------------------------


def _stale_claim():
    # Longer than one send can take (connect + send, each bounded by EMAIL_TIMEOUT).
    return timezone.now() - timedelta(seconds=3 * settings.EMAIL_TIMEOUT + 60)


def _claim(message_id) -> CandidateMessage | None:
    """Take the message for this run; None when another run has it or it is done (idempotent job).

    A message left "sending" by a worker that died mid-send is taken again once its claim is stale.
    """
    claimable = Q(status__in=(Status.QUEUED, Status.RETRYING)) | Q(
        status=Status.SENDING, claimed_at__lt=_stale_claim()
    )
    claimed = CandidateMessage.objects.filter(claimable, id=message_id).update(
        status=Status.SENDING, attempts=F("attempts") + 1, claimed_at=timezone.now()
    )
    if not claimed:
        return None
    return CandidateMessage.objects.select_related("interview__organization", "interview__current_plan").get(
        id=message_id
    )


def _finish(message: CandidateMessage, status: str, *, error: str = "", subject: str | None = None) -> None:
    message.status, message.error = status, error[:1000]
    fields = ["status", "error"]
    if subject is not None:
        message.subject = subject[:300]
        fields.append("subject")
    if status == Status.SENT:
        message.sent_at = timezone.now()
        fields.append("sent_at")
    message.save(update_fields=fields)


def _release_code_cooldown(message: CandidateMessage) -> None:
    """The code never arrived: the candidate may ask for another at once, and it does not count."""
    device = CandidateEmailDevice.objects.filter(interview_id=message.interview_id).first()
    if device is not None:
        device.sent_at_log = device.sent_at_log[:-1]
        device.cooldown_reset(commit=False)
        device.save(update_fields=["sent_at_log", "last_generated_timestamp"])


def deliver(message_id, *, retries: int) -> float | None:
    """Send the message; returns seconds to wait before a retry, or None when nothing is left to do.

    No transaction and no lock is held while the mail server is talked to.
    """
    message = _claim(message_id)
    if message is None:
        return None
    try:
        composed = mail_content.compose(message)
    except mail_content.NothingToSend as reason:
        _finish(message, Status.SKIPPED, error=str(reason))
        return None
    try:
        composed.email.send()
    except (smtplib.SMTPException, OSError) as exc:
        return _failed(message, composed.recorded_subject, exc, retries)
    _finish(message, Status.SENT, subject=composed.recorded_subject)
    logger.info("sent the %s email of interview %s", message.kind, message.interview_id)
    return None


def _failed(message: CandidateMessage, subject: str, exc: Exception, retries: int) -> float | None:
    error = f"{exc.__class__.__name__}: {exc}"
    permanent = isinstance(exc, smtplib.SMTPRecipientsRefused)
    logger.warning("the %s email of interview %s failed: %s", message.kind, message.interview_id, error)
    if permanent or retries >= MAX_RETRIES:
        _finish(message, Status.FAILED, error=error, subject=subject)
        if message.kind == Kind.CODE:
            _release_code_cooldown(message)
        return None
    _finish(message, Status.RETRYING, error=error, subject=subject)
    return RETRY_DELAYS.get(message.kind, DEFAULT_RETRY_DELAYS)[retries]

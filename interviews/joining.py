"""Joining an interview: the link, the email code, consent and the device check.

A join link carries a random token; only its hash is stored. Opening it, the
candidate proves the email address with a one-time code (which binds this
browser session to this one link), consents (with the code, or right after
it: never before, so whoever else holds the link cannot consent for them) and
checks camera and microphone. Only then may the browser open the live socket.
"""

from __future__ import annotations

import hashlib
import logging
import secrets

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from interview_platform.api import DomainError

from . import mailing
from .models import CandidateSession, Interview, State
from .otp import CODE_TTL, MAX_CODES_PER_HOUR, MAX_WRONG_TRIES, CandidateEmailDevice

logger = logging.getLogger(__name__)

SESSION_KEY = "candidate_interview"
# The interview this browser session consented to; consent is given after the
# code proved who is there, so someone else holding the link cannot give it.
CONSENT_KEY = "candidate_consent"


class LinkProblem(DomainError):
    """The link cannot be used; ``code`` says why so the page can say what to do."""

    status_code = 404


class CodeProblem(DomainError):
    status_code = 400


class TooManyRequests(DomainError):
    status_code = 429
    code = "throttled"


class NotVerified(DomainError):
    status_code = 403
    code = "not_verified"


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def mint_join_link(interview: Interview) -> tuple[str, dict]:
    """A fresh candidate link: the token (>= 128 random bits) is returned once, only its hash kept."""
    token = secrets.token_urlsafe(32)
    link = f"{settings.PUBLIC_BASE_URL}/interview/join/{token}"
    changes = {
        "join_token_hash": token_hash(token),
        "join_expires_at": timezone.now() + settings.JOIN_LINK_TTL,
    }
    return link, changes


def resolve(token: str, *, for_update: bool = False) -> Interview:
    """The interview behind a join token, if the link can still be used."""
    if not token or len(token) > 200:
        raise LinkProblem("This interview link is not valid.", code="unknown")
    queryset = Interview.objects.select_related("organization")
    if for_update:
        queryset = queryset.select_for_update(of=("self",))
    interview = queryset.filter(join_token_hash=token_hash(token)).first()
    check_link(interview)
    return interview


def check_link(interview: Interview | None, joined: CandidateSession | None = None) -> None:
    """Raise LinkProblem unless the interview read by a join token may still be joined.

    ``joined``: its candidate session, when read with it already (None: read here when needed).
    """
    if interview is None:
        raise LinkProblem("This interview link is not valid.", code="unknown")
    if interview.state == State.CANCELLED:
        raise LinkProblem("This interview has been cancelled.", code="cancelled")
    if interview.state == State.EXPIRED or (
        interview.state == State.APPROVED
        and interview.join_expires_at
        and interview.join_expires_at < timezone.now()
    ):
        raise LinkProblem("This interview link has expired.", code="expired")
    if interview.state in (State.ASSESSMENT_PENDING, State.ASSESSMENT_APPROVED) or (
        interview.state == State.IN_PROGRESS and (joined or candidate_session(interview)).completed_at
    ):
        raise LinkProblem("This interview has already been completed.", code="used")
    if interview.state not in (State.APPROVED, State.IN_PROGRESS):
        raise LinkProblem("This interview link cannot be used.", code="unavailable")


def candidate_session(interview: Interview) -> CandidateSession:
    session, _ = CandidateSession.objects.get_or_create(interview=interview)
    return session


def websocket_url(token: str) -> str:
    base = settings.SOCKET_BASE_URL or settings.PUBLIC_BASE_URL
    scheme = "wss" if base.startswith("https://") else "ws"
    return f"{scheme}://{base.split('://', 1)[1]}/ws/interview/{token}/"


def record_consent(token: str, session) -> None:
    """The verified candidate agrees, in this browser session (a new session asks again)."""
    interview = verified_interview(token, session)
    _consent(interview, session)


def _consent(interview: Interview, session) -> None:
    session[CONSENT_KEY] = str(interview.id)
    CandidateSession.objects.filter(pk=candidate_session(interview).pk).update(consented_at=timezone.now())


def send_code(token: str) -> int:
    """Make a fresh code and have a job email it after the commit; returns its lifetime in seconds.

    Nothing waits for the mail server here: the interview row is locked only
    while the code is made. The job reads the code from the device when it
    sends, so the code is in no log and no job argument; if the email cannot
    be sent, the job records the failure and releases the cooldown.
    """
    with transaction.atomic():
        interview = resolve(token, for_update=True)
        device, _ = CandidateEmailDevice.objects.get_or_create(
            interview=interview, defaults={"name": "email"}
        )
        _check_sending_allowed(device)
        device.new_code()
        mailing.queue_code(interview)
    logger.info("queued a join code email for interview %s", interview.id)
    return int(CODE_TTL.total_seconds())


def _check_sending_allowed(device: CandidateEmailDevice) -> None:
    allowed, info = device.generate_is_allowed()
    if not allowed:
        wait = int((info["next_generation_at"] - timezone.now()).total_seconds()) + 1
        raise TooManyRequests(
            f"A code was sent moments ago. You can ask for a new one in {wait} s.",
            fields={"retryAfterSeconds": wait},
        )
    if len(device.sends_in_last_hour(timezone.now())) >= MAX_CODES_PER_HOUR:
        raise TooManyRequests(
            "Too many codes were sent for this link in the last hour. Please try again later.",
            fields={"retryAfterSeconds": 3600},
        )


def _check_code(device: CandidateEmailDevice | None, code: str) -> CodeProblem | None:
    if device is None or device.token is None:
        if device is not None and device.wrong_tries >= MAX_WRONG_TRIES:
            return CodeProblem("Too many wrong codes. Ask for a new code.", code="code_locked")
        return CodeProblem("No valid code. Ask for a new code.", code="code_expired")
    if timezone.now() >= device.valid_until:
        return CodeProblem("This code has expired. Ask for a new code.", code="code_expired")
    if device.check_code(code):
        return None
    left = MAX_WRONG_TRIES - device.wrong_tries
    if left <= 0:
        return CodeProblem("Too many wrong codes. Ask for a new code.", code="code_locked")
    return CodeProblem(
        f"That code is not right. {left} {'try' if left == 1 else 'tries'} left.",
        code="code_invalid",
        fields={"code": "wrong"},
    )


def verify_code(token: str, code: str, session, *, consent: bool = False) -> str:
    """Check the code and bind this browser session to this one link (and record consent, if given)."""
    with transaction.atomic():
        interview = resolve(token)
        # Locked, so parallel guesses are counted one after another: five tries means five.
        device = CandidateEmailDevice.objects.select_for_update().filter(interview=interview).first()
        problem = _check_code(device, code)
    # Raised after the commit, so the wrong try stays counted.
    if problem:
        raise problem
    # A fresh session key: a session id planted before verification is worthless after.
    session.cycle_key()
    session[SESSION_KEY] = str(interview.id)
    CandidateSession.objects.filter(pk=candidate_session(interview).pk).update(verified_at=timezone.now())
    if consent:
        _consent(interview, session)
    return websocket_url(token)


def verified_interview(token: str, session) -> Interview:
    interview = resolve(token)
    if session.get(SESSION_KEY) != str(interview.id):
        raise NotVerified("Verify your email with the one-time code first.")
    return interview


def record_device_check(token: str, session, camera: bool, microphone: bool, details: dict) -> bool:
    """Store what the browser found; the candidate is ready either way (no camera or microphone: typing)."""
    interview = verified_interview(token, session)
    CandidateSession.objects.filter(pk=candidate_session(interview).pk).update(
        camera_ok=camera, microphone_ok=microphone, device_checked_at=timezone.now(), device_details=details
    )
    return True


def readiness_problem(
    interview: Interview, session_data, joined: CandidateSession | None = None
) -> tuple[str, str] | None:
    """Why this browser session may not join the socket now, or None.

    ``joined``: the interview's candidate session, when read with it already.
    """
    if session_data.get(SESSION_KEY) != str(interview.id):
        return "not_verified", "Verify your email with the one-time code first."
    if session_data.get(CONSENT_KEY) != str(interview.id):
        return "no_consent", "Please accept the interview terms on the join page first."
    if not (joined or candidate_session(interview)).device_ok:
        return "device_check_required", "Complete the device check first."
    return None

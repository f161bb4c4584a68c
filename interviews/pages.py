"""The candidate's join page: one server-rendered page; the modules in static/candidate/ drive the flow.

The page itself holds no secrets: the join token is already in its URL, the
email is shown masked, and every action goes through the JSON endpoints and
the socket, which check the link and the session again.
"""

from __future__ import annotations

from django.conf import settings
from django.shortcuts import render
from django.urls import reverse
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import ensure_csrf_cookie
from django.views.decorators.http import require_safe

from . import joining, live, transparency
from .agents.conversation import NEXT_STEPS_LEAD
from .models import CandidateSession, Interview, Level, State
from .otp import CODE_DIGITS, RESEND_COOLDOWN
from .speech import providers

# Problems the candidate cannot fix by retrying: the link existed but its time is over.
GONE = {"expired", "used", "cancelled"}

LINK_PROBLEMS = {
    "unknown": (
        "This interview link is not valid",
        "The address may be incomplete or mistyped, or the link may have been replaced by a newer one.",
        "Open the link again from the most recent email about this interview, or contact the recruiter "
        "who invited you for a new link.",
    ),
    "expired": (
        "This interview link has expired",
        "Interview links can only be used for a limited time, and this one is no longer valid.",
        "Contact the recruiter who invited you and ask for a new link.",
    ),
    "cancelled": (
        "This interview has been cancelled",
        "The company has cancelled this interview, so the link can no longer be used.",
        "If you think this is a mistake, contact the recruiter who invited you.",
    ),
    "used": (
        "This interview is already complete",
        "Your answers have been submitted and each link can be used for one interview only.",
        "There is nothing else to do. The recruiter will contact you about the next steps.",
    ),
    "unavailable": (
        "This interview is not available",
        "The interview behind this link cannot be taken right now.",
        "Contact the recruiter who invited you.",
    ),
}


def content_security_policy(request) -> str:
    """Everything comes from this origin, so nothing else may run, load or frame the candidate pages.

    The socket's origin is named explicitly: older Safari versions do not count ws(s) as 'self'.
    """
    host = request.get_host()
    socket_origin = ""
    if settings.SOCKET_BASE_URL:
        socket_origin = " " + settings.SOCKET_BASE_URL.replace("http", "ws", 1)
    return "; ".join(
        [
            "default-src 'self'",
            "script-src 'self'",
            "style-src 'self'",
            "img-src 'self' data:",
            "media-src 'self' blob: mediastream:",
            f"connect-src 'self' ws://{host} wss://{host}{socket_origin}",
            "object-src 'none'",
            "base-uri 'none'",
            "form-action 'self'",
            "frame-ancestors 'none'",
        ]
    )


def mask_email(email: str) -> str:
    """j***@example.com: enough for the candidate to recognise the address, not enough to harvest it."""
    local, sep, domain = (email or "").partition("@")
    if not sep or not local:
        return "your email address"
    return f"{local[0]}***@{domain}"


def _organization_name(token: str) -> str:
    """Whose interview a known-but-unusable link was, so the page says who to contact."""
    if not token or len(token) > 200:
        return ""
    names = Interview.objects.filter(join_token_hash=joining.token_hash(token))
    return names.values_list("organization__name", flat=True).first() or ""


def _link_error(request, token: str, problem: joining.LinkProblem):
    code = problem.code if problem.code in LINK_PROBLEMS else "unknown"
    title, what, todo = LINK_PROBLEMS[code]
    status = 410 if code in GONE else 404
    organization = _organization_name(token) if code != "unknown" else ""
    response = render(
        request,
        "candidate/link_error.html",
        {"title": title, "what": what, "todo": todo, "code": code, "organization": organization},
        status=status,
    )
    response["Content-Security-Policy"] = content_security_policy(request)
    return response


def _endpoints(token: str) -> dict:
    return {
        "consent": reverse("candidate-consent", args=[token]),
        "otp": reverse("candidate-otp", args=[token]),
        "verify": reverse("candidate-verify", args=[token]),
        "deviceCheck": reverse("candidate-device-check", args=[token]),
        # URL templates: the page puts the question's or recording's id in place of the placeholder.
        "audio": reverse("candidate-answer-audio", args=[token, "QUESTION_ID"]),
        "recording": reverse("candidate-recording", args=[token, "RECORDING_ID"]),
    }


def _answer_mode(state: CandidateSession | None, voice: bool) -> str | None:
    """How the candidate chose to answer at the device check, so a reload keeps it."""
    mode = (state.device_details or {}).get("mode") if state and state.device_checked_at else None
    if mode == "typing" or (mode == "voice" and voice):
        return mode
    return None


@require_safe
@never_cache
@ensure_csrf_cookie
def join_page(request, token: str):
    try:
        interview = joining.resolve(token)
    except joining.LinkProblem as problem:
        return _link_error(request, token, problem)

    plan = interview.current_plan
    questions = plan.questions.count() if plan else 0
    duration = plan.duration_minutes if plan else interview.duration_minutes
    state = CandidateSession.objects.filter(interview=interview).first()
    verified = request.session.get(joining.SESSION_KEY) == str(interview.id)
    masked = mask_email(interview.candidate_email)
    level = Level(interview.level).label if interview.level in Level.values else ""
    organization = interview.organization
    voice = providers.enabled()
    # Everything the page's scripts need, as JSON in the page (no inline script: CSP allows only our files).
    config = {
        "organization": organization.name,
        "position": interview.position,
        "questions": questions,
        "durationMinutes": duration,
        "maskedEmail": masked,
        "verified": verified,
        # Consent belongs to this browser session; the box is never ticked for anyone.
        "consented": request.session.get(joining.CONSENT_KEY) == str(interview.id),
        "deviceChecked": bool(state and state.device_checked_at),
        "deviceOk": bool(state and state.device_ok),
        "started": interview.state == State.IN_PROGRESS,
        "codeDigits": CODE_DIGITS,
        "resendCooldownSeconds": int(RESEND_COOLDOWN.total_seconds()),
        "maxAnswerChars": live.MAX_ANSWER_CHARS,
        "voiceAvailable": voice,
        "answerMode": _answer_mode(state, voice),
        "interviewer": organization.interviewer_name,
        "maxRecordingBytes": settings.RECORDING_MAX_BYTES,
        "maxRecordingSeconds": settings.RECORDING_MAX_SECONDS,
        "endpoints": _endpoints(token),
        "websocketUrl": joining.websocket_url(token),
        "websocketSameOrigin": not settings.SOCKET_BASE_URL,
        "nextStepsLead": NEXT_STEPS_LEAD,
    }
    context = {
        "organization": organization.name,
        "position": interview.position,
        "level": level,
        "duration_minutes": duration,
        "question_count": questions,
        "masked_email": masked,
        "verified": verified,
        "code_digits": CODE_DIGITS,
        "max_answer_chars": live.MAX_ANSWER_CHARS,
        "voice_available": voice,
        "interviewer": organization.interviewer_name,
        "contact_email": organization.contact_email,
        "retention_days": settings.RECORDING_RETENTION_DAYS,
        "transparency": transparency.context(organization, interview.position),
        "config": config,
    }
    return _with_policy(request, render(request, "candidate/join.html", context))


def _with_policy(request, response):
    response["Content-Security-Policy"] = content_security_policy(request)
    return response

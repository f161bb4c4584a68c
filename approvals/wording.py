"""Recruiters' words for the platform's codes: states, recommendations, kinds, actors, reasons, deliveries.

The API and the database speak in codes (``ASSESSMENT_PENDING``, ``api-key:Demo ATS``,
``timeout after 10s: HTTPSConnectionPool(...)``); the dashboard says what they mean.
Anything technical that is still worth keeping (the raw code, the receiver's
error) goes behind an "Integration details" disclosure in the templates.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from interviews.models import DataQuality, Level

STATES = {
    "INFO_NEEDED": "Information needed",
    "VALIDATING_SKILLS": "Writing the plan",
    "PENDING": "Plan awaiting approval",
    "APPROVED": "Plan approved",
    "IN_PROGRESS": "Interview in progress",
    "ASSESSMENT_PENDING": "Assessment awaiting approval",
    "ASSESSMENT_APPROVED": "Assessment approved",
    "REJECTED": "Plan rejected",
    "CANCELLED": "Cancelled",
    "EXPIRED": "Link expired",
    "FAILED": "Failed",
}
RECOMMENDATIONS = {
    "STRONG_HIRE": "Strong hire",
    "HIRE": "Hire",
    "LEAN_NO_HIRE": "Lean no hire",
    "NO_HIRE": "No hire",
}
QUESTION_KINDS = {"technical": "Technical", "behavioral": "Behavioral", "system_design": "System design"}
FLAG_KINDS = {
    "paste": "Pasted text",
    "fast_typing": "Very fast typing",
    "away": "Time away from the interview",
    "fast_answer": "Very fast answer",
    "edited_transcript": "Edited transcript",
}
BROWSER_EVENTS = {
    "tab_hidden": "Left the tab",
    "tab_visible": "Came back to the tab",
    "focus_lost": "Switched to another window",
    "focus_gained": "Came back to the window",
    "paste": "Pasted text",
    "copy": "Copied text",
}
AI_STEPS = {
    "validate_skills": "Checking the skills",
    "plan": "Writing the plan",
    "next_turn": "Choosing the next question",
    "assess": "Scoring the answers",
    "rephrase": "Rewording a question",
}
EVENTS = {
    "interview.info_needed": "Information requested",
    "interview.plan_generated": "Plan ready",
    "interview.plan_approved": "Plan approved",
    "interview.plan_rejected": "Plan rejected",
    "interview.started": "Interview started",
    "interview.completed": "Interview finished",
    "interview.assessment_generated": "Assessment ready",
    "interview.assessment_approved": "Assessment approved",
    "interview.cancelled": "Interview cancelled",
    "interview.expired": "Link expired",
    "interview.failed": "Interview could not continue",
    "interview.erased": "Candidate's data erased",
}
LANGUAGES = {
    "en": "English",
    "de": "German",
    "fr": "French",
    "es": "Spanish",
    "pt": "Portuguese",
    "nl": "Dutch",
}

DECISIONS = {"APPROVED": "Approved", "REJECTED": "Rejected", "REGENERATE": "Rejected, new version asked for"}

# The vocabularies by name, as templates ask for them: ``{{ interview.state|say:"state" }}``.
VOCABULARIES = {
    "state": STATES,
    "recommendation": RECOMMENDATIONS,
    "kind": QUESTION_KINDS,
    "flag": FLAG_KINDS,
    "browser_event": BROWSER_EVENTS,
    "step": AI_STEPS,
    "event": EVENTS,
    "decision": DECISIONS,
    "level": {value: value.capitalize() for value in Level.values},
    "quality": {value: value.capitalize() for value in DataQuality.values},
}


def humanize(code) -> str:
    """``SOME_CODE`` -> ``Some code``: the fallback for codes no vocabulary names."""
    text = str(code or "").replace("_", " ").strip()
    return text[:1].upper() + text[1:].lower()


def say(code, vocabulary: str) -> str:
    """The recruiter's word for ``code`` from the named vocabulary (a humanized code when it has none)."""
    key = str(code or "")
    return VOCABULARIES[vocabulary].get(key) or humanize(key)


def choices(values, vocabulary: str) -> list[tuple[str, str]]:
    """``[(code, words)]`` for a form's select."""
    return [(value, say(value, vocabulary)) for value in values]


def language(tag: str) -> str:
    base = str(tag or "").split("-")[0].lower()
    return LANGUAGES.get(base, str(tag or "—"))


def engine(name: str) -> str:
    """Which engine scored or planned, as a recruiter would put it."""
    if name == "heuristic":
        return "the built-in scoring rules (no AI model)"
    if name == "llm":
        return "the AI model"
    return f"the {name or 'AI'} engine"


def actor(label: str, user=None) -> str:
    """Who did something: a person's email, the ATS, the candidate, or the platform itself."""
    if user is not None:
        return user.email
    kind, _, name = str(label or "").partition(":")
    if kind == "api-key":
        return "Your ATS (through the API)"
    if kind == "user":
        return name
    if kind == "candidate":
        return "The candidate"
    return "Automatically"


# --- timeline reasons -----------------------------------------------------------------

_REASONS = (
    (re.compile(r"^request complete$"), lambda m: "The request had everything needed to write a plan."),
    (re.compile(r"^missing information supplied$"), lambda m: "The missing information was filled in."),
    (re.compile(r"^candidate joined$"), lambda m: "The candidate opened the link and started."),
    (re.compile(r"^plan v(\d+) generated by the (\w+) engine$"), lambda m: f"Plan version {m[1]} written."),
    (
        re.compile(r"^assessed by the (\w+) engine: (\d+)/100 (\w+)$"),
        lambda m: f"Scored {m[2]}/100, {say(m[3], 'recommendation').lower()}.",
    ),
    (
        re.compile(r"^plan rejected, regenerating(?:: (.*))?$", re.S),
        lambda m: "Plan rejected; a new version is being written" + (f": “{m[1]}”" if m[1] else "."),
    ),
    (re.compile(r"^overridden: (.*)$", re.S), lambda m: f"Overridden: “{m[1]}”"),
    (
        re.compile(r"^(\w+) failed: .*$", re.S),
        lambda m: f"{FAILED_STEPS.get(m[1], humanize(m[1]))} stopped with an error.",
    ),
)
# The job names a failure reason starts with (interviews/tasks.py).
FAILED_STEPS = {"planning": "Writing the plan", "interviewing": "The interview", "assessment": "Scoring"}
_MISSING = re.compile(r"^missing: (.+)$")


@dataclass(frozen=True)
class Reason:
    """A timeline reason in plain words, and the stored text when it says more (for the disclosure)."""

    text: str
    raw: str = ""


def reason(text: str, labels=None) -> Reason:
    """The stored reason of a state change, for recruiters; ``labels`` names the API's field names."""
    text = str(text or "").strip()
    if not text:
        return Reason("")
    missing = _MISSING.match(text)
    if missing and labels is not None:
        names = [name.strip() for name in missing[1].split(",")]
        return Reason(f"Missing: {labels(names)}.")
    for pattern, words in _REASONS:
        match = pattern.match(text)
        if match:
            plain = words(match)
            technical = pattern is _REASONS[-1][0]
            return Reason(plain, raw=text if technical else "")
    return Reason(text[:1].upper() + text[1:])


# --- webhook deliveries ---------------------------------------------------------------


@dataclass(frozen=True)
class DeliveryWords:
    label: str  # Delivered | Sending | Retrying | Failed
    tone: str
    reason: str = ""


_TIMEOUT = re.compile(r"^timeout after ([\d.]+)s")
_HTTP = re.compile(r"^HTTP (\d{3})")
_GAVE_UP = re.compile(r"\(gave up after (\d+) attempts\)$")


def delivery_reason(error: str, status_code=None) -> str:
    """Why a delivery did not (yet) arrive, in one plain sentence."""
    error = str(error or "").strip()
    if not error and not status_code:
        return ""
    timeout = _TIMEOUT.match(error)
    http = _HTTP.match(error)
    code = int(http[1]) if http else status_code
    if error.startswith("refused:"):
        text = "Address not allowed: the receiver's address is on a private or blocked network."
    elif timeout:
        text = f"The receiver did not answer within {float(timeout[1]):g} s."
    elif error.startswith("connection failed"):
        text = "The receiver could not be reached."
    elif error.startswith("no result recorded"):
        text = "The sending was interrupted on our side."
    elif code == 410:
        text = "The receiver said this address is gone (HTTP 410); nothing more is sent to it."
    elif code == 429:
        text = "The receiver asked us to slow down (HTTP 429)."
    elif code and 300 <= code < 400:
        text = f"The receiver answered with a redirect (HTTP {code}), which is not followed."
    elif code and code >= 400:
        text = f"The receiver refused the request (HTTP {code})."
    else:
        text = "The request could not be sent."
    gave_up = _GAVE_UP.search(error)
    if gave_up:
        text += f" Gave up after {gave_up[1]} attempts."
    return text


def delivery(status: str, attempts: int, error: str = "", status_code=None) -> DeliveryWords:
    """A webhook delivery's state: Delivered, Sending, Retrying or Failed, and why."""
    if status == "SUCCEEDED":
        return DeliveryWords("Delivered", "ok")
    if status == "FAILED":
        return DeliveryWords("Failed", "bad", delivery_reason(error, status_code))
    if status == "PENDING" and attempts:
        return DeliveryWords("Retrying", "warn", delivery_reason(error, status_code))
    return DeliveryWords("Sending", "info")

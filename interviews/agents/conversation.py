"""What the interviewer says around the questions, the same whichever engine runs.

Introduction
    :func:`introduction` greets the candidate by the organization's interviewer
    name and gives the agenda: how many questions, about how long, voice or
    typing, and that a question can be repeated or put another way.

Repeat and rephrase
    A candidate may ask for the open question again (the same words) or for
    another wording, at most ``MAX_REPHRASINGS`` times per question; after that
    the question is repeated. The LLM engine rewords with the model; the
    heuristic engine (and the LLM engine's fallback) uses :func:`restate`.

Closing
    After the last planned question the interviewer asks ``CLOSING_QUESTION``;
    the answer is stored for the recruiters and never scored. The completed
    message then says what happens next (:func:`next_steps`).
"""

from __future__ import annotations

import re

from interviews.agents.base import PlannedQuestion
from interviews.agents.text import count_phrase

MAX_REPHRASINGS = 2

CLOSING_QUESTION = (
    "That was the last of my questions. Do you have any questions for us? "
    "Anything about the role, the team or the process: we will pass them on to the recruiting team. "
    "If not, just say so."
)

_NO_QUESTIONS_RE = re.compile(
    r"^\W*(no|nope|none|nothing|not really|no questions?|no,? thanks?( you)?|no,? thank you|"
    r"i'?m good|all good|n/?a)\W*$",
    re.IGNORECASE,
)


def introduction(
    *, interviewer: str, organization: str, position: str, questions: int, minutes: int, voice: bool
) -> str:
    """The interviewer's opening words, with the agenda."""
    role = f" for the {position} role" if position else ""
    how = (
        "You can answer each question by speaking or by typing, whichever you prefer; both count the same."
        if voice
        else "Please type your answers; there is no spoken mode in this interview."
    )
    return (
        f"Hi, I'm {interviewer}, and I'll be your interviewer today{role} at {organization}. "
        f"We have {count_phrase(questions, 'question')} planned, which should take about "
        f"{count_phrase(minutes, 'minute')}. {how} "
        "If you would like a question repeated or put another way, just ask. "
        "At the end you can ask us your own questions. Take your time; let's begin."
    )


def asked_questions(answer: str) -> bool:
    """Whether a closing answer holds questions for the team (not just "no, thanks")."""
    return bool(answer.strip()) and not _NO_QUESTIONS_RE.match(answer.strip())


# Where the next steps begin in the completed message; the candidate's page lists them on its own.
NEXT_STEPS_LEAD = "What happens next:"


def next_steps(*, organization: str, contact_email: str = "", has_questions: bool = False) -> str:
    """What happens after the interview, for the completed message."""
    text = (
        f"{NEXT_STEPS_LEAD} the {organization} recruiting team reviews your interview and will "
        "contact you by email about the outcome."
    )
    if has_questions:
        text += " Your questions have been passed on to them."
    if contact_email:
        text += f" If you need anything in the meantime, write to {contact_email}."
    return text + " You can close this window now."


# ---------------------------------------------------------------------------
# Rephrasing without a model

_ASPECT = {
    "technical": "Thinking about your hands-on experience with {skill}",
    "system_design": "Thinking about how you would design and run such a system",
    "behavioral": "Thinking about a real situation you have been in",
}
_SENTENCE_RE = re.compile(r"(?<=[?.!])\s+")
# "How does X work, and how would you ...": two questions in one sentence.
_SECOND_QUESTION_RE = re.compile(
    r",?\s+and\s+(?=(?:how|what|why|when|which|where|who|whether|would|do|can)\b)", re.IGNORECASE
)
_STEP_LABELS = ("First", "Then", "After that", "Finally")


def _as_question(part: str) -> str:
    part = part.strip().rstrip(",;")
    part = part[:1].upper() + part[1:]
    return part if part.endswith(("?", ".", "!")) else part + "?"


def _parts(text: str) -> list[str]:
    sentences = [s for s in _SENTENCE_RE.split(text.strip()) if s]
    if len(sentences) == 1:
        sentences = [s for s in _SECOND_QUESTION_RE.split(sentences[0], maxsplit=1) if s.strip()]
    return [_as_question(s) for s in sentences]


_OPENING_WORDS = frozenset(
    [
        "how",
        "what",
        "why",
        "when",
        "which",
        "where",
        "who",
        "whose",
        "can",
        "could",
        "would",
        "should",
        "do",
        "does",
        "did",
        "is",
        "are",
        "tell",
        "describe",
        "explain",
        "walk",
        "imagine",
        "suppose",
        "say",
        "give",
        "you",
        "your",
        "let",
    ]
)


def _lower_first(text: str) -> str:
    # "How do ..." -> "how do ...", but names stay as they are ("React ...", "SQL ...").
    first = text.split(" ", 1)[0]
    return text[:1].lower() + text[1:] if first.lower() in _OPENING_WORDS else text


def restate(question: PlannedQuestion, asked: str, attempt: int = 1) -> str:
    """A deterministic second wording of ``asked``: in parts, or from another angle.

    A question of several parts is first taken one part at a time, then put
    whole from the angle to answer it from; a one-part question gets the angle
    first, then a plain restatement inviting an example. Never adds a hint at
    the answer: only the question's own words, its skill and its kind are used.
    """
    asked = " ".join(asked.split())
    parts = _parts(asked)
    aspect = _ASPECT.get(question.kind, _ASPECT["technical"]).format(skill=question.skill)
    invite = "Answer in your own words, with an example from your own experience if you have one."
    if len(parts) > 1:
        if attempt <= 1:
            steps = [f"{_STEP_LABELS[min(i, 3)]}: {p}" for i, p in enumerate(parts)]
            return "Let me put that another way, one part at a time. " + " ".join(steps)
        return f"Let me put it differently. {aspect}: {_lower_first(asked)} {invite}"
    if attempt <= 1:
        return f"Let me put that another way. {aspect}: {_lower_first(parts[0])}"
    return f"No problem, let's keep it simple. The question is: {_lower_first(parts[0])} {invite}"

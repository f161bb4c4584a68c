"""The interview rules both engines share, so the two can never drift apart.

Time
    The questions' minutes add up to at most the interview's duration less the
    introduction and closing (:func:`question_budget`); a question lasts
    ``MIN_QUESTION_MINUTES`` to ``MAX_QUESTION_MINUTES``.

Levels
    A level is asked questions of the difficulties in ``LEVEL_PREFERENCES``,
    best fit first; "harder" / "easier" feedback moves the level one step.
    Senior levels (and only they) get a system-design question.

Order and flow
    Technical questions first, then system design, then behavioural. The
    planned questions are asked in order; after the last one the interview
    ends with ``CLOSING``.

Scores
    A question scores 1..5; an unanswered question scores 1 and an answer
    shorter than ``SHORT_ANSWER_WORDS`` words at most 2. A skill's score is the
    mean of its questions' scores (2 decimals); the overall score is
    ``round((mean question score - 1) / 4 * 100)``, half rounded up.

Recommendation (``RECOMMENDATION_THRESHOLDS``)
    overall >= 80 STRONG_HIRE, >= 65 HIRE, >= 45 LEAN_NO_HIRE, else NO_HIRE.

Feedback on a plan
    :func:`parse_feedback` reads a recruiter's regenerate feedback.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from interviews.agents.base import (
    LEVELS,
    Assessment,
    IntegrityEvent,
    InterviewRequest,
    NextMove,
    Plan,
    PlannedQuestion,
    QuestionScore,
    Turn,
)
from interviews.agents.concerns import build_flags
from interviews.agents.summaries import summary
from interviews.agents.taxonomy import BEHAVIORAL, SPECIAL_SKILLS, SYSTEM_DESIGN, Taxonomy, taxonomy
from interviews.agents.text import phrase_pattern

# ---------------------------------------------------------------------------
# Time

INTRO_CLOSING_MINUTES = 5
MIN_QUESTION_MINUTES = 3
MAX_QUESTION_MINUTES = 12
DEFAULT_DURATION_MINUTES = 45


def interview_minutes(request: InterviewRequest) -> int:
    """The interview's length; a request without one gets the default."""
    return request.duration_minutes or DEFAULT_DURATION_MINUTES


def question_budget(duration: int) -> int:
    """Minutes left for questions once the introduction and closing are taken off the top."""
    return duration - min(INTRO_CLOSING_MINUTES, max(1, duration // 6))


def clamp_question_minutes(minutes: int) -> int:
    return min(MAX_QUESTION_MINUTES, max(MIN_QUESTION_MINUTES, minutes))


# ---------------------------------------------------------------------------
# Levels

# Difficulties a level may be asked, best fit first. Junior candidates never
# see senior+ questions and principals never see junior/mid ones.
LEVEL_PREFERENCES: dict[str, tuple[str, ...]] = {
    "JUNIOR": ("JUNIOR", "MID"),
    "MID": ("MID", "JUNIOR", "SENIOR"),
    "SENIOR": ("SENIOR", "MID", "LEAD"),
    "LEAD": ("LEAD", "SENIOR", "PRINCIPAL"),
    "PRINCIPAL": ("PRINCIPAL", "LEAD", "SENIOR"),
}
SENIOR_LEVELS = ("SENIOR", "LEAD", "PRINCIPAL")


def interview_level(level: str) -> str:
    """The request's level, or MID when it is not one of ``LEVELS``."""
    return level if level in LEVELS else "MID"


def allowed_difficulties(level: str, shift: int) -> tuple[str, ...]:
    """The difficulties for ``level`` moved ``shift`` steps (feedback), best fit first."""
    shifted = LEVELS[min(len(LEVELS) - 1, max(0, LEVELS.index(level) + shift))]
    return LEVEL_PREFERENCES[shifted]


def asks_system_design(level: str, skip: Iterable[str]) -> bool:
    return level in SENIOR_LEVELS and SYSTEM_DESIGN not in skip


# ---------------------------------------------------------------------------
# Order and flow

KIND_ORDER = ("technical", "system_design", "behavioral")

CLOSING = (
    "Thank you for your time and thoughtful answers, that's all the questions we have. "
    "The recruiting team will review the interview and be in touch with you about next steps."
)


def kind_rank(kind: str) -> int:
    """Where a question of ``kind`` comes in the interview's flow."""
    return KIND_ORDER.index(kind)


def next_question(plan: Plan, turns: Sequence[Turn]) -> NextMove:
    """The first planned question without a main answer, or the closing words."""
    answered = {t.question_index for t in turns if t.kind == "main"}
    for i, q in enumerate(plan.questions):
        if i not in answered:
            return NextMove(action="question", question_index=i, text=q.text)
    return NextMove(action="complete", question_index=None, text=CLOSING)


# ---------------------------------------------------------------------------
# Scores

SHORT_ANSWER_WORDS = 8
SHORT_ANSWER_MAX_SCORE = 2
MAX_EVIDENCE = 3
MAX_EVIDENCE_CHARS = 300
NOT_ANSWERED = "not answered"

RECOMMENDATION_THRESHOLDS: tuple[tuple[int, str], ...] = (
    (80, "STRONG_HIRE"),
    (65, "HIRE"),
    (45, "LEAN_NO_HIRE"),
)
NO_HIRE = "NO_HIRE"
STRENGTH_MIN_SCORE = 4.0
CONCERN_MAX_SCORE = 2.5


def cap_short_answer(score: int, word_count: int) -> int:
    """A few words cannot earn a good score, whoever scored them."""
    if word_count < SHORT_ANSWER_WORDS:
        return min(score, SHORT_ANSWER_MAX_SCORE)
    return score


def not_answered(index: int, question: PlannedQuestion) -> QuestionScore:
    """The verdict on a question the candidate left silent."""
    names = [c.name for c in question.rubric.concepts]
    return QuestionScore(index, question.key, question.skill, 1, [], names, [], NOT_ANSWERED)


def overall_score(scores: Sequence[int]) -> int:
    """0-100 from question scores of 1..5: round((mean - 1) / 4 * 100), half rounded up."""
    if not scores:
        return 0
    mean = sum(scores) / len(scores)
    return math.floor((mean - 1) / 4 * 100 + 0.5)


def recommendation_for(overall: int) -> str:
    for threshold, label in RECOMMENDATION_THRESHOLDS:
        if overall >= threshold:
            return label
    return NO_HIRE


def aggregate(
    scores: list[QuestionScore],
    integrity: Iterable[IntegrityEvent],
    unanswered: set[int],
    turns: Sequence[Turn] = (),
) -> Assessment:
    """Per-skill means, overall score, recommendation, strengths, concerns, flags and summary."""
    by_skill: dict[str, list[int]] = {}
    for s in scores:
        by_skill.setdefault(s.skill, []).append(s.score)
    skill_scores = {k: round(sum(v) / len(v), 2) for k, v in by_skill.items()}
    overall = overall_score([s.score for s in scores])
    recommendation = recommendation_for(overall)
    strong = [k for k, v in skill_scores.items() if v >= STRENGTH_MIN_SCORE]
    weak = [k for k, v in skill_scores.items() if v <= CONCERN_MAX_SCORE]
    concerns = [f"{k} ({skill_scores[k]:g}/5)" for k in weak]
    concerns += [
        f"Question {s.question_index + 1} ({s.skill}) not answered"
        for s in scores
        if s.question_index in unanswered
    ]
    events = list(integrity)
    flags = build_flags(turns, events)
    # Every flag is a concern too, so "none raised" never hides one.
    concerns += [f.message for f in flags]
    return Assessment(
        question_scores=scores,
        skill_scores=skill_scores,
        overall=overall,
        recommendation=recommendation,
        strengths=[f"{k} ({skill_scores[k]:g}/5)" for k in strong],
        concerns=concerns,
        integrity_flags=events,
        summary=summary(scores, overall, recommendation, unanswered, len(flags)),
        flags=flags,
    )


# ---------------------------------------------------------------------------
# Feedback on a plan

_INCREASE_RE = re.compile(
    r"\b(more|focus|focusing|emphasi[sz]e|emphasis|deeper|extra|additional|prioriti[sz]e|"
    r"not enough|too few|stronger|heavier)\b"
)
_DECREASE_RE = re.compile(r"\b(fewer|less|lighter|reduce|too many|too much)\b")
_REMOVE_RE = re.compile(r"\b(skip|no|without|drop|remove|exclude|omit|not|don't|avoid)\b")
_HARDER_RE = re.compile(r"\b(harder|tougher|more (?:difficult|challenging|advanced|senior)|too easy)\b")
_EASIER_RE = re.compile(
    r"\b(easier|simpler|less (?:difficult|challenging|advanced)|more (?:basic|junior)|too hard)\b"
)
# A clause about difficulty or question counts in general, not about a skill.
_LEVEL_ONLY_RE = re.compile(
    r"\b(harder|easier|simpler|difficult|challenging|advanced|basic|junior|senior|level)\b"
)
# A full stop ends a sentence only before whitespace, so "Node.js" and ".NET"
# stay whole.
_SENTENCE_SPLIT_RE = re.compile(r"[.!?]+(?=\s|$)|[;\n]+")
_CLAUSE_SPLIT_RE = re.compile(r"[,:]+|\band\b|\bbut\b|\balso\b", re.IGNORECASE)
_SPECIAL_TERMS = {
    BEHAVIORAL: ("behavioural", "behavioral", "behaviour", "behavior", "soft skill", "culture"),
    SYSTEM_DESIGN: ("system design", "system-design", "architecture", "design question"),
}


@dataclass(frozen=True)
class Feedback:
    """What :func:`parse_feedback` understood; skills are canonical names."""

    more: tuple[str, ...] = ()
    fewer: tuple[str, ...] = ()
    skip: tuple[str, ...] = ()
    level_shift: int = 0
    # Clauses that asked for a change ("more Elixir") but named no skill the
    # plan has: nothing in the plan can answer them.
    unmatched: tuple[str, ...] = ()


def mentions(
    clause: str, skill_names: Iterable[str], b: Taxonomy, *, sentence_start: bool = False
) -> list[str]:
    lower = clause.lower()
    found: list[str] = []
    for name in skill_names:
        if name in _SPECIAL_TERMS:
            terms: tuple[str, ...] = _SPECIAL_TERMS[name]
            hit = any(phrase_pattern(t).search(lower) for t in terms)
        else:
            sd = b.skill(name)
            if sd is not None and sd.ambiguous:
                # "go deeper" must not mean Go: only the capitalised name counts,
                # and not as a sentence's first word ("Go deeper on React").
                found_at = re.search(r"(?<![\w.])" + re.escape(name) + r"(?![\w+#])", clause)
                hit = found_at is not None and not (sentence_start and not clause[: found_at.start()].strip())
            else:
                terms = (name, *(sd.aliases if sd else ()))
                hit = any(phrase_pattern(t).search(lower) for t in terms if len(t) >= 2)
        if hit:
            found.append(name)
    return found


def _direction(clause: str) -> str:
    # Difficulty phrases ("more difficult", "less advanced") are not about
    # quantity; increase is checked first so "not enough React" is not "not".
    low = _EASIER_RE.sub(" ", _HARDER_RE.sub(" ", clause.lower()))
    if _INCREASE_RE.search(low):
        return "more"
    if _DECREASE_RE.search(low):
        return "fewer"
    if _REMOVE_RE.search(low):
        return "skip"
    return ""


def parse_feedback(text: str, skill_names: Sequence[str], b: Taxonomy | None = None) -> Feedback:
    """Understand a recruiter's free-text feedback on a plan.

    The text is cut into sentences and clauses (at punctuation, "and", "but",
    "also"). In a clause that names skills of the plan (canonical name or
    alias, or "behavioural" / "system design" / "architecture"):

    * "skip", "no", "without", "drop", "remove", "exclude", "omit", "not",
      "avoid" -> those skills are left out (a technical skill only while
      another one remains);
    * "fewer", "less", "lighter", "reduce", "too many" -> at most one question;
    * "more", "focus", "emphasis", "deeper", "extra", "additional",
      "prioritise", "not enough", "too few" -> they come first and get twice
      the share.

    A clause that names skills but no direction inherits the direction of the
    previous clause of the same sentence ("more PostgreSQL and Redis"). Skills
    named by an everyday word (Go, Swift, Rust) count only when capitalised and
    not the first word of a sentence, so "go deeper" is not Go. Anywhere in the text,
    "harder" / "more difficult" / "too easy" move the question difficulty one
    level up and "easier" / "simpler" / "too hard" one level down.
    Everything else is ignored.
    """
    b = b or taxonomy()
    lower = text.lower()
    shift = (1 if _HARDER_RE.search(lower) else 0) - (1 if _EASIER_RE.search(lower) else 0)
    names = [*skill_names, *SPECIAL_SKILLS]
    found: dict[str, list[str]] = {"more": [], "fewer": [], "skip": []}
    unmatched: list[str] = []
    direction = ""
    for sentence in _SENTENCE_SPLIT_RE.split(text):
        for i, clause in enumerate(_CLAUSE_SPLIT_RE.split(sentence)):
            direction = _direction(clause) or ("" if i == 0 else direction)
            if not direction:
                continue
            mentioned = mentions(clause, names, b, sentence_start=i == 0)
            if not mentioned and _direction(clause) and not _LEVEL_ONLY_RE.search(clause.lower()):
                unmatched.append(clause.strip())
            for name in mentioned:
                if all(name not in listed for listed in found.values()):
                    found[direction].append(name)
    return Feedback(
        more=tuple(found["more"]),
        fewer=tuple(found["fewer"]),
        skip=tuple(found["skip"]),
        level_shift=shift,
        unmatched=tuple(c for c in unmatched if c),
    )

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
    A question earns ``points`` (0-100) and a score 1..5, the band they fall
    in (``SCORE_BANDS``). Unanswered: 0 points; under ``SHORT_ANSWER_WORDS``
    words or a list of terms: capped. A skill's score is the mean of its
    questions' scores (2 decimals); the overall is the mean of the points,
    half rounded up, without the questions the engine could not judge
    (``UNJUDGED_REASONS``) while another is judged. Flags in
    ``NEEDS_REVIEW_REASONS`` become concerns for a person.

Recommendation (``RECOMMENDATION_THRESHOLDS``)
    overall >= 80 STRONG_HIRE, >= 65 HIRE, >= 45 LEAN_NO_HIRE, else NO_HIRE.

A recruiter's regenerate feedback is read by :mod:`interviews.agents.feedback`.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence

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
    band_middle,
)
from interviews.agents.concerns import build_flags
from interviews.agents.summaries import summary
from interviews.agents.taxonomy import SYSTEM_DESIGN

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

# The interviewer's last words; what happens next follows them once (conversation.next_steps).
CLOSING = "Thank you for your time and thoughtful answers, that's all the questions we have."


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


# Offline points: concept coverage, explanation markers and own words
# (:func:`answer_points`).
SCORE_BANDS: tuple[tuple[float, int], ...] = ((80, 5), (60, 4), (40, 3), (20, 2))
CONCEPT_SHARE = 70.0
REASONING_SHARE = 20.0
ELABORATION_SHARE = 10.0
EXPLANATION_FLOOR = 0.25  # share of reasoning/elaboration points an answer without concepts keeps
PROMPTED_WEIGHT = 0.5  # a concept first covered in the follow-up answer
SHORT_ANSWER_MAX_POINTS = 39.0
KEYWORD_LIST_MAX_POINTS = 30.0

# reviewReasons codes, in the order they are listed.
REVIEW_REASONS = ("addressed_to_grader", "other_language", "keyword_list", "negated")
REVIEW_REASONS += ("echoes_question", "too_short", "prompted")
# Reasons that put the answer in front of a person (needsReview).
NEEDS_REVIEW_REASONS = frozenset({"addressed_to_grader", "other_language", "keyword_list"})
# Reasons the engine cannot judge the answer at all: left out of the overall.
UNJUDGED_REASONS = frozenset({"other_language"})


def score_for_points(points: float) -> int:
    """The 1..5 band ``points`` falls in (``SCORE_BANDS``)."""
    for floor, score in SCORE_BANDS:
        if points >= floor:
            return score
    return 1


def points_in_band(points: float | None, score: int) -> float:
    """``points`` moved into ``score``'s band, or the band's middle (3 -> 50) when there are none."""
    if points is None:
        return band_middle(score)
    low = {s: f for f, s in SCORE_BANDS}.get(score, 0.0)
    high = 100.0 if score == 5 else low + 19.9
    return round(min(high, max(float(low), float(points))), 1)


def answer_points(coverage: float, reasoning: float, elaboration: float) -> float:
    """0..100 from weighted concept coverage and the 0..1 reasoning / elaboration shares.

    The explanation shares count fully from a quarter of the concepts on, so
    a long, well-connected answer that names no concept stays under 20.
    """
    weight = min(1.0, EXPLANATION_FLOOR + coverage)
    explanation = REASONING_SHARE * reasoning + ELABORATION_SHARE * elaboration
    points = CONCEPT_SHARE * coverage + explanation * weight
    return round(min(100.0, max(0.0, points)), 1)


def cap_points(points: float, word_count: int, *, keyword_list: bool = False) -> float:
    """The short-answer and keyword-list caps on points."""
    if word_count < SHORT_ANSWER_WORDS:
        points = min(points, SHORT_ANSWER_MAX_POINTS)
    if keyword_list:
        points = min(points, KEYWORD_LIST_MAX_POINTS)
    return points


def needs_review(reasons: Iterable[str]) -> bool:
    return any(r in NEEDS_REVIEW_REASONS for r in reasons)


def cap_short_answer(score: int, word_count: int) -> int:
    """A few words cannot earn a good score, whoever scored them."""
    if word_count < SHORT_ANSWER_WORDS:
        return min(score, SHORT_ANSWER_MAX_SCORE)
    return score


def not_answered(index: int, question: PlannedQuestion) -> QuestionScore:
    """The verdict on a question the candidate left silent."""
    names = [c.name for c in question.rubric.concepts]
    return QuestionScore(index, question.key, question.skill, 1, [], names, [], NOT_ANSWERED, points=0.0)


def overall_score(points: Sequence[float]) -> int:
    """0-100: the mean of the questions' points, half rounded up."""
    if not points:
        return 0
    return math.floor(sum(points) / len(points) + 0.5)


def _judged_points(scores: Sequence[QuestionScore]) -> list[float]:
    judged = [s.points for s in scores if not UNJUDGED_REASONS.intersection(s.review_reasons)]
    return judged or [s.points for s in scores]


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
    overall = overall_score(_judged_points(scores))
    recommendation = recommendation_for(overall)
    strong = [k for k, v in skill_scores.items() if v >= STRENGTH_MIN_SCORE]
    weak = [k for k, v in skill_scores.items() if v <= CONCERN_MAX_SCORE]
    concerns = [f"{k} ({skill_scores[k]:g}/5)" for k in weak]
    concerns += [
        f"Question {s.question_index + 1} ({s.skill}) not answered"
        for s in scores
        if s.question_index in unanswered
    ]
    concerns += [
        f"Question {s.question_index + 1} ({s.skill}) needs review: {', '.join(s.review_reasons)}"
        for s in scores
        if s.needs_review
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

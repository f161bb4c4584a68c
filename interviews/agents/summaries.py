"""The assessment's one-paragraph summary: the score, the top strength and the top gap, each
with the question it comes from."""

from __future__ import annotations

from collections.abc import Sequence

from interviews.agents.base import QuestionScore
from interviews.agents.text import count_phrase, join_topics

STRENGTH_MIN_QUESTION_SCORE = 4
GAP_MAX_QUESTION_SCORE = 3


def _where(s: QuestionScore) -> str:
    return f"question {s.question_index + 1} ({s.skill}, {s.score}/5)"


def top_strength(scores: Sequence[QuestionScore]) -> str:
    """ "question 2 (PostgreSQL, 5/5), covering a and b", or "" when no answer scored well."""
    good = [s for s in scores if s.score >= STRENGTH_MIN_QUESTION_SCORE]
    if not good:
        return ""
    best = max(good, key=lambda s: (s.score, len(s.matched_concepts), -s.question_index))
    covered = f", covering {join_topics(best.matched_concepts[:3])}" if best.matched_concepts else ""
    return _where(best) + covered


def top_gap(scores: Sequence[QuestionScore], unanswered: set[int]) -> str:
    """ "question 4 (Redis, 1/5), not answered", or "" when no answer scored poorly."""
    weak = [s for s in scores if s.score <= GAP_MAX_QUESTION_SCORE]
    if not weak:
        return ""
    worst = min(weak, key=lambda s: (s.score, len(s.matched_concepts), s.question_index))
    if worst.question_index in unanswered:
        return _where(worst) + ", not answered"
    missing = f", missing {join_topics(worst.missing_concepts[:3])}" if worst.missing_concepts else ""
    return _where(worst) + missing


def summary(
    scores: Sequence[QuestionScore], overall: int, recommendation: str, unanswered: set[int], flags: int
) -> str:
    text = (
        f"Overall {overall}/100 ({recommendation.replace('_', ' ').lower()}) over "
        f"{count_phrase(len(scores), 'question')}."
    )
    strength, gap = top_strength(scores), top_gap(scores, unanswered)
    if strength:
        text += f" Top strength: {strength}."
    if gap:
        text += f" Top gap: {gap}."
    if flags:
        text += f" {count_phrase(flags, 'flag')} to review."
    return text

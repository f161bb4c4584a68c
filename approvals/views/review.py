"""A question's review notes for the assessment page and the report: points, the
"Needs review" badge, each review reason as a sentence, and which matched concepts
came only after the follow-up.

Assessments stored before points, review reasons or prompted concepts existed
still render: points fall back to the band's middle, the rest to empty.
"""

from __future__ import annotations

from interviews.agents.base import band_middle
from interviews.agents.text import join_topics

REASON_TEXT = {
    "addressed_to_grader": "Speaks to the grader or the AI; not scored",
    "other_language": "Not in English: read it yourself",
    "keyword_list": "Lists terms without explaining them",
    "negated": "Named a practice only to reject it",
    "echoes_question": "Repeated words from the question",
    "too_short": "Very short answer",
    "prompted": "Covered only after the follow-up",
}


def reason_text(code: str, prompted: list[str]) -> str:
    """The plain sentence for a review reason code (an unknown code is shown as words)."""
    text = REASON_TEXT.get(code) or code.replace("_", " ").capitalize()
    if code == "prompted" and prompted:
        text += f": {join_topics(prompted)}"
    return text


def question_review(score: dict | None) -> dict | None:
    """What the page shows about one question's score, or None when it was not scored."""
    if not score:
        return None
    band = int(score.get("score") or 1)
    points = score.get("points")
    prompted = [str(c) for c in score.get("prompted_concepts") or []]
    codes = [str(c) for c in score.get("review_reasons") or []]
    return {
        "points": float(points) if points is not None else band_middle(band),
        "score": band,
        "needs_review": bool(score.get("needs_review", False)),
        "reasons": [{"code": c, "text": reason_text(c, prompted)} for c in codes],
        "matched": [{"name": c, "prompted": c in prompted} for c in score.get("matched_concepts") or []],
    }

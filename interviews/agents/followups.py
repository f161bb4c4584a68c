"""The offline engine's follow-up questions: one nudge after a main answer that misses most of the rubric."""

from __future__ import annotations

from collections.abc import Sequence

from interviews.agents.base import NextMove, Plan, Turn
from interviews.agents.scoring import answers_for, match_concepts
from interviews.agents.text import join_topics, stable_int

_FOLLOWUP_TEMPLATES = (
    "Thanks. Let's go a bit deeper: how would you approach {topics} here, "
    "and what trade-offs would you weigh?",
    "Good start. Could you walk me through how {topics} would come into play "
    "in a real project you have worked on?",
    "Can you expand on the {topics} side of this? What would you watch out for, and why?",
    "Interesting. How would {topics} change the way you handle this in production?",
)
# Behavioural answers are stories, so the nudge asks for more of the story.
_BEHAVIORAL_FOLLOWUP_TEMPLATES = (
    "Thanks for sharing that. Could you tell me more about {topics}?",
    "Could you go into a bit more detail on {topics}? What exactly did you do?",
)


def followup(plan: Plan, turns: Sequence[Turn]) -> NextMove | None:
    """A follow-up to the last main answer, or None when none is due.

    One comes right after a main answer that covers fewer than half of the
    question's rubric concepts, at most once per question; it names the
    missing topics (concept names, never their synonyms) without hinting at
    the answer.
    """
    if not turns:
        return None
    last = turns[-1]
    idx = last.question_index
    if (
        last.kind != "main"
        or not 0 <= idx < len(plan.questions)
        or any(t.question_index == idx and t.kind == "followup" for t in turns)
    ):
        return None
    q = plan.questions[idx]
    main, _ = answers_for(turns, idx)
    matched, missing = match_concepts(q.rubric, main)
    if not missing or len(matched) * 2 >= len(q.rubric.concepts):
        return None
    templates = _BEHAVIORAL_FOLLOWUP_TEMPLATES if q.kind == "behavioral" else _FOLLOWUP_TEMPLATES
    template = templates[stable_int("followup", q.key) % len(templates)]
    return NextMove(
        action="followup", question_index=idx, text=template.format(topics=join_topics(missing[:2]))
    )

"""What a regenerated plan could not do of the recruiter's feedback, said plainly.

A plan written from feedback must not claim to answer it when it could not:
a skill the interview does not have, a request the feedback reader did not
understand, "more" of a skill the bank or the time cannot give, or a level
move past the easiest or hardest level. :func:`feedback_gaps` lists those
parts; planning appends them to the plan's summary after
``FEEDBACK_GAPS_LABEL``, where the plan page and the API show them.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from interviews.agents.base import LEVELS, Plan
from interviews.agents.feedback import mentions, parse_feedback
from interviews.agents.policy import interview_level
from interviews.agents.taxonomy import SPECIAL_SKILLS, Taxonomy, taxonomy
from interviews.agents.text import join_topics

FEEDBACK_GAPS_LABEL = "Not done from the feedback:"
_SENTENCE_RE = re.compile(r"[.!?]+(?=\s|$)|[;\n]+")


def feedback_gaps(
    feedback: str, skills: Sequence[str], plan: Plan, level: str, b: Taxonomy | None = None
) -> list[str]:
    """The parts of ``feedback`` the new ``plan`` does not answer (empty when it answers all)."""
    if not feedback.strip():
        return []
    b = b or taxonomy()
    fb = parse_feedback(feedback, skills, b)
    gaps: list[str] = []
    outside: list[str] = []
    for sentence in _SENTENCE_RE.split(feedback):
        # Per sentence, so "Go deeper on React" is not the Go skill.
        for name in mentions(sentence, [s.name for s in b.skills], b, sentence_start=True):
            if name not in skills and name not in SPECIAL_SKILLS and name not in outside:
                outside.append(name)
    if outside:
        gaps.append(
            f"{join_topics(outside)} {'is' if len(outside) == 1 else 'are'} not among this interview's "
            "skills, so no question was added for it; add the skill to the interview to have it planned"
        )
    for clause in fb.unmatched:
        if not any(name.lower() in clause.lower() for name in outside):
            gaps.append(f"“{clause}” names no skill the question bank knows, so it changed nothing")
    counts: dict[str, int] = {}
    for q in plan.questions:
        counts[q.skill] = counts.get(q.skill, 0) + 1
    thin = [name for name in fb.more if counts.get(name, 0) < 2]
    if thin:
        gaps.append(f"more {join_topics(thin)}: only one question fits the level and the time")
    kept = [name for name in fb.skip if counts.get(name)]
    if kept:
        gaps.append(
            f"{join_topics(kept)} could not be left out: another skill is needed to plan an interview"
        )
    position = LEVELS.index(interview_level(level))
    if (fb.level_shift > 0 and position == len(LEVELS) - 1) or (fb.level_shift < 0 and position == 0):
        gaps.append(
            f"the questions are already at the {'hardest' if fb.level_shift > 0 else 'easiest'} level"
        )
    return gaps


def with_gaps(summary: str, gaps: Sequence[str]) -> str:
    """``summary`` followed by the gaps, when there are any."""
    if not gaps:
        return summary
    return f"{summary} {FEEDBACK_GAPS_LABEL} " + "; ".join(gaps) + "."

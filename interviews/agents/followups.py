"""The follow-up questions: one probe after a main answer that misses most of the rubric.

A follow-up never names the rubric: it opens the missing area with a probe from
:mod:`~interviews.agents.probes` (curated per question, or a neutral one per
question kind), after an acknowledgement that fits the answer. The LLM
engine's follow-ups go through :func:`checked_followup`, which puts the offline
probe in place of one that names a concept and drops praise for a non-answer.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from interviews.agents.base import NextMove, Plan, PlannedQuestion, Turn
from interviews.agents.probes import acknowledgement, answer_kind, probes_for, revealed_terms, without_praise
from interviews.agents.scoring import answers_for, match_concepts

Matcher = Callable[[str], tuple[list[str], list[str]]]


def matcher(rubric) -> Matcher:
    """``match_concepts`` against ``rubric``, each text read once however often it is asked about."""
    seen: dict[str, tuple[list[str], list[str]]] = {}

    def match(text: str) -> tuple[list[str], list[str]]:
        if text not in seen:
            seen[text] = match_concepts(rubric, text)
        return seen[text]

    return match


def probe_text(
    question: PlannedQuestion, turns: Sequence[Turn], index: int, match: Matcher | None = None
) -> str:
    """Acknowledgement plus a probe aimed at the first concept the answers so far miss.

    ``match``: a ``matcher`` of the question's rubric that may have read these answers already.
    """
    match = match or matcher(question.rubric)
    main, follow = answers_for(turns, index)
    last = next((t.answer_text for t in reversed(turns) if t.question_index == index), main)
    matched, missing = match(" ".join(a for a in (main, follow) if a))
    probes = probes_for(question)
    asked = {t.question_text for t in turns if t.question_index == index}
    target = next(
        (c for c in missing if not any(probes[c] in text for text in asked)),
        missing[0] if missing else question.rubric.concepts[0].name,
    )
    matched_now, _ = match(last)
    return f"{acknowledgement(last, len(matched_now), question.key)} {probes[target]}"


def followup(plan: Plan, turns: Sequence[Turn]) -> NextMove | None:
    """A follow-up to the last main answer, or None when none is due.

    One comes right after a main answer that covers fewer than half of the
    question's rubric concepts, at most once per question.
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
    match = matcher(q.rubric)
    matched, missing = match(main)
    if not missing or len(matched) * 2 >= len(q.rubric.concepts):
        return None
    return NextMove(action="followup", question_index=idx, text=probe_text(q, turns, idx, match))


def checked_followup(question: PlannedQuestion, turns: Sequence[Turn], index: int, text: str) -> str:
    """A model's follow-up made safe: replaced by the offline probe when it names a rubric
    concept or synonym, and stripped of leading praise when the answer was a non-answer."""
    if not text.strip() or revealed_terms(text, question.rubric.concepts):
        return probe_text(question, turns, index)
    last = next((t.answer_text for t in reversed(turns) if t.question_index == index), "")
    matched, _ = match_concepts(question.rubric, last)
    if answer_kind(last, len(matched)) != "substantial":
        rest = without_praise(text)
        if rest != text.strip():
            return f"{acknowledgement(last, len(matched), question.key)} {rest}".strip()
    return text

"""The LLM engine's assessment step: the assessor's input, and the checks on its scores.

The model scores each question 1-5 against its rubric, may give points inside
the score's band and may flag the answer for a person (``needs_review`` with
reason codes); quotes that are not verbatim in the candidate's answers to that
question are dropped. Points the model leaves out (or puts outside its score's
band) come from the shared policy (:func:`~interviews.agents.policy.points_in_band`).
The verdict on a silent question, the short-answer cap, the grader-directed
text check, per-skill averages, the overall score and the recommendation are
the shared policy's.
The assessor sees the plan and the transcript only, never the candidate's
name or email.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import replace

from interviews.agents.base import (
    Assessment,
    IntegrityEvent,
    Plan,
    PlannedQuestion,
    QuestionScore,
    Rubric,
    Turn,
)
from interviews.agents.llm_calls import OutputInvalid, data_block
from interviews.agents.policy import (
    MAX_EVIDENCE,
    MAX_EVIDENCE_CHARS,
    REVIEW_REASONS,
    SHORT_ANSWER_MAX_SCORE,
    SHORT_ANSWER_WORDS,
    aggregate,
    cap_short_answer,
    needs_review,
    not_answered,
    points_in_band,
)
from interviews.agents.schemas import AssessmentDraft, QuestionAssessment
from interviews.agents.scoring_signals import grader_spans

# A quote shorter than this ("yes", "I think") proves nothing about a score.
MIN_QUOTE_CHARS = 8


def answers_by_question(plan: Plan, turns: list[Turn]) -> list[list[str]]:
    """The candidate's non-empty answers to each planned question, main answer first."""
    answers: list[list[str]] = [[] for _ in plan.questions]
    for kind in ("main", "followup"):
        for t in turns:
            if t.kind == kind and 0 <= t.question_index < len(answers) and t.answer_text.strip():
                answers[t.question_index].append(t.answer_text.strip())
    return answers


def assessor_prompt(plan: Plan, turns: list[Turn]) -> str:
    """The plan's questions with their rubrics, and the transcript, as data blocks."""
    questions = [
        {
            "index": i,
            "skill": q.skill,
            "kind": q.kind,
            "difficulty": q.difficulty,
            "text": q.text,
            "rubric": {
                "concepts": [{"name": c.name, "synonyms": c.synonyms} for c in q.rubric.concepts],
                "score_1": q.rubric.score_1,
                "score_3": q.rubric.score_3,
                "score_5": q.rubric.score_5,
            },
        }
        for i, q in enumerate(plan.questions)
    ]
    transcript = [
        {
            "question_index": t.question_index,
            "kind": t.kind,
            "question": t.question_text,
            "answer": t.answer_text,
        }
        for t in turns
    ]
    return "\n".join((data_block("questions", questions), data_block("transcript", transcript)))


def _entries(draft: AssessmentDraft, count: int, answers: list[list[str]]) -> dict[int, QuestionAssessment]:
    entries: dict[int, QuestionAssessment] = {}
    for entry in draft.questions:
        if entry.question_index >= count:
            raise OutputInvalid(
                f"question_index {entry.question_index} does not exist; the indexes are 0 to {count - 1}"
            )
        if entry.question_index in entries:
            raise OutputInvalid(f"question_index {entry.question_index} is scored more than once")
        entries[entry.question_index] = entry
    unscored = [i for i in range(count) if answers[i] and i not in entries]
    if unscored:
        raise OutputInvalid(f"answered questions without an entry: question_index {unscored}")
    return entries


def finish_assessment(
    draft: AssessmentDraft,
    plan: Plan,
    answers: list[list[str]],
    integrity: list[IntegrityEvent],
    turns: Sequence[Turn] = (),
) -> Assessment:
    """The assessment from the model's draft; raises OutputInvalid when unusable."""
    entries = _entries(draft, len(plan.questions), answers)
    scores: list[QuestionScore] = []
    for i, q in enumerate(plan.questions):
        if not answers[i]:
            scores.append(not_answered(i, q))
            continue
        scores.append(_question_score(i, q, entries[i], answers[i]))
    unanswered = {s.question_index for s in scores if not answers[s.question_index]}
    base = aggregate(scores, integrity, unanswered, turns)
    return replace(
        base,
        strengths=base.strengths + [s for s in draft.strengths if s not in base.strengths],
        concerns=base.concerns + [c for c in draft.concerns if c not in base.concerns],
        summary=f"{base.summary} {draft.summary}" if draft.summary else base.summary,
    )


def _question_score(
    i: int, q: PlannedQuestion, entry: QuestionAssessment, answers: list[str]
) -> QuestionScore:
    matched = _rubric_matches(q.rubric, entry.matched_concepts)
    words = len(" ".join(answers).split())
    # A guard whatever the model says: a few words ("give me 5/5") cannot
    # earn a good score.
    score = cap_short_answer(entry.score, words)
    rationale = entry.rationale
    if score != entry.score:
        rationale += f" Capped at {SHORT_ANSWER_MAX_SCORE}: the answer was very short ({words} words)."
    reasons = set(entry.review_reasons)
    # The same deterministic checks as the offline engine: text addressed to
    # the grader goes to a person whatever the model made of it.
    if any(grader_spans(a) for a in answers):
        reasons.add("addressed_to_grader")
    if words < SHORT_ANSWER_WORDS:
        reasons.add("too_short")
    ordered = [r for r in REVIEW_REASONS if r in reasons]
    return QuestionScore(
        question_index=i,
        question_key=q.key,
        skill=q.skill,
        score=score,
        matched_concepts=matched,
        missing_concepts=[c.name for c in q.rubric.concepts if c.name not in matched],
        evidence=verified_quotes(entry.evidence, answers),
        rationale=rationale,
        points=points_in_band(entry.points, score),
        needs_review=entry.needs_review or needs_review(ordered),
        review_reasons=ordered,
    )


def _rubric_matches(rubric: Rubric, claimed: list[str]) -> list[str]:
    """The rubric concept names the model claimed (by name or synonym), in rubric order."""
    wanted = {c.strip().lower() for c in claimed}
    return [
        c.name
        for c in rubric.concepts
        if c.name.lower() in wanted or any(s.lower() in wanted for s in c.synonyms)
    ]


def verified_quotes(quotes: list[str], answers: list[str]) -> list[str]:
    """The quotes that really occur in ``answers``, as the candidate wrote them.

    Surrounding quotation marks and ellipses are ignored, and so are
    differences in whitespace (models turn line breaks into spaces); anything
    else that differs drops the quote. A kept quote is cut, never rewritten,
    to ``MAX_EVIDENCE_CHARS``.
    """
    kept: list[str] = []
    for quote in quotes:
        found = _find_verbatim(quote, answers)
        if found is not None:
            found = found[:MAX_EVIDENCE_CHARS]
            if found not in kept:
                kept.append(found)
        if len(kept) == MAX_EVIDENCE:
            break
    return kept


def _find_verbatim(quote: str, answers: list[str]) -> str | None:
    text = quote.strip()
    for _ in range(2):
        text = text.strip("\"'“”‘’«»").strip()
        text = text.removeprefix("...").removesuffix("...").removeprefix("…").removesuffix("…").strip()
    if len(text) < MIN_QUOTE_CHARS:
        return None
    for answer in answers:
        if text in answer:
            return text
    pattern = re.compile(r"\s+".join(re.escape(part) for part in text.split()))
    for answer in answers:
        match = pattern.search(answer)
        if match:
            return match.group(0)
    return None

"""Offline scoring: how well an answer covers a question's rubric concepts.

coverage = matched rubric concepts / rubric concepts, on the main answer plus
the follow-up answer of a question:

    ========================  =====
    coverage                  score
    ========================  =====
    0                         1
    below 25 %                2
    below 50 %                3
    below 80 %                4
    80 % or more              5
    ========================  =====

The shared rules on top (the short-answer cap, the verdict on an unanswered
question, the overall score and the recommendation) are in
:mod:`interviews.agents.policy`.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from interviews.agents.base import Concept, PlannedQuestion, QuestionScore, Rubric, Turn
from interviews.agents.policy import (
    MAX_EVIDENCE,
    MAX_EVIDENCE_CHARS,
    SHORT_ANSWER_MAX_SCORE,
    SHORT_ANSWER_WORDS,
    cap_short_answer,
    not_answered,
)
from interviews.agents.text import join_topics

_TOKEN_RE = re.compile(r"[a-z0-9]+[+#]*")
# Sentence ends for evidence quotes: ".", "!" or "?" before whitespace, or a
# line break, so "Node.js" inside a sentence does not cut it.
_SENTENCE_BREAK_RE = re.compile(r"(?<=[.!?])\s+|\n+")


def _stem(token: str) -> str:
    # Crude plural folding, applied identically to answers and rubric phrases,
    # so "indexes"/"index" and "caches"/"cache" meet on the same stem.
    if len(token) > 4 and token.endswith("ies"):
        return token[:-3] + "y"
    if len(token) > 3 and token.endswith("s") and not token.endswith(("ss", "us", "is")):
        token = token[:-1]
    if len(token) > 3 and token.endswith("e"):
        token = token[:-1]
    return token


def tokens(text: str) -> list[str]:
    """Lowercased, plural-folded word tokens of ``text``."""
    return [_stem(t) for t in _TOKEN_RE.findall(text.lower())]


def _contains_phrase(haystack: Sequence[str], phrase: Sequence[str]) -> bool:
    n = len(phrase)
    if n == 0:
        return False
    first = phrase[0]
    return any(
        haystack[i] == first and list(haystack[i : i + n]) == list(phrase)
        for i in range(len(haystack) - n + 1)
    )


def concept_matched(concept: Concept, answer_tokens: Sequence[str]) -> bool:
    """True when the concept's name or one of its synonyms occurs as a phrase."""
    return any(_contains_phrase(answer_tokens, tokens(p)) for p in (concept.name, *concept.synonyms))


def match_concepts(rubric: Rubric, answer: str) -> tuple[list[str], list[str]]:
    """(matched, missing) concept names of ``rubric`` in ``answer``, rubric order."""
    answer_tokens = tokens(answer)
    matched: list[str] = []
    missing: list[str] = []
    for concept in rubric.concepts:
        (matched if concept_matched(concept, answer_tokens) else missing).append(concept.name)
    return matched, missing


def score_from_coverage(matched: int, total: int, word_count: int) -> int:
    """Map concept coverage to 1..5 (table in the module docstring), short answers capped."""
    if total <= 0 or matched <= 0:
        score = 1
    else:
        coverage = matched / total
        if coverage < 0.25:
            score = 2
        elif coverage < 0.5:
            score = 3
        elif coverage < 0.8:
            score = 4
        else:
            score = 5
    return cap_short_answer(score, word_count)


def answers_for(turns: Sequence[Turn], index: int) -> tuple[str, str]:
    """(main answer, follow-up answer) to the planned question ``index``."""
    main = " ".join(t.answer_text.strip() for t in turns if t.question_index == index and t.kind == "main")
    follow = " ".join(
        t.answer_text.strip() for t in turns if t.question_index == index and t.kind == "followup"
    )
    return main.strip(), follow.strip()


def evidence(answer: str, rubric: Rubric, matched: Sequence[str]) -> list[str]:
    """Verbatim sentences of ``answer`` that show the matched concepts."""
    wanted = [c for c in rubric.concepts if c.name in matched]
    quotes: list[str] = []
    for sentence in _SENTENCE_BREAK_RE.split(answer):
        sentence = sentence.strip()
        if not sentence:
            continue
        sentence_tokens = tokens(sentence)
        if any(concept_matched(c, sentence_tokens) for c in wanted):
            # Quotes stay verbatim; an overlong sentence is cut, never rewritten.
            quotes.append(sentence[:MAX_EVIDENCE_CHARS])
            if len(quotes) == MAX_EVIDENCE:
                break
    return quotes


def score_question(index: int, question: PlannedQuestion, turns: Sequence[Turn]) -> QuestionScore:
    """The score of one planned question from the candidate's answers to it."""
    main, follow = answers_for(turns, index)
    answer = " ".join(a for a in (main, follow) if a)
    if not answer:
        return not_answered(index, question)
    total = len(question.rubric.concepts)
    matched, missing = match_concepts(question.rubric, answer)
    words = len(answer.split())
    rationale = f"Covered {len(matched)} of {total} expected concepts"
    if matched:
        rationale += f" ({join_topics(matched)})"
    if missing:
        rationale += f"; missing {join_topics(missing)}"
    if words < SHORT_ANSWER_WORDS:
        rationale += f"; the answer was very short ({words} words), so capped at {SHORT_ANSWER_MAX_SCORE}"
    return QuestionScore(
        question_index=index,
        question_key=question.key,
        skill=question.skill,
        score=score_from_coverage(len(matched), total, words),
        matched_concepts=matched,
        missing_concepts=missing,
        evidence=evidence(answer, question.rubric, matched),
        rationale=rationale + ".",
    )

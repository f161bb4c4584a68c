"""Offline scoring: how well an answer covers and explains a question's rubric concepts.

The main answer and the follow-up answer are read as separate texts. In each,
a rubric concept counts when its name or a synonym occurs (as stemmed words,
:mod:`~interviews.agents.language`) outside

* a negated clause ("I would never bother with X") - reason ``negated``;
* a run of words copied from the question or the follow-up, or a sentence
  that only says back a term the question named - ``echoes_question``;
* a sentence addressed to a grader or an AI - ``addressed_to_grader``;
* a text that only lists terms, or a sentence naming three or more concepts
  in a row with nothing but commas and function words between - ``keyword_list``.

A concept counts 1 in the main answer and ``PROMPTED_WEIGHT`` when first
covered in the follow-up answer (``prompted``). Points are
:func:`~interviews.agents.policy.answer_points` of the weighted coverage and
the reasoning / elaboration of the countable text
(:mod:`~interviews.agents.scoring_signals`), then capped for short answers and
keyword lists; the score is the band the points fall in. Every matched
concept has one verbatim quote: the sentence of the answer that names it.
Answers in another language or addressed to the grader are flagged
``needsReview`` for a person. The rules the engines share are in
:mod:`interviews.agents.policy`.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field

from interviews.agents.base import Concept, PlannedQuestion, QuestionScore, Rubric, Turn
from interviews.agents.language import (
    LANGUAGE_NAMES,
    Token,
    detect_language,
    inside,
    negated_spans,
    phrase_stems,
    starts_inside,
    tokenize,
)
from interviews.agents.policy import (
    MAX_EVIDENCE_CHARS,
    PROMPTED_WEIGHT,
    REVIEW_REASONS,
    SHORT_ANSWER_WORDS,
    answer_points,
    cap_points,
    needs_review,
    not_answered,
    score_for_points,
)
from interviews.agents.scoring_signals import (
    SERIES_CONCEPTS,
    echo_spans,
    elaboration,
    grader_spans,
    is_keyword_list,
    longest_series,
    parrots,
    reasoning,
)
from interviews.agents.text import join_topics

# Sentence ends for evidence quotes: ".", "!" or "?" before whitespace, or a
# line break, so "Node.js" inside a sentence does not cut it.
_SENTENCE_BREAK_RE = re.compile(r"(?<=[.!?])\s+|\n+")


@dataclass
class Reading:
    """One answer text as the scorer reads it."""

    text: str
    tokens: list[Token]
    negated: list[tuple[int, int]]
    echoed: list[tuple[int, int]]
    source: list[str]  # stems of the question the text answers
    grader: list[tuple[int, int]]
    keyword_list: bool
    listed: list[tuple[int, int]] = field(default_factory=list)  # sentences that only list concepts
    blocked: dict[str, set[str]] = field(default_factory=dict)  # concept -> reasons it did not count
    stems: list[str] = field(init=False)  # the tokens' stems, for phrase lookups
    stem_set: frozenset[str] = field(init=False)

    def __post_init__(self) -> None:
        self.stems = [t.stem for t in self.tokens]
        self.stem_set = frozenset(self.stems)

    def countable_text(self) -> str:
        """The text without its grader-directed sentences; nothing for a keyword list."""
        return "" if self.keyword_list else _without(self.text, self.grader)


def read(text: str, echo_source: str = "") -> Reading:
    toks = tokenize(text)
    grader = grader_spans(text)
    rest = _without(text, grader)
    return Reading(
        text=text,
        tokens=toks,
        negated=negated_spans(text),
        echoed=echo_spans(toks, echo_source) if echo_source else [],
        source=list(phrase_stems(echo_source)),
        grader=grader,
        # Another language has none of the English function words a list lacks.
        keyword_list=bool(rest.strip()) and detect_language(rest) == "en" and is_keyword_list(rest),
    )


def _without(text: str, spans: Sequence[tuple[int, int]]) -> str:
    kept, last = [], 0
    for start, end in spans:
        kept.append(text[last:start])
        last = end
    kept.append(text[last:])
    return " ".join(kept)


def _occurrences(phrase: Sequence[str], reading: Reading) -> list[tuple[int, int]]:
    n = len(phrase)
    if n == 0 or phrase[0] not in reading.stem_set:
        return []
    toks, stems, phrase = reading.tokens, reading.stems, list(phrase)
    return [
        (toks[i].start, toks[i + n - 1].end)
        for i in range(len(stems) - n + 1)
        if stems[i] == phrase[0] and stems[i : i + n] == phrase
    ]


def _echoed(reading: Reading, start: int, end: int) -> bool:
    # Copied when every token of the occurrence lies in a copied run.
    return all(
        inside(reading.echoed, t.start, t.end) for t in reading.tokens if start <= t.start and t.end <= end
    )


def _parrots(reading: Reading, stems: Sequence[str], start: int, end: int) -> bool:
    s_start, s_end = sentence_bounds(reading.text, start, end)
    sentence = [t for t in reading.tokens if s_start <= t.start and t.end <= s_end]
    return bool(reading.source) and parrots(stems, sentence, reading.source)


def find_concept(concept: Concept, reading: Reading) -> tuple[int, int] | None:
    """The first countable occurrence of ``concept`` in ``reading``.

    Why the other occurrences did not count is kept in ``reading.blocked``.
    """
    reasons: set[str] = set()
    for phrase in (concept.name, *concept.synonyms):
        stems = phrase_stems(phrase)
        for start, end in _occurrences(stems, reading):
            if inside(reading.grader, start, end):
                reasons.add("addressed_to_grader")
            elif reading.keyword_list or inside(reading.listed, start, end):
                reasons.add("keyword_list")
            elif starts_inside(reading.negated, start):
                reasons.add("negated")
            elif (reading.echoed and _echoed(reading, start, end)) or _parrots(reading, stems, start, end):
                reasons.add("echoes_question")
            else:
                return start, end
    if reasons:
        reading.blocked[concept.name] = reasons
    return None


def mark_listed(reading: Reading, rubric: Rubric) -> Reading:
    """Fill ``reading.listed`` with the sentences naming ``SERIES_CONCEPTS`` concepts in a row."""
    by_sentence: dict[tuple[int, int], list[tuple[int, int, str]]] = {}
    for concept in rubric.concepts:
        for phrase in (concept.name, *concept.synonyms):
            for start, end in _occurrences(phrase_stems(phrase), reading):
                bounds = sentence_bounds(reading.text, start, end)
                by_sentence.setdefault(bounds, []).append((start, end, concept.name))
    for bounds, found in by_sentence.items():
        if longest_series(reading.text, found) >= SERIES_CONCEPTS:
            reading.listed.append(bounds)
    return reading


def match_concepts(rubric: Rubric, answer: str, echo_source: str = "") -> tuple[list[str], list[str]]:
    """(matched, missing) concept names of ``rubric`` in ``answer``, rubric order.

    Words of ``answer`` that copy ``echo_source`` (the question) do not count.
    """
    reading = mark_listed(read(answer, echo_source), rubric)
    matched = [c.name for c in rubric.concepts if find_concept(c, reading)]
    return matched, [c.name for c in rubric.concepts if c.name not in matched]


def sentence_bounds(text: str, start: int, end: int) -> tuple[int, int]:
    """Character range of the sentence of ``text`` holding [start, end)."""
    s_start, s_end = 0, len(text)
    for m in _SENTENCE_BREAK_RE.finditer(text):
        if m.end() <= start:
            s_start = m.end()
        elif m.start() >= end:
            s_end = m.start()
            break
    return s_start, s_end


def quote(text: str, start: int, end: int) -> str:
    """The sentence of ``text`` around [start, end), verbatim; an overlong one is cut around the match."""
    s_start, s_end = sentence_bounds(text, start, end)
    sentence = text[s_start:s_end]
    lead = len(sentence) - len(sentence.lstrip())
    s_start += lead
    s_end = s_start + len(sentence.strip())
    if s_end - s_start > MAX_EVIDENCE_CHARS:
        # Never cut before the matched words: the window always holds them.
        s_start = max(s_start, min(start - 40, s_end - MAX_EVIDENCE_CHARS))
        s_start = min(s_start, start)
        s_end = min(s_end, s_start + max(MAX_EVIDENCE_CHARS, end - s_start))
    return text[s_start:s_end]


def answers_for(turns: Sequence[Turn], index: int) -> tuple[str, str]:
    """(main answer, follow-up answer) to the planned question ``index``."""
    main = " ".join(t.answer_text.strip() for t in turns if t.question_index == index and t.kind == "main")
    follow = " ".join(
        t.answer_text.strip() for t in turns if t.question_index == index and t.kind == "followup"
    )
    return main.strip(), follow.strip()


def _asked(turns: Sequence[Turn], index: int, kind: str) -> str:
    return " ".join(t.question_text for t in turns if t.question_index == index and t.kind == kind)


@dataclass
class _Coverage:
    matched: list[str] = field(default_factory=list)
    missing: list[str] = field(default_factory=list)
    prompted: list[str] = field(default_factory=list)
    evidence: list[str] = field(default_factory=list)
    weight: float = 0.0


def _cover(rubric: Rubric, main: Reading, follow: Reading) -> _Coverage:
    cov = _Coverage()
    for reading in (main, follow):
        mark_listed(reading, rubric)
    for concept in rubric.concepts:
        for reading, weight in ((main, 1.0), (follow, PROMPTED_WEIGHT)):
            hit = find_concept(concept, reading)
            if hit:
                cov.matched.append(concept.name)
                cov.weight += weight
                if weight < 1:
                    cov.prompted.append(concept.name)
                q = quote(reading.text, *hit)
                if q not in cov.evidence:
                    cov.evidence.append(q)
                break
        else:
            cov.missing.append(concept.name)
    return cov


def _reasons(main: Reading, follow: Reading, cov: _Coverage, language: str, words: int) -> list[str]:
    found: set[str] = set()
    for reading in (main, follow):
        if reading.grader:
            found.add("addressed_to_grader")
        if reading.keyword_list or reading.listed:
            found.add("keyword_list")
        for name, why in reading.blocked.items():
            if name in cov.missing:
                found |= why & {"negated", "echoes_question"}
    if language != "en":
        found.add("other_language")
    if words < SHORT_ANSWER_WORDS:
        found.add("too_short")
    if cov.prompted:
        found.add("prompted")
    return [r for r in REVIEW_REASONS if r in found]


def _rationale(cov: _Coverage, total: int, reasons: list[str], language: str, words: int) -> str:
    text = f"Covered {len(cov.matched)} of {total} expected concepts"
    if cov.matched:
        text += f" ({join_topics(cov.matched)})"
    if cov.missing:
        text += f"; missing {join_topics(cov.missing)}"
    notes = {
        "prompted": f"only after the follow-up: {join_topics(cov.prompted) if cov.prompted else ''}",
        "negated": "concepts named only to be dismissed do not count",
        "echoes_question": "words repeated from the question do not count",
        "keyword_list": "terms were listed without explanation, so the points are capped",
        "too_short": f"the answer was very short ({words} words), so capped",
        "addressed_to_grader": "part of the answer speaks to the grader; "
        "it was not scored, a person should read it",
        "other_language": f"written in {LANGUAGE_NAMES.get(language, language)}; "
        "the offline scorer cannot judge it, a person should",
    }
    for reason in reasons:
        text += f"; {notes[reason]}"
    return text + "."


def score_question(index: int, question: PlannedQuestion, turns: Sequence[Turn]) -> QuestionScore:
    """The score of one planned question from the candidate's answers to it."""
    main_text, follow_text = answers_for(turns, index)
    if not (main_text or follow_text):
        return not_answered(index, question)
    main = read(main_text, f"{question.text} {_asked(turns, index, 'main')}")
    follow = read(follow_text, f"{question.text} {_asked(turns, index, 'followup')}")
    cov = _cover(question.rubric, main, follow)
    total = len(question.rubric.concepts)
    words = len(f"{main_text} {follow_text}".split())
    language = detect_language(f"{main_text} {follow_text}")
    explained = f"{main.countable_text()} {follow.countable_text()}"
    points = answer_points(cov.weight / total if total else 0.0, reasoning(explained), elaboration(explained))
    # The list cap holds when no text of the answer explains anything.
    listed = all(r.keyword_list for r in (main, follow) if r.text)
    points = cap_points(points, words, keyword_list=listed)
    reasons = _reasons(main, follow, cov, language, words)
    return QuestionScore(
        question_index=index,
        question_key=question.key,
        skill=question.skill,
        score=score_for_points(points),
        matched_concepts=cov.matched,
        missing_concepts=cov.missing,
        evidence=cov.evidence,
        rationale=_rationale(cov, total, reasons, language, words),
        points=points,
        needs_review=needs_review(reasons),
        review_reasons=reasons,
        prompted_concepts=cov.prompted,
    )

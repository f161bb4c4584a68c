"""Follow-up probes that open a missing area of an answer without giving the answer away.

A probe is one natural question aimed at a rubric concept the candidate has not
covered. It must never contain the concept's name or any synonym of any of the
question's concepts (word-boundary, case-insensitive, plural-folded: the
scorer's :func:`~interviews.agents.scoring.tokens`), or a candidate could read
the rubric off the follow-up and repeat it back.

``data/probes.json`` holds the curated probes: ``questions`` maps a bank
question key to ``{concept name: probe}``; ``generic`` holds, per question
kind, neutral probes used for every concept without a question-specific one
(the first one in a stable, per-concept order that reveals nothing).

The acknowledgement before a probe fits the answer: a "don't know" gets "No
problem, let's look at it from another angle.", a short or off-topic answer a
plain "Thanks.", and only a substantial answer a positive word.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable
from functools import lru_cache
from pathlib import Path

from interviews.agents.base import Concept, PlannedQuestion, Rubric
from interviews.agents.language import phrase_stems
from interviews.agents.policy import SHORT_ANSWER_WORDS
from interviews.agents.scoring_signals import contains
from interviews.agents.taxonomy import DATA_DIR, BankError
from interviews.agents.text import stable_int

PROBES_FILE = "probes.json"

# An answer of at least this many words that covers at least one concept may
# be acknowledged positively.
SUBSTANTIAL_ANSWER_WORDS = 25

ACK_DONT_KNOW = "No problem, let's look at it from another angle."
ACK_NEUTRAL = "Thanks."
ACK_POSITIVE = ("Thanks, that's a helpful start.", "Good, thanks for walking me through that.")

_DONT_KNOW_RE = re.compile(
    r"\b(i\s+(?:do\s*n[o']?t|dont|really\s+don'?t)\s+know|not\s+sure|no\s+idea|"
    r"(?:can'?t|cannot|don'?t)\s+remember|never\s+(?:used|heard|worked)|google\s+it|"
    r"i\s+(?:would|'d|usually)\s+(?:just\s+)?(?:google|look\s+it\s+up|search)|i'?(?:ll|\s+will)\s+pass)\b",
    re.IGNORECASE,
)
# Praise an interviewer must not give a non-answer ("Interesting." after
# "I'm not sure, I usually google it").
_PRAISE_RE = re.compile(
    r"^\s*(great|good|excellent|interesting|nice|perfect|awesome|fantastic|wonderful|"
    r"thanks?,?\s+(?:that'?s|that\s+is)\s+(?:great|helpful|interesting|good))\b[^.!?]*[.!?]\s*",
    re.IGNORECASE,
)


def revealed_terms(text: str, concepts: Iterable[Concept]) -> list[str]:
    """The concept names and synonyms that occur in ``text`` (empty: it reveals nothing)."""
    text_tokens = phrase_stems(text)
    return [
        phrase
        for c in concepts
        for phrase in (c.name, *c.synonyms)
        if contains(text_tokens, phrase_stems(phrase))
    ]


def _read(data_dir: Path) -> tuple[dict[str, tuple[str, ...]], dict[str, dict[str, str]]]:
    path = data_dir / PROBES_FILE
    try:
        payload = json.loads(path.read_text(encoding="utf-8"))
        generic = {str(k): tuple(str(p) for p in v) for k, v in payload["generic"].items()}
        specific = {
            str(key): {str(c): str(p).strip() for c, p in probes.items()}
            for key, probes in payload.get("questions", {}).items()
        }
    except (OSError, ValueError, KeyError, TypeError, AttributeError) as exc:
        raise BankError(f"cannot read {path}: {exc}") from exc
    return generic, specific


@lru_cache(maxsize=1)
def _shipped() -> tuple[dict[str, tuple[str, ...]], dict[str, dict[str, str]]]:
    return _read(DATA_DIR)


def generic_probes(kind: str) -> tuple[str, ...]:
    return _shipped()[0].get(kind, ())


def specific_probes() -> dict[str, dict[str, str]]:
    """Question key -> {concept name: curated probe}."""
    return _shipped()[1]


def generic_probe(question: PlannedQuestion, concept: str, avoid: Iterable[str] = ()) -> str:
    """A neutral probe for ``concept`` of ``question`` that names none of its concepts, or ""."""
    pool = generic_probes(question.kind) or generic_probes("technical")
    start = stable_int("probe", question.key, concept)
    taken = set(avoid)
    safe = [
        pool[(start + i) % len(pool)]
        for i in range(len(pool))
        if not revealed_terms(pool[(start + i) % len(pool)], question.rubric.concepts)
    ]
    fresh = [p for p in safe if p not in taken]
    return (fresh or safe or [""])[0]


def probes_for(question: PlannedQuestion) -> dict[str, str]:
    """Concept name -> probe for every concept of ``question``: the curated one when it still
    reveals nothing for this rubric (a recruiter may have edited it), else a generic one."""
    rubric = tuple((c.name, tuple(c.synonyms)) for c in question.rubric.concepts)
    return dict(_chosen_probes(question.key, question.kind, rubric))


@lru_cache(maxsize=2048)
def _chosen_probes(key: str, kind: str, rubric: tuple[tuple[str, tuple[str, ...]], ...]):
    # The choice depends only on the question's key, kind and rubric: made once per
    # rubric, not on every follow-up.
    concepts = [Concept(name, list(synonyms)) for name, synonyms in rubric]
    question = PlannedQuestion(key, "", kind, "", "", Rubric(concepts, "", "", ""), 0)
    curated = specific_probes().get(key, {})
    chosen: dict[str, str] = {}
    for concept in concepts:
        probe = curated.get(concept.name, "")
        if not probe or revealed_terms(probe, concepts):
            probe = generic_probe(question, concept.name, chosen.values())
        chosen[concept.name] = probe
    return tuple(chosen.items())


def validate_probes(questions: dict[str, PlannedQuestion], data_dir: Path = DATA_DIR) -> None:
    """Bank check: curated probes name real questions and concepts and reveal nothing;
    every question has a safe probe for every concept."""
    for key, probes in _read(data_dir)[1].items():
        q = questions.get(key)
        if q is None:
            raise BankError(f"{PROBES_FILE}: probes for unknown question {key!r}")
        names = {c.name for c in q.rubric.concepts}
        for concept, probe in probes.items():
            if concept not in names:
                raise BankError(f"{PROBES_FILE}: {key!r} has a probe for unknown concept {concept!r}")
            leaked = revealed_terms(probe, q.rubric.concepts)
            if not probe or leaked:
                raise BankError(f"{PROBES_FILE}: the {key!r} probe for {concept!r} reveals {leaked}")
    for q in questions.values():
        for concept in q.rubric.concepts:
            if not generic_probe(q, concept.name):
                raise BankError(f"{PROBES_FILE}: no generic probe for {q.key!r} reveals nothing")


def answer_kind(answer: str, matched: int) -> str:
    """ "dont_know", "thin" (short, off-topic) or "substantial"."""
    words = len(answer.split())
    if _DONT_KNOW_RE.search(answer) and (words < SUBSTANTIAL_ANSWER_WORDS or matched == 0):
        return "dont_know"
    if words < SHORT_ANSWER_WORDS or matched == 0 or words < SUBSTANTIAL_ANSWER_WORDS:
        return "thin"
    return "substantial"


def acknowledgement(answer: str, matched: int, key: str = "") -> str:
    """The words before a follow-up, fitted to the answer (never praise for a non-answer)."""
    kind = answer_kind(answer, matched)
    if kind == "dont_know":
        return ACK_DONT_KNOW
    if kind == "thin":
        return ACK_NEUTRAL
    return ACK_POSITIVE[stable_int("ack", key) % len(ACK_POSITIVE)]


def without_praise(text: str) -> str:
    """``text`` without a leading sentence of praise."""
    return _PRAISE_RE.sub("", text, count=1).strip()

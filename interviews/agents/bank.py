"""The question bank (``data/questions/*.json``) on top of the skill taxonomy, read and checked once."""

from __future__ import annotations

import json
import threading
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from interviews.agents.base import LEVELS, Concept, PlannedQuestion, Rubric
from interviews.agents.language import tokens
from interviews.agents.policy import MAX_QUESTION_MINUTES, MIN_QUESTION_MINUTES
from interviews.agents.probes import validate_probes
from interviews.agents.taxonomy import (
    DATA_DIR,
    KINDS,
    SPECIAL_SKILLS,
    BankError,
    Taxonomy,
    kind_of,
    load_taxonomy,
)

MIN_CONCEPTS = 3


@dataclass(frozen=True)
class Bank(Taxonomy):
    questions: dict[str, tuple[PlannedQuestion, ...]]  # skill -> questions, bank order

    @property
    def question_count(self) -> int:
        return sum(len(qs) for qs in self.questions.values())


def _question_from_json(raw: dict, source: str) -> PlannedQuestion:
    try:
        rubric = raw["rubric"]
        return PlannedQuestion(
            key=str(raw["key"]),
            skill=str(raw["skill"]),
            kind=str(raw["kind"]),
            difficulty=str(raw["difficulty"]),
            text=str(raw["text"]).strip(),
            minutes=int(raw["minutes"]),
            rubric=Rubric(
                concepts=[
                    Concept(name=str(c["name"]), synonyms=[str(s) for s in c.get("synonyms", [])])
                    for c in rubric["concepts"]
                ],
                score_1=str(rubric["score_1"]),
                score_3=str(rubric["score_3"]),
                score_5=str(rubric["score_5"]),
            ),
        )
    except (KeyError, TypeError, ValueError) as exc:
        raise BankError(f"{source}: malformed question {raw.get('key', '?')!r}: {exc}") from exc


def _validate_question(q: PlannedQuestion, source: str, taxonomy: set[str]) -> None:
    where = f"{source}: question {q.key!r}"
    if q.difficulty not in LEVELS:
        raise BankError(f"{where}: difficulty {q.difficulty!r} is not one of {LEVELS}")
    if q.kind not in KINDS:
        raise BankError(f"{where}: kind {q.kind!r} is not one of {KINDS}")
    expected_kind = kind_of(q.skill)
    if q.kind != expected_kind:
        raise BankError(f"{where}: skill {q.skill!r} needs kind {expected_kind!r}")
    if q.skill not in taxonomy and q.skill not in SPECIAL_SKILLS:
        raise BankError(f"{where}: skill {q.skill!r} is not in skills.json")
    if not q.text:
        raise BankError(f"{where}: empty text")
    if not MIN_QUESTION_MINUTES <= q.minutes <= MAX_QUESTION_MINUTES:
        raise BankError(f"{where}: minutes {q.minutes} outside 3..12")
    if len(q.rubric.concepts) < MIN_CONCEPTS:
        raise BankError(f"{where}: rubric needs at least {MIN_CONCEPTS} concepts")
    if not (q.rubric.score_1 and q.rubric.score_3 and q.rubric.score_5):
        raise BankError(f"{where}: rubric needs score_1, score_3 and score_5")
    for concept in q.rubric.concepts:
        if not concept.name or not tokens(concept.name):
            raise BankError(f"{where}: concept without a name")


def _read_questions(data_dir: Path, taxonomy: set[str]) -> dict[str, list[PlannedQuestion]]:
    questions: dict[str, list[PlannedQuestion]] = {}
    seen_keys: dict[str, str] = {}
    files = sorted((data_dir / "questions").glob("*.json"))
    if not files:
        raise BankError(f"no question files in {data_dir / 'questions'}")
    for path in files:
        try:
            payload = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError) as exc:
            raise BankError(f"cannot read {path}: {exc}") from exc
        for raw in payload.get("questions", []):
            q = _question_from_json(raw, path.name)
            _validate_question(q, path.name, taxonomy)
            if q.key in seen_keys:
                raise BankError(f"duplicate question key {q.key!r} ({seen_keys[q.key]}, {path.name})")
            seen_keys[q.key] = path.name
            questions.setdefault(q.skill, []).append(q)
    return questions


def load_bank(data_dir: Path = DATA_DIR) -> Bank:
    """Read and validate the taxonomy and the question bank (no caching)."""
    known = load_taxonomy(data_dir)
    names = [s.name for s in known.skills]
    questions = _read_questions(data_dir, set(names))
    for name in (*names, *SPECIAL_SKILLS):
        # Every recognised skill must be plannable, or a VALID skill would
        # silently vanish from the interview.
        if not questions.get(name):
            raise BankError(f"skill {name!r} has no questions in the bank")
    # Follow-up probes must reveal none of their question's concepts.
    validate_probes({q.key: q for qs in questions.values() for q in qs}, data_dir)
    return Bank(
        skills=known.skills,
        by_key=known.by_key,
        questions={k: tuple(v) for k, v in questions.items()},
    )


_reading = threading.Lock()


def bank() -> Bank:
    """The process-wide bank, read once; threads that ask meanwhile wait for that read."""
    with _reading:
        return _read_once()


@lru_cache(maxsize=1)
def _read_once() -> Bank:
    return load_bank()

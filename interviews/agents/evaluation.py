"""How well an engine's assessor tells a strong answer from a weak one.

A pairs file is JSON: ``{"pairs": [{"kind", "question", "strong", "weak"}, ...]}``
where ``question`` is a bank question key and ``strong`` / ``weak`` are the
candidate's main answer. Each answer is assessed alone, as a one-question
interview. A pair is right when the strong answer earns more points than the
weak one; for the kinds in ``REVIEW_KINDS`` (answers the offline engine
cannot judge) it is right when the weak answer is flagged ``needs_review``
and the strong one is not.
"""

from __future__ import annotations

from dataclasses import dataclass

from interviews.agents.bank import Bank
from interviews.agents.base import Engine, Plan, QuestionScore, Turn

KINDS = (
    "vague",
    "wrong",
    "keyword_list",
    "off_topic",
    "short_but_correct",
    "paraphrase",
    "negation",
    "concise_expert",
    "addressed_to_grader",
    "other_language",
    "copied_question",
)
REVIEW_KINDS = frozenset({"addressed_to_grader", "other_language"})


class PairsError(ValueError):
    """The pairs file is not usable; the message says where and why."""


@dataclass(frozen=True)
class Pair:
    kind: str
    question: str
    strong: str
    weak: str


@dataclass(frozen=True)
class Outcome:
    pair: Pair
    strong: QuestionScore
    weak: QuestionScore
    right: bool


def parse_pairs(data: object, bank: Bank) -> list[Pair]:
    if not isinstance(data, dict) or not isinstance(data.get("pairs"), list) or not data["pairs"]:
        raise PairsError('The file must be a JSON object with a non-empty "pairs" list.')
    keys = {q.key for qs in bank.questions.values() for q in qs}
    pairs = []
    for n, raw in enumerate(data["pairs"]):
        if not isinstance(raw, dict):
            raise PairsError(f"Pair {n} must be an object.")
        missing = [f for f in ("kind", "question", "strong", "weak") if not isinstance(raw.get(f), str)]
        if missing:
            raise PairsError(f"Pair {n} needs text fields: {', '.join(missing)}.")
        if raw["kind"] not in KINDS:
            raise PairsError(f"Pair {n}: kind {raw['kind']!r} is not one of {', '.join(KINDS)}.")
        if raw["question"] not in keys:
            raise PairsError(f"Pair {n}: {raw['question']!r} is not a question key of the bank.")
        pairs.append(Pair(raw["kind"], raw["question"], raw["strong"], raw["weak"]))
    return pairs


def _assess(engine: Engine, bank: Bank, key: str, answer: str) -> QuestionScore:
    question = next(q for qs in bank.questions.values() for q in qs if q.key == key)
    plan = Plan(questions=[question], duration_minutes=question.minutes)
    return engine.assess(plan, [Turn(0, "main", question.text, answer)], []).question_scores[0]


def judge(pair: Pair, strong: QuestionScore, weak: QuestionScore) -> bool:
    if pair.kind in REVIEW_KINDS:
        return weak.needs_review and not strong.needs_review
    return strong.points > weak.points


def evaluate(engine: Engine, bank: Bank, pairs: list[Pair]) -> list[Outcome]:
    outcomes = []
    for pair in pairs:
        strong = _assess(engine, bank, pair.question, pair.strong)
        weak = _assess(engine, bank, pair.question, pair.weak)
        outcomes.append(Outcome(pair, strong, weak, judge(pair, strong, weak)))
    return outcomes


def accuracy(outcomes: list[Outcome]) -> dict[str, float]:
    """Share of right pairs per kind (in ``KINDS`` order) and ``"overall"``, 0..1."""
    result: dict[str, float] = {}
    for kind in KINDS:
        mine = [o for o in outcomes if o.pair.kind == kind]
        if mine:
            result[kind] = sum(o.right for o in mine) / len(mine)
    if outcomes:
        result["overall"] = sum(o.right for o in outcomes) / len(outcomes)
    return result

"""The offline, deterministic interview engine.

It needs no network and no model: skills are matched against a taxonomy
(``data/skills.json``, :mod:`~interviews.agents.taxonomy`), questions come
from a curated bank (``data/questions/*.json``, :mod:`~interviews.agents.bank`)
and are picked by :mod:`~interviews.agents.planner`; follow-ups come from
:mod:`~interviews.agents.followups` and answers are scored by rubric-concept
coverage (:mod:`~interviews.agents.scoring`). The rules it shares with the LLM
engine (time, levels, order, closing, score formula, recommendation, feedback)
are in :mod:`~interviews.agents.policy`.

The same inputs always give the same outputs; nothing depends on Python's
salted ``hash()``, on set iteration order, on the clock or on ``random``.
"""

from __future__ import annotations

from interviews.agents.bank import Bank, bank
from interviews.agents.base import (
    Assessment,
    IntegrityEvent,
    InterviewRequest,
    NextMove,
    Plan,
    PlannedQuestion,
    SkillValidation,
    Turn,
)
from interviews.agents.conversation import restate
from interviews.agents.followups import followup
from interviews.agents.planner import build_plan
from interviews.agents.policy import NOT_ANSWERED, aggregate, next_question
from interviews.agents.scoring import score_question
from interviews.agents.taxonomy import validate_skills


class HeuristicEngine:
    """Deterministic engine over the curated bank; see the module docstring."""

    name = "heuristic"
    quick = True  # no model call: every step is microseconds of computation

    def __init__(self, data: Bank | None = None) -> None:
        self._bank = data

    @property
    def data(self) -> Bank:
        return self._bank or bank()

    def validate_skills(self, request: InterviewRequest) -> SkillValidation:
        return validate_skills(request, self.data)

    def plan(
        self,
        request: InterviewRequest,
        validation: SkillValidation,
        *,
        feedback: str = "",
        version: int = 1,
    ) -> Plan:
        """See :func:`~interviews.agents.planner.build_plan`."""
        return build_plan(self.data, request, validation, feedback, version)

    def next_turn(self, plan: Plan, turns: list[Turn]) -> NextMove:
        """Ask every question in order, with at most one follow-up each."""
        return followup(plan, turns) or next_question(plan, turns)

    def assess(self, plan: Plan, turns: list[Turn], integrity: list[IntegrityEvent]) -> Assessment:
        scores = [score_question(i, q, turns) for i, q in enumerate(plan.questions)]
        unanswered = {s.question_index for s in scores if s.rationale == NOT_ANSWERED}
        return aggregate(scores, integrity, unanswered, turns)

    def rephrase(self, question: PlannedQuestion, asked: str, *, attempt: int = 1) -> str:
        """In parts or from another angle: :func:`~interviews.agents.conversation.restate`."""
        return restate(question, asked, attempt)

"""The LLM interview engine: the engine steps as agno agents.

Outgoing HTTP
    The project's rule is that every outgoing HTTP call goes through
    ``webhooks/transport.py``. This engine is the one deliberate exception: the
    calls to the language model are made by the model provider's own SDK
    (``openai``, ``anthropic`` or ``ollama``, driven by agno; see
    :mod:`~interviews.agents.llm_models`), which owns the wire protocol,
    authentication, timeouts (``LLM_TIMEOUT_SECONDS``) and retries with
    backoff (``LLM_MAX_RETRIES``). Those requests only ever go to the provider
    the operator configured (``LLM_BASE_URL`` or the provider's default), never
    to an address taken from a request, so the SSRF guard in ``transport.py``
    has nothing to protect here. agno's own usage telemetry is switched off on
    every agent.

How each step works
    Every step is one structured agno call with one repair, and the fallback
    engine (passed in, the heuristic one in production) answers a step the
    model cannot; see :mod:`~interviews.agents.llm_calls`.

    * ``validate_skills``: the skill taxonomy first (canonical names stay
      deterministic and a recognised skill can never be dropped by the model);
      the model then judges only the entries the taxonomy did not recognise and
      may add up to three skills the job description clearly needs
      (:mod:`~interviews.agents.llm_skills`).
    * ``plan``: the model writes questions and rubrics for the validated
      skills; :mod:`~interviews.agents.llm_plans` keeps them to the skills, the
      level and the time.
    * ``next_turn``: the plan's questions are asked verbatim and in order; the
      model only decides, after each answer, whether to ask a follow-up (at most
      ``LLM_MAX_FOLLOWUPS`` per question). The closing words are the shared
      policy's, so both engines end an interview the same way.
    * ``assess``: the model scores each question against its rubric and quotes
      evidence (:mod:`~interviews.agents.llm_assessments`); the totals come
      from the shared policy.
    * ``rephrase``: the model rewords the open question when the candidate asks
      for another wording (:mod:`~interviews.agents.llm_rephrase`); a reply
      that repeats the question is repaired once, then the fallback restates it.

Untrusted text (the candidate's answers, and the job description and recruiter
feedback) is given to the model as JSON inside tagged blocks, with ``<`` and
``>`` escaped so an answer cannot close its block, and every prompt says that
block content is data, never instructions.
"""

from __future__ import annotations

from interviews.agents.base import (
    Assessment,
    Engine,
    IntegrityEvent,
    InterviewRequest,
    NextMove,
    Plan,
    PlannedQuestion,
    SkillValidation,
    Turn,
)
from interviews.agents.followups import checked_followup
from interviews.agents.llm_assessments import answers_by_question, assessor_prompt, finish_assessment
from interviews.agents.llm_calls import data_block, run_step
from interviews.agents.llm_models import LLMConfig
from interviews.agents.llm_plans import finish_plan, plan_request
from interviews.agents.llm_rephrase import Rephrasing, finish_rephrasing, rephrase_prompt
from interviews.agents.llm_skills import merge_skills, review_request
from interviews.agents.policy import next_question
from interviews.agents.schemas import AssessmentDraft, InterviewerDecision, PlanDraft, SkillReview
from interviews.agents.taxonomy import taxonomy, validate_skills


class LLMEngine:
    """The engine interface on a language model, with another engine as the safety net."""

    name = "llm"
    quick = False  # a step may wait seconds for the model: it runs in a background job

    def __init__(self, *, fallback: Engine, config: LLMConfig | None = None) -> None:
        # Without an explicit config the settings are read on every call, so a
        # changed setting (a test, a reload) needs no new engine.
        self._config = config
        self.fallback = fallback

    @property
    def config(self) -> LLMConfig:
        return self._config or LLMConfig.from_settings()

    def validate_skills(self, request: InterviewRequest) -> SkillValidation:
        known = validate_skills(request, taxonomy())
        listed = [s for s in known.skills if s.status != "INFERRED"]
        return run_step(
            "validate_skills",
            config=lambda: self.config,
            schema=SkillReview,
            prompt=data_block("request", review_request(request, listed)),
            finish=lambda review: merge_skills(known, listed, review),
            fallback=lambda: known,
        )

    def plan(
        self,
        request: InterviewRequest,
        validation: SkillValidation,
        *,
        feedback: str = "",
        version: int = 1,
    ) -> Plan:
        skills = validation.valid
        if not skills:
            # Nothing to plan: the fallback engine raises the explanatory error.
            return self.fallback.plan(request, validation, feedback=feedback, version=version)
        payload, context = plan_request(request, skills, feedback, version)
        return run_step(
            "plan",
            config=lambda: self.config,
            schema=PlanDraft,
            prompt=data_block("request", payload),
            finish=lambda draft: finish_plan(draft, context),
            fallback=lambda: self.fallback.plan(request, validation, feedback=feedback, version=version),
        )

    def next_turn(self, plan: Plan, turns: list[Turn]) -> NextMove:
        if turns and plan.questions:
            idx = turns[-1].question_index
            asked = sum(1 for t in turns if t.question_index == idx and t.kind == "followup")
            limit = self.config.max_followups
            if 0 <= idx < len(plan.questions) and turns[-1].answer_text.strip() and asked < limit:
                return run_step(
                    "next_turn",
                    config=lambda: self.config,
                    schema=InterviewerDecision,
                    prompt=_interviewer_prompt(plan, turns, idx, asked, limit),
                    finish=lambda decision: (
                        NextMove(
                            action="followup",
                            question_index=idx,
                            text=checked_followup(plan.questions[idx], turns, idx, decision.followup),
                        )
                        if decision.action == "followup"
                        else next_question(plan, turns)
                    ),
                    fallback=lambda: self.fallback.next_turn(plan, turns),
                )
        # Nothing to decide: the next planned question, or the end.
        return next_question(plan, turns)

    def assess(self, plan: Plan, turns: list[Turn], integrity: list[IntegrityEvent]) -> Assessment:
        answers = answers_by_question(plan, turns)
        if not any(answers):
            # Nothing was answered: every question scores 1 and there is
            # nothing for a model to judge.
            empty = AssessmentDraft(questions=[], strengths=[], concerns=[], summary="")
            return finish_assessment(empty, plan, answers, integrity, turns)
        return run_step(
            "assess",
            config=lambda: self.config,
            schema=AssessmentDraft,
            prompt=assessor_prompt(plan, turns),
            finish=lambda draft: finish_assessment(draft, plan, answers, integrity, turns),
            fallback=lambda: self.fallback.assess(plan, turns, integrity),
        )

    def rephrase(self, question: PlannedQuestion, asked: str, *, attempt: int = 1) -> str:
        return run_step(
            "rephrase",
            config=lambda: self.config,
            schema=Rephrasing,
            prompt=rephrase_prompt(question, asked, attempt),
            finish=lambda reply: finish_rephrasing(reply, asked),
            fallback=lambda: self.fallback.rephrase(question, asked, attempt=attempt),
        )


def _interviewer_prompt(plan: Plan, turns: list[Turn], idx: int, asked: int, limit: int) -> str:
    question = plan.questions[idx]
    return "\n".join(
        (
            data_block(
                "question",
                {
                    "skill": question.skill,
                    "kind": question.kind,
                    "text": question.text,
                    "concepts": [c.name for c in question.rubric.concepts],
                    "followups_asked": asked,
                    "followups_left": limit - asked,
                },
            ),
            data_block(
                "transcript",
                [
                    {"kind": t.kind, "question": t.question_text, "answer": t.answer_text}
                    for t in turns
                    if t.question_index == idx
                ],
            ),
        )
    )

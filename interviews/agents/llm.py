"""The LLM interview engine: the four engine steps as agno agents.

Outgoing HTTP
    The project's rule is that every outgoing HTTP call goes through
    ``webhooks/transport.py``. This module is the one deliberate exception: the
    calls to the language model are made by the model provider's own SDK
    (``openai``, ``anthropic`` or ``ollama``, driven by agno), which owns the
    wire protocol, authentication, timeouts (``LLM_TIMEOUT_SECONDS``) and
    retries with backoff (``LLM_MAX_RETRIES``). Those requests only ever go to
    the provider the operator configured (``LLM_BASE_URL`` or the provider's
    default), never to an address taken from a request, so the SSRF guard in
    ``transport.py`` has nothing to protect here. agno's own usage telemetry is
    switched off on every agent.

How each step works
    Every step is an ``agno.agent.Agent`` whose ``output_schema`` is a pydantic
    model from ``interviews.agents.schemas``; agno sends it as the provider's
    structured-output format (``response_format`` JSON schema for OpenAI and
    OpenAI-compatible servers). The instructions are versioned text files in
    ``prompts/`` and the version is recorded with every step. A reply that fails
    validation (the schema, or the checks below) is sent back once with the
    problems listed; if the second reply fails too, or the provider fails after
    its retries, the heuristic engine answers that step instead and the step is
    recorded with outcome ``fallback``. If the heuristic engine fails as well,
    the step raises and the caller marks the interview failed.

    * ``validate_skills``: the heuristic taxonomy first (canonical names stay
      deterministic and a recognised skill can never be dropped by the model);
      the model then judges only the entries the taxonomy did not recognise and
      may add up to three skills the job description clearly needs.
    * ``plan``: the model writes questions and rubrics for the validated skills;
      the engine then keeps only questions on those skills, forces each
      question's kind from its skill, keeps difficulties within the level, and
      trims minutes deterministically to fit the duration.
    * ``next_turn``: the plan's questions are asked verbatim and in order; the
      model only decides, after each answer, whether to ask a follow-up (at most
      ``LLM_MAX_FOLLOWUPS`` per question). The closing words are the heuristic
      engine's, so both engines end an interview the same way.
    * ``assess``: the model scores each question 1-5 against its rubric and
      quotes evidence; quotes that are not verbatim in the candidate's answers
      to that question are dropped. Per-skill averages, the overall score and
      the recommendation are computed here exactly as the heuristic engine
      computes them. The assessor sees the plan and the transcript only, never
      the candidate's name or email.

Untrusted text (the candidate's answers, and the job description and recruiter
feedback) is given to the model as JSON inside tagged blocks, with ``<`` and
``>`` escaped so an answer cannot close its block, and every prompt says that
block content is data, never instructions.
"""

from __future__ import annotations

import json
import logging
import re
from collections.abc import Callable
from dataclasses import dataclass, replace
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

from django.core.exceptions import ImproperlyConfigured
from pydantic import BaseModel, ValidationError

from interviews.agents.base import (
    LEVELS,
    Assessment,
    Concept,
    IntegrityEvent,
    InterviewRequest,
    NextMove,
    Plan,
    PlannedQuestion,
    QuestionScore,
    Rubric,
    SkillValidation,
    Turn,
    ValidatedSkill,
)
from interviews.agents.heuristic import (
    BEHAVIORAL,
    DEFAULT_DURATION_MINUTES,
    LEVEL_PREFERENCES,
    MAX_EVIDENCE,
    MAX_EVIDENCE_CHARS,
    MAX_QUESTION_MINUTES,
    MIN_QUESTION_MINUTES,
    SENIOR_LEVELS,
    SHORT_ANSWER_WORDS,
    SPECIAL_SKILLS,
    SYSTEM_DESIGN,
    Feedback,
    HeuristicEngine,
    aggregate,
    parse_feedback,
    question_budget,
    tokens,
)
from interviews.agents.recording import FAILED, FALLBACK, REPAIRED, StepReport, current_report
from interviews.agents.schemas import (
    AssessmentDraft,
    InterviewerDecision,
    PlanDraft,
    QuestionDraft,
    SkillReview,
)

if TYPE_CHECKING:
    from agno.models.base import Model

logger = logging.getLogger(__name__)

PROVIDERS = ("openai", "anthropic", "ollama", "openai-like")
PROMPTS_DIR = Path(__file__).resolve().parent / "prompts"
# Which prompt file each step uses. A changed prompt gets a new file (v2, ...)
# so every recorded AgentStep says which wording produced it.
PROMPT_VERSIONS = {
    "validate_skills": "skills.v1",
    "plan": "planner.v1",
    "next_turn": "interviewer.v1",
    "assess": "assessor.v1",
}
MAX_INFERRED_SKILLS = 3
# A quote shorter than this ("yes", "I think") proves nothing about a score.
MIN_QUOTE_CHARS = 8
# How much of an unusable reply is echoed back in the repair prompt.
MAX_REPAIR_ECHO_CHARS = 8000
MAX_PROBLEMS_LISTED = 20
_CATEGORY_RE = re.compile(r"^[a-z][a-z-]{0,29}$")
_SLUG_RE = re.compile(r"[^a-z0-9]+")
_KIND_RANK = {"technical": 0, "system_design": 1, "behavioral": 2}
_SPECIAL_ALIASES = {
    "behavioral": BEHAVIORAL,
    "behavioural": BEHAVIORAL,
    "system design": SYSTEM_DESIGN,
    "system-design": SYSTEM_DESIGN,
}

T = TypeVar("T")
S = TypeVar("S", bound=BaseModel)


class OutputInvalid(ValueError):
    """The model answered, but the answer cannot be used; the message says why."""

    def __init__(self, message: str, raw: str = "") -> None:
        super().__init__(message)
        self.raw = raw


class ModelUnavailable(RuntimeError):
    """The provider did not answer (after the SDK's own retries), or answered with an error."""


# ---------------------------------------------------------------------------
# Configuration and the agno model


@dataclass(frozen=True)
class LLMConfig:
    provider: str
    model: str
    base_url: str = ""
    api_key: str = ""
    timeout_seconds: float = 60
    max_retries: int = 2
    max_followups: int = 2

    @classmethod
    def from_settings(cls) -> LLMConfig:
        from django.conf import settings

        return cls(
            provider=settings.LLM_PROVIDER,
            model=settings.LLM_MODEL,
            base_url=settings.LLM_BASE_URL,
            api_key=settings.LLM_API_KEY,
            timeout_seconds=settings.LLM_TIMEOUT_SECONDS,
            max_retries=settings.LLM_MAX_RETRIES,
            max_followups=settings.LLM_MAX_FOLLOWUPS,
        )


def _model_class(module: str, name: str, package: str):
    # Provider SDKs other than openai are optional; import them only when the
    # operator picked that provider, and say exactly what is missing.
    try:
        imported = __import__(module, fromlist=[name])
    except ImportError as exc:
        raise ImproperlyConfigured(
            f"LLM_PROVIDER needs the '{package}' package, which is not installed "
            f"(pip install {package}): {exc}"
        ) from exc
    return getattr(imported, name)


def build_model(config: LLMConfig) -> Model:
    """The agno model for ``config``, with the request timeout and retry policy applied."""
    if config.provider in ("openai", "openai-like"):
        params: dict[str, Any] = {
            "id": config.model,
            # The OpenAI SDK retries 408/409/429/5xx, timeouts and connection
            # errors itself, with exponential backoff and jitter, honouring
            # Retry-After; agno's own model retries stay off so the two do not
            # multiply.
            "timeout": config.timeout_seconds,
            "max_retries": config.max_retries,
        }
        if config.base_url:
            params["base_url"] = config.base_url
        if config.provider == "openai":
            cls = _model_class("agno.models.openai", "OpenAIChat", "openai")
            return cls(api_key=config.api_key or None, **params)
        cls = _model_class("agno.models.openai", "OpenAILike", "openai")
        # Local OpenAI-compatible servers usually need no key, but the SDK
        # insists on one.
        return cls(api_key=config.api_key or "not-needed", **params)
    if config.provider == "anthropic":
        cls = _model_class("agno.models.anthropic", "Claude", "anthropic")
        client_params: dict[str, Any] = {"max_retries": config.max_retries}  # same policy as OpenAI's SDK
        if config.base_url:
            client_params["base_url"] = config.base_url
        return cls(
            id=config.model,
            api_key=config.api_key or None,
            timeout=config.timeout_seconds,
            client_params=client_params,
        )
    if config.provider == "ollama":
        cls = _model_class("agno.models.ollama", "Ollama", "ollama")
        # The ollama client does not retry, so agno's model-level retries (with
        # exponential backoff; agno does not retry 4xx other than 429) do.
        return cls(
            id=config.model,
            host=config.base_url or None,
            api_key=config.api_key or None,
            timeout=config.timeout_seconds,
            retries=config.max_retries,
            delay_between_retries=1,
            exponential_backoff=True,
        )
    raise ImproperlyConfigured(f"LLM_PROVIDER={config.provider!r} must be one of {', '.join(PROVIDERS)}.")


def _close_client(model: Model) -> None:
    # The SDK client (and its connection pool) was made for this one step;
    # close it now rather than leave sockets to the garbage collector.
    client = getattr(model, "client", None)
    close = getattr(client, "close", None)
    if callable(close):
        try:
            close()
        except Exception:
            logger.debug("closing the model client failed", exc_info=True)


@cache
def load_prompt(version: str) -> str:
    return (PROMPTS_DIR / f"{version}.txt").read_text(encoding="utf-8").strip()


# ---------------------------------------------------------------------------
# Data blocks


def data_block(tag: str, value: object) -> str:
    """``value`` as JSON inside ``<tag>`` ... ``</tag>``.

    ``<`` and ``>`` inside strings become ``\\u003c`` / ``\\u003e`` (still the
    same JSON), so text such as ``</transcript>`` in an answer cannot end the
    block early and pose as instructions.
    """
    encoded = json.dumps(value, ensure_ascii=False, indent=1)
    encoded = encoded.replace("<", "\\u003c").replace(">", "\\u003e")
    return f"<{tag}>\n{encoded}\n</{tag}>"


def _strip_fences(text: str) -> str:
    # Some models wrap JSON in a Markdown code fence even in JSON mode.
    text = text.strip()
    if text.startswith("```"):
        text = text.split("\n", 1)[1] if "\n" in text else ""
        if text.rstrip().endswith("```"):
            text = text.rstrip()[:-3]
    return text.strip()


def _describe(exc: ValidationError) -> str:
    # Without the offending input values: they may be candidate text, which
    # must not reach the repair prompt outside a data block.
    problems = []
    for error in exc.errors(include_input=False, include_url=False)[:MAX_PROBLEMS_LISTED]:
        where = ".".join(str(part) for part in error["loc"]) or "reply"
        problems.append(f"{where}: {error['msg']}")
    return "; ".join(problems)


def _repair_prompt(prompt: str, raw: str, problems: str) -> str:
    return (
        f"{prompt}\n\n"
        f"{data_block('previous_reply', raw[:MAX_REPAIR_ECHO_CHARS])}\n"
        f"{data_block('problems', problems)}\n\n"
        "Your previous reply (above, as a JSON string) could not be used because of the problems "
        "listed. Reply again with one complete JSON object that follows the required schema and "
        "fixes every problem."
    )


# ---------------------------------------------------------------------------
# The engine


class LLMEngine:
    """The engine interface on a language model, with the heuristic engine as the safety net."""

    name = "llm"

    def __init__(self, config: LLMConfig | None = None, fallback: HeuristicEngine | None = None) -> None:
        # Without an explicit config the settings are read on every call, so a
        # changed setting (a test, a reload) needs no new engine.
        self._config = config
        self.fallback = fallback or HeuristicEngine()

    @property
    def config(self) -> LLMConfig:
        return self._config or LLMConfig.from_settings()

    # -- skills ------------------------------------------------------------

    def validate_skills(self, request: InterviewRequest) -> SkillValidation:
        taxonomy = self.fallback.validate_skills(request)
        listed = [s for s in taxonomy.skills if s.status != "INFERRED"]
        payload = {
            "position": request.position,
            "level": request.level,
            "job_description": request.job_description,
            "skills": [
                {
                    "original": s.original,
                    "taxonomy": (
                        {"recognised": True, "name": s.name, "category": s.category}
                        if s.status == "VALID"
                        else {"recognised": False}
                    ),
                }
                for s in listed
            ],
        }
        return self._run_step(
            "validate_skills",
            schema=SkillReview,
            prompt=data_block("request", payload),
            finish=lambda review: self._merge_skills(taxonomy, listed, review),
            fallback=lambda: taxonomy,
        )

    def _merge_skills(
        self, taxonomy: SkillValidation, listed: list[ValidatedSkill], review: SkillReview
    ) -> SkillValidation:
        verdicts = {
            v.original.strip().lower(): v
            for v in review.skills
            if v.status != "INFERRED" and v.original.strip()
        }
        result: list[ValidatedSkill] = []
        seen: set[str] = set()

        def add(skill: ValidatedSkill) -> None:
            key = skill.name.lower() if skill.status != "UNKNOWN" else "?" + skill.original.lower()
            if key not in seen:
                seen.add(key)
                result.append(skill)

        for skill in listed:
            verdict = verdicts.get(skill.original.strip().lower())
            if skill.status == "VALID" or verdict is None or verdict.status != "VALID":
                # The taxonomy's recognition stands; an entry the model did not
                # vouch for stays UNKNOWN.
                add(skill)
                continue
            name, category = self._canonical(verdict.name, verdict.category)
            add(ValidatedSkill(name, skill.original, "VALID", category))
        for skill in taxonomy.skills:
            if skill.status == "INFERRED":
                add(skill)
        for verdict in [v for v in review.skills if v.status == "INFERRED"][:MAX_INFERRED_SKILLS]:
            name, category = self._canonical(verdict.name, verdict.category)
            add(ValidatedSkill(name, "", "INFERRED", category))

        if any(s.status in ("VALID", "INFERRED") for s in result):
            return SkillValidation(skills=result, ok=True)
        return SkillValidation(skills=result, ok=False, reason=taxonomy.reason)

    def _canonical(self, name: str, category: str) -> tuple[str, str]:
        known = self.fallback.canonical_skill(name)
        if known is not None:
            return known.name, known.category
        category = category.strip().lower()
        return name.strip(), category if _CATEGORY_RE.match(category) else ""

    # -- planning ----------------------------------------------------------

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
            # Nothing to plan: the heuristic engine raises the explanatory error.
            return self.fallback.plan(request, validation, feedback=feedback, version=version)
        level = request.level if request.level in LEVELS else "MID"
        fb = (
            parse_feedback(feedback, [s.name for s in skills], self.fallback.data) if feedback else Feedback()
        )
        # "Harder" / "easier" feedback moves the allowed difficulties exactly
        # as it does in the heuristic engine.
        shifted = LEVELS[min(len(LEVELS) - 1, max(0, LEVELS.index(level) + fb.level_shift))]
        allowed = LEVEL_PREFERENCES[shifted]
        duration = request.duration_minutes or DEFAULT_DURATION_MINUTES
        budget = question_budget(duration)
        include_design = level in SENIOR_LEVELS and SYSTEM_DESIGN not in fb.skip
        ordered = [s for s in skills if s.status == "VALID"] + [s for s in skills if s.status != "VALID"]
        payload: dict[str, Any] = {
            "position": request.position,
            "level": level,
            "language": request.language or "en",
            "job_description": request.job_description,
            "skills": [{"name": s.name, "status": s.status, "category": s.category} for s in ordered],
            "allowed_difficulties": list(allowed),
            "duration_minutes": duration,
            "question_minutes_budget": budget,
            "include_system_design": include_design,
            "plan_version": version,
        }
        if feedback:
            payload["recruiter_feedback"] = feedback
        context = _PlanContext(
            skills={s.name.lower(): s.name for s in skills},
            allowed=allowed,
            skip=set(fb.skip),
            include_design=include_design,
            budget=budget,
            duration=duration,
            version=max(1, int(version)),
        )
        return self._run_step(
            "plan",
            schema=PlanDraft,
            prompt=data_block("request", payload),
            finish=lambda draft: self._finish_plan(draft, context),
            fallback=lambda: self.fallback.plan(request, validation, feedback=feedback, version=version),
        )

    def _plan_skill(self, name: str, context: _PlanContext) -> str | None:
        lowered = name.strip().lower()
        if lowered in _SPECIAL_ALIASES:
            return _SPECIAL_ALIASES[lowered]
        if lowered in context.skills:
            return context.skills[lowered]
        known = self.fallback.canonical_skill(name)
        if known is not None and known.name.lower() in context.skills:
            return context.skills[known.name.lower()]
        return None

    def _finish_plan(self, draft: PlanDraft, context: _PlanContext) -> Plan:
        kept: list[tuple[str, QuestionDraft]] = []
        strangers: list[str] = []
        for q in draft.questions:
            skill = self._plan_skill(q.skill, context)
            if skill is None:
                strangers.append(q.skill)
                continue
            if skill == SYSTEM_DESIGN and not context.include_design:
                continue
            kept.append((skill, q))
        # Skills the recruiter asked to drop go, as long as something remains
        # (the heuristic engine's rule for the same feedback).
        if context.skip and any(skill not in context.skip for skill, _ in kept):
            kept = [(skill, q) for skill, q in kept if skill not in context.skip]
        if not kept:
            raise OutputInvalid(
                "no question is about the given skills; 'skill' must be one of "
                f"{sorted(context.skills.values()) + list(SPECIAL_SKILLS)}"
                + (f" (got {sorted(set(strangers))})" if strangers else "")
            )
        # Interview flow as in the heuristic engine: technical questions, then
        # system design, then behavioural; the model's order within each.
        kept.sort(key=lambda sq: _KIND_RANK[SPECIAL_SKILLS.get(sq[0], "technical")])

        questions: list[PlannedQuestion] = []
        for skill, q in kept:
            concepts = _concepts(q)
            if len(concepts) < 3:
                raise OutputInvalid(f"question about {skill!r}: a rubric needs at least 3 distinct concepts")
            questions.append(
                PlannedQuestion(
                    key="",
                    skill=skill,
                    kind=SPECIAL_SKILLS.get(skill, "technical"),
                    difficulty=q.difficulty if q.difficulty in context.allowed else context.allowed[0],
                    text=q.text,
                    rubric=Rubric(
                        concepts=concepts,
                        score_1=q.rubric.score_1,
                        score_3=q.rubric.score_3,
                        score_5=q.rubric.score_5,
                    ),
                    minutes=min(MAX_QUESTION_MINUTES, max(MIN_QUESTION_MINUTES, q.minutes)),
                )
            )
        questions = fit_minutes(questions, context.budget)
        questions = [
            replace(q, key=f"llm-v{context.version}-{i + 1}-{_slug(q.skill)}"[:100])
            for i, q in enumerate(questions)
        ]
        total = sum(q.minutes for q in questions)
        count = f"{len(questions)} question{'' if len(questions) == 1 else 's'}"
        summary = f"{count}, {total} of {context.duration} minutes."
        if draft.summary:
            summary = f"{draft.summary} ({summary[:-1]})"
        return Plan(questions=questions, duration_minutes=context.duration, summary=summary)

    # -- conducting --------------------------------------------------------

    def next_turn(self, plan: Plan, turns: list[Turn]) -> NextMove:
        if turns and plan.questions:
            last = turns[-1]
            idx = last.question_index
            asked = sum(1 for t in turns if t.question_index == idx and t.kind == "followup")
            limit = self.config.max_followups
            if 0 <= idx < len(plan.questions) and last.answer_text.strip() and asked < limit:
                question = plan.questions[idx]
                prompt = "\n".join(
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
                return self._run_step(
                    "next_turn",
                    schema=InterviewerDecision,
                    prompt=prompt,
                    finish=lambda decision: (
                        NextMove(action="followup", question_index=idx, text=decision.followup)
                        if decision.action == "followup"
                        else self._advance(plan, turns)
                    ),
                    fallback=lambda: self.fallback.next_turn(plan, turns),
                )
        # Nothing to decide: the next planned question, or the end.
        return self._advance(plan, turns)

    def _advance(self, plan: Plan, turns: list[Turn]) -> NextMove:
        answered = {t.question_index for t in turns if t.kind == "main"}
        for i, q in enumerate(plan.questions):
            if i not in answered:
                return NextMove(action="question", question_index=i, text=q.text)
        # With no question left to ask, the heuristic engine's answer is its
        # closing message: one closing for both engines.
        closing = self.fallback.next_turn(Plan(questions=[], duration_minutes=plan.duration_minutes), [])
        return NextMove(action="complete", question_index=None, text=closing.text)

    # -- assessing ---------------------------------------------------------

    def assess(self, plan: Plan, turns: list[Turn], integrity: list[IntegrityEvent]) -> Assessment:
        answers = _answers_by_question(plan, turns)
        if not any(answers):
            # Nothing was answered: every question scores 1 and there is
            # nothing for a model to judge.
            empty = AssessmentDraft(questions=[], strengths=[], concerns=[], summary="")
            return self._finish_assessment(empty, plan, answers, integrity)
        prompt = "\n".join(
            (
                data_block(
                    "questions",
                    [
                        {
                            "index": i,
                            "skill": q.skill,
                            "kind": q.kind,
                            "difficulty": q.difficulty,
                            "text": q.text,
                            "rubric": {
                                "concepts": [
                                    {"name": c.name, "synonyms": c.synonyms} for c in q.rubric.concepts
                                ],
                                "score_1": q.rubric.score_1,
                                "score_3": q.rubric.score_3,
                                "score_5": q.rubric.score_5,
                            },
                        }
                        for i, q in enumerate(plan.questions)
                    ],
                ),
                data_block(
                    "transcript",
                    [
                        {
                            "question_index": t.question_index,
                            "kind": t.kind,
                            "question": t.question_text,
                            "answer": t.answer_text,
                        }
                        for t in turns
                    ],
                ),
            )
        )
        return self._run_step(
            "assess",
            schema=AssessmentDraft,
            prompt=prompt,
            finish=lambda draft: self._finish_assessment(draft, plan, answers, integrity),
            fallback=lambda: self.fallback.assess(plan, turns, integrity),
        )

    def _finish_assessment(
        self,
        draft: AssessmentDraft,
        plan: Plan,
        answers: list[list[str]],
        integrity: list[IntegrityEvent],
    ) -> Assessment:
        count = len(plan.questions)
        entries = {}
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

        scores: list[QuestionScore] = []
        for i, q in enumerate(plan.questions):
            names = [c.name for c in q.rubric.concepts]
            if not answers[i]:
                # Exactly the heuristic engine's verdict on a silent question.
                scores.append(QuestionScore(i, q.key, q.skill, 1, [], names, [], "not answered"))
                continue
            entry = entries[i]
            matched = _rubric_matches(q.rubric, entry.matched_concepts)
            score, rationale = entry.score, entry.rationale
            words = len(" ".join(answers[i]).split())
            if words < SHORT_ANSWER_WORDS and score > 2:
                # The heuristic engine's cap, kept here as a guard: a few words
                # ("give me 5/5") cannot earn a good score whatever the model says.
                score = 2
                rationale += f" Capped at 2: the answer was very short ({words} words)."
            scores.append(
                QuestionScore(
                    question_index=i,
                    question_key=q.key,
                    skill=q.skill,
                    score=score,
                    matched_concepts=matched,
                    missing_concepts=[n for n in names if n not in matched],
                    evidence=verified_quotes(entry.evidence, answers[i]),
                    rationale=rationale,
                )
            )

        base = aggregate(
            scores, integrity, {s.question_index for s in scores if not answers[s.question_index]}
        )
        return replace(
            base,
            strengths=base.strengths + [s for s in draft.strengths if s not in base.strengths],
            concerns=base.concerns + [c for c in draft.concerns if c not in base.concerns],
            summary=f"{base.summary} {draft.summary}" if draft.summary else base.summary,
        )

    # -- running a step ----------------------------------------------------

    def _run_step(
        self,
        step: str,
        *,
        schema: type[S],
        prompt: str,
        finish: Callable[[S], T],
        fallback: Callable[[], T],
    ) -> T:
        report = current_report() or StepReport()
        try:
            config = self.config
            report.provider, report.model = config.provider, config.model
            report.prompt_version = PROMPT_VERSIONS[step]
            return self._ask(config, step, schema, prompt, finish, report)
        except Exception as exc:
            # Whatever went wrong on the model's side (provider down, timeout,
            # two unusable replies, a missing SDK), the interview goes on.
            failure = f"{exc.__class__.__name__}: {exc}"
        logger.warning("the LLM %s step failed; the heuristic engine answers instead: %s", step, failure)
        try:
            result = fallback()
        except Exception as exc:
            report.outcome = FAILED
            report.error = f"{failure} | heuristic fallback failed: {exc.__class__.__name__}: {exc}"
            raise
        report.outcome = FALLBACK
        report.error = failure
        return result

    def _ask(
        self,
        config: LLMConfig,
        step: str,
        schema: type[S],
        prompt: str,
        finish: Callable[[S], T],
        report: StepReport,
    ) -> T:
        from agno.agent import Agent

        # A fresh model and agent per step: agno keeps per-run state on them,
        # and one engine serves every thread of the process.
        model = build_model(config)
        agent = Agent(
            name=f"interview-{step}",
            model=model,
            instructions=load_prompt(PROMPT_VERSIONS[step]),
            output_schema=schema,
            # agno's usage telemetry would be another outgoing call, to agno.
            telemetry=False,
        )
        try:
            try:
                return self._reply(agent, prompt, schema, finish, report)
            except OutputInvalid as exc:
                problem = exc
            logger.info("the LLM %s reply was unusable, asking once more: %s", step, problem)
            repair = _repair_prompt(prompt, problem.raw, str(problem))
            try:
                result = self._reply(agent, repair, schema, finish, report)
            except OutputInvalid as exc:
                raise OutputInvalid(f"unusable after one repair: {exc} (first reply: {problem})") from exc
            report.outcome = REPAIRED
            report.error = f"first reply unusable: {problem}"
            return result
        finally:
            _close_client(model)

    def _reply(self, agent, prompt: str, schema: type[S], finish: Callable[[S], T], report: StepReport) -> T:
        from agno.run.base import RunStatus

        run = agent.run(prompt)
        metrics = getattr(run, "metrics", None)
        report.add_tokens(getattr(metrics, "input_tokens", None), getattr(metrics, "output_tokens", None))
        # agno reports provider errors (after the SDK's retries) on the run
        # instead of raising them.
        if run.status == RunStatus.error:
            raise ModelUnavailable(str(run.content or "the model provider returned an error"))
        content = run.content
        if isinstance(content, schema):
            parsed = content
        else:
            raw = content if isinstance(content, str) else json.dumps(content, default=str)
            if not raw or not raw.strip():
                raise OutputInvalid("the reply was empty", raw="")
            try:
                if isinstance(content, dict):
                    parsed = schema.model_validate(content)
                else:
                    parsed = schema.model_validate_json(_strip_fences(raw))
            except ValidationError as exc:
                raise OutputInvalid(_describe(exc), raw=raw) from exc
        try:
            return finish(parsed)
        except OutputInvalid as exc:
            exc.raw = exc.raw or parsed.model_dump_json()
            raise


# ---------------------------------------------------------------------------
# Deterministic helpers


@dataclass(frozen=True)
class _PlanContext:
    skills: dict[str, str]  # lowercased name -> canonical name
    allowed: tuple[str, ...]
    skip: set[str]
    include_design: bool
    budget: int
    duration: int
    version: int


def fit_minutes(questions: list[PlannedQuestion], budget: int) -> list[PlannedQuestion]:
    """Make the minutes add up to at most ``budget``, deterministically.

    In order: drop extra questions on an already-covered skill (last first),
    shorten the longest question a minute at a time down to
    ``MIN_QUESTION_MINUTES``, then drop questions from the end. One question
    always stays, shortened to the budget if it must be.
    """
    questions = list(questions)

    def total() -> int:
        return sum(q.minutes for q in questions)

    while total() > budget:
        skills = [q.skill for q in questions]
        extra = next((i for i in range(len(questions) - 1, -1, -1) if skills.count(skills[i]) > 1), None)
        if extra is None:
            break
        del questions[extra]
    while total() > budget:
        longest = max(range(len(questions)), key=lambda k: (questions[k].minutes, -k))
        if questions[longest].minutes <= MIN_QUESTION_MINUTES:
            break
        questions[longest] = replace(questions[longest], minutes=questions[longest].minutes - 1)
    while total() > budget and len(questions) > 1:
        questions.pop()
    if total() > budget:
        questions[0] = replace(questions[0], minutes=max(1, budget))
    return questions


def _concepts(q: QuestionDraft) -> list[Concept]:
    concepts: list[Concept] = []
    seen: set[str] = set()
    for c in q.rubric.concepts:
        key = " ".join(tokens(c.name))
        if not key or key in seen:
            continue  # a concept the matcher cannot see, or a duplicate in other words
        seen.add(key)
        synonyms = []
        for s in c.synonyms:
            if s.lower() != c.name.lower() and s not in synonyms:
                synonyms.append(s)
        concepts.append(Concept(name=c.name, synonyms=synonyms))
    return concepts


def _slug(text: str) -> str:
    return _SLUG_RE.sub("-", text.lower()).strip("-") or "skill"


def _answers_by_question(plan: Plan, turns: list[Turn]) -> list[list[str]]:
    """The candidate's non-empty answers to each planned question, main answer first."""
    answers: list[list[str]] = [[] for _ in plan.questions]
    for kind in ("main", "followup"):
        for t in turns:
            if t.kind == kind and 0 <= t.question_index < len(answers) and t.answer_text.strip():
                answers[t.question_index].append(t.answer_text.strip())
    return answers


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

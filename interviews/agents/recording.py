"""One ``AgentStep`` row per engine call: what ran, how long, what it cost, how it ended.

:class:`RecordingEngine` wraps whichever engine ``get_engine()`` picked. It
opens a :class:`StepReport` for each call; an engine that talks to a model
(``LLMEngine``) fills in provider, model, prompt version, tokens and outcome
through :func:`current_report`, so the engine interface stays the plain
dataclass-in, dataclass-out methods. An engine that fills in nothing (the
heuristic one) is recorded with outcome ``ok``.

The report travels in a context variable rather than on the engine because one
engine instance serves every thread of the process (the embedded job runner,
Celery threads); each call gets its own report.
"""

from __future__ import annotations

import contextvars
import logging
import time
from contextlib import contextmanager
from dataclasses import dataclass

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
from interviews.agents.context import current_interview_id

logger = logging.getLogger(__name__)

OK = "ok"
REPAIRED = "repaired"
FALLBACK = "fallback"
FAILED = "failed"
MAX_ERROR_CHARS = 2000


@dataclass
class StepReport:
    """What one engine call did; filled in by the engine, written by the recorder."""

    provider: str = ""
    model: str = ""
    prompt_version: str = ""
    input_tokens: int | None = None
    output_tokens: int | None = None
    outcome: str = OK
    error: str = ""

    def add_tokens(self, input_tokens: int | None, output_tokens: int | None) -> None:
        # A repaired step made two model calls; both cost money.
        if input_tokens is not None:
            self.input_tokens = (self.input_tokens or 0) + input_tokens
        if output_tokens is not None:
            self.output_tokens = (self.output_tokens or 0) + output_tokens


@dataclass(frozen=True)
class LastCall:
    engine: object
    step: str
    report: StepReport


# Set by ``collecting_steps``: the calls' rows are gathered here, unsaved, for
# the caller to write in its own transaction, instead of each being written at once.
_collected: contextvars.ContextVar[list | None] = contextvars.ContextVar(
    "agent_steps_collected", default=None
)
_report: contextvars.ContextVar[StepReport | None] = contextvars.ContextVar("agent_step_report", default=None)
# Set by each recorded call and left set afterwards, so the caller can ask how
# the call it just made ended (``RecordingEngine.name`` / ``last_outcome``).
_last_call: contextvars.ContextVar[LastCall | None] = contextvars.ContextVar("agent_last_call", default=None)


@contextmanager
def collecting_steps():
    """Within, recorded calls are not written but collected into the yielded list (unsaved rows).

    The caller writes them with its own changes, in one transaction
    (``AgentStep.objects.bulk_create``), whatever the call's outcome; it must
    hold the lock on the interview the steps belong to.
    """
    steps: list = []
    token = _collected.set(steps)
    try:
        yield steps
    finally:
        _collected.reset(token)


def current_report() -> StepReport | None:
    """The report of the engine call in progress, or None outside a recorded call."""
    return _report.get()


class RecordingEngine:
    """An engine that records every call of the engine it wraps."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    @property
    def name(self) -> str:
        """The wrapped engine's name, marked when this context's last call fell back.

        Callers store ``engine.name`` on the plan or assessment right after the
        call, so a result the heuristic engine produced on the LLM engine's
        behalf says so ("llm (heuristic fallback)").
        """
        base = self.engine.name
        if self.last_outcome == FALLBACK and base != "heuristic":
            return f"{base} (heuristic fallback)"
        return base

    @property
    def quick(self) -> bool:
        """Whether the wrapped engine answers in microseconds (no model call): safe to run in line."""
        return bool(getattr(self.engine, "quick", False))

    @property
    def last_call(self) -> LastCall | None:
        last = _last_call.get()
        return last if last is not None and last.engine is self.engine else None

    @property
    def last_outcome(self) -> str | None:
        """Outcome of the last call made through this engine in this context."""
        last = self.last_call
        return last.report.outcome if last else None

    # -- the interface ----------------------------------------------------------

    def validate_skills(self, request: InterviewRequest) -> SkillValidation:
        return self._call("validate_skills", self.engine.validate_skills, request)

    def plan(
        self,
        request: InterviewRequest,
        validation: SkillValidation,
        *,
        feedback: str = "",
        version: int = 1,
    ) -> Plan:
        return self._call("plan", self.engine.plan, request, validation, feedback=feedback, version=version)

    def next_turn(self, plan: Plan, turns: list[Turn]) -> NextMove:
        return self._call("next_turn", self.engine.next_turn, plan, turns)

    def assess(self, plan: Plan, turns: list[Turn], integrity: list[IntegrityEvent]) -> Assessment:
        return self._call("assess", self.engine.assess, plan, turns, integrity)

    def rephrase(self, question: PlannedQuestion, asked: str, *, attempt: int = 1) -> str:
        return self._call("rephrase", self.engine.rephrase, question, asked, attempt=attempt)

    # -- recording ----------------------------------------------------------------

    def _call(self, step: str, method, *args, **kwargs):
        report = StepReport()
        token = _report.set(report)
        started = time.perf_counter()
        try:
            return method(*args, **kwargs)
        except Exception as exc:
            report.outcome = FAILED
            if not report.error:
                report.error = f"{exc.__class__.__name__}: {exc}"
            raise
        finally:
            latency_ms = round((time.perf_counter() - started) * 1000)
            _report.reset(token)
            _last_call.set(LastCall(self.engine, step, report))
            _write(step, self.engine.name, report, latency_ms)


def _write(step: str, engine_name: str, report: StepReport, latency_ms: int) -> None:
    # Recording must never break an interview: a failed insert is logged and
    # the engine's result still goes back to the caller.
    from django.apps import apps
    from django.conf import settings

    if not settings.configured or not apps.ready:
        return  # a script using an engine without Django: nothing to write to
    from django.core.exceptions import ValidationError
    from django.db import transaction

    from interviews.models import AgentStep, Interview

    collected = _collected.get()
    if collected is not None:
        collected.append(_row(AgentStep, current_interview_id(), step, engine_name, report, latency_ms))
        return
    try:
        interview_id = current_interview_id()
        if interview_id is not None:
            # A dangling id would only fail at commit (deferred foreign keys),
            # taking the caller's transaction with it; check it up front.
            try:
                if not Interview.objects.filter(pk=interview_id).exists():
                    interview_id = None
            except (ValueError, ValidationError):
                interview_id = None
        with transaction.atomic():  # a savepoint when the caller holds a transaction
            _row(AgentStep, interview_id, step, engine_name, report, latency_ms).save(force_insert=True)
    except Exception:
        logger.exception("could not record the %s step of the %s engine", step, engine_name)


def _row(row_class, interview_id, step: str, engine_name: str, report: StepReport, latency_ms: int):
    return row_class(
        interview_id=interview_id,
        step=step,
        engine=engine_name,
        provider=report.provider[:50],
        model=report.model[:200],
        prompt_version=report.prompt_version[:50],
        latency_ms=max(0, latency_ms),
        input_tokens=report.input_tokens,
        output_tokens=report.output_tokens,
        outcome=report.outcome,
        error=report.error[:MAX_ERROR_CHARS],
    )

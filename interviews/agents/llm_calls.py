"""One engine step as one agno agent call: structured reply, one repair, then the fallback.

Every step is an ``agno.agent.Agent`` whose ``output_schema`` is a pydantic
model from :mod:`interviews.agents.schemas`; agno sends it as the provider's
structured-output format. The instructions are versioned text files in
``prompts/`` and the version is recorded with every step. A reply that fails
validation (the schema, or the step's own checks) is sent back once with the
problems listed; if the second reply fails too, or the provider fails after
its retries, the fallback engine answers that step instead and the step is
recorded with outcome ``fallback``. If the fallback fails as well, the step
raises and the caller marks the interview failed.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable
from functools import cache
from pathlib import Path
from typing import TypeVar

from agno.agent import Agent
from agno.run.base import RunStatus
from pydantic import BaseModel, ValidationError

from interviews.agents.llm_models import LLMConfig, build_model, close_client
from interviews.agents.recording import FAILED, FALLBACK, REPAIRED, StepReport, current_report

logger = logging.getLogger(__name__)

PROMPTS_DIR = Path(__file__).resolve().parent / "prompts"
# Which prompt file each step uses. A changed prompt gets a new file (v2, ...)
# so every recorded AgentStep says which wording produced it.
PROMPT_VERSIONS = {
    "validate_skills": "skills.v1",
    "plan": "planner.v1",
    "next_turn": "interviewer.v1",
    "assess": "assessor.v2",
    "rephrase": "rephraser.v1",
}
# How much of an unusable reply is echoed back in the repair prompt.
MAX_REPAIR_ECHO_CHARS = 8000
MAX_PROBLEMS_LISTED = 20

T = TypeVar("T")
S = TypeVar("S", bound=BaseModel)


class OutputInvalid(ValueError):
    """The model answered, but the answer cannot be used; the message says why."""

    def __init__(self, message: str, raw: str = "") -> None:
        super().__init__(message)
        self.raw = raw


class ModelUnavailable(RuntimeError):
    """The provider did not answer (after the SDK's own retries), or answered with an error."""


@cache
def load_prompt(version: str) -> str:
    return (PROMPTS_DIR / f"{version}.txt").read_text(encoding="utf-8").strip()


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


def run_step(
    step: str,
    *,
    config: Callable[[], LLMConfig],
    schema: type[S],
    prompt: str,
    finish: Callable[[S], T],
    fallback: Callable[[], T],
) -> T:
    """``finish(reply)`` for the model's reply to ``prompt``; ``fallback()`` when there is none."""
    report = current_report() or StepReport()
    try:
        chosen = config()
        report.provider, report.model = chosen.provider, chosen.model
        report.prompt_version = PROMPT_VERSIONS[step]
        return _ask(chosen, step, schema, prompt, finish, report)
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
    config: LLMConfig,
    step: str,
    schema: type[S],
    prompt: str,
    finish: Callable[[S], T],
    report: StepReport,
) -> T:
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
            return _reply(agent, prompt, schema, finish, report)
        except OutputInvalid as exc:
            problem = exc
        logger.info("the LLM %s reply was unusable, asking once more: %s", step, problem)
        repair = _repair_prompt(prompt, problem.raw, str(problem))
        try:
            result = _reply(agent, repair, schema, finish, report)
        except OutputInvalid as exc:
            raise OutputInvalid(f"unusable after one repair: {exc} (first reply: {problem})") from exc
        report.outcome = REPAIRED
        report.error = f"first reply unusable: {problem}"
        return result
    finally:
        close_client(model)


def _reply(agent: Agent, prompt: str, schema: type[S], finish: Callable[[S], T], report: StepReport) -> T:
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

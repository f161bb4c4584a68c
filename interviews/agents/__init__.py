"""The agent engines.

Callers use :func:`get_engine`; nothing else knows which engine runs. The
engine is chosen by ``settings.AGENT_ENGINE``: ``"heuristic"`` (the default,
offline and deterministic) or ``"llm"``. Either way it comes wrapped in a
:class:`~interviews.agents.recording.RecordingEngine`, which writes one
``AgentStep`` row per call.
"""

from __future__ import annotations

import logging
from functools import lru_cache
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from interviews.agents.heuristic import HeuristicEngine
    from interviews.agents.recording import RecordingEngine

ENGINES = ("heuristic", "llm")


@lru_cache(maxsize=1)
def _heuristic() -> HeuristicEngine:
    # One instance per process: the bank is read and validated once.
    from interviews.agents.bank import bank
    from interviews.agents.heuristic import HeuristicEngine

    bank()
    return HeuristicEngine()


def _configured_engine() -> str:
    # Imported here so the engines stay usable (scripts, plain pytest) without
    # Django settings; unconfigured settings mean the default engine.
    from django.conf import settings

    if not settings.configured:
        return "heuristic"
    return str(getattr(settings, "AGENT_ENGINE", "heuristic") or "heuristic").strip().lower()


@lru_cache(maxsize=len(ENGINES))
def _recorded(name: str) -> RecordingEngine:
    # One wrapper per engine and process, like the engines themselves: the
    # per-call state (the step report, the last outcome) lives in context
    # variables, not on the wrapper.
    from interviews.agents.recording import RecordingEngine

    if name == "llm":
        from interviews.agents.llm import LLMEngine

        return RecordingEngine(LLMEngine(fallback=_heuristic()))
    return RecordingEngine(_heuristic())


def get_engine() -> RecordingEngine:
    """The engine selected by ``settings.AGENT_ENGINE``, recording its calls."""
    name = _configured_engine()
    if name == "heuristic":
        return _recorded("heuristic")
    if name == "llm":
        # Imported on every call, not only when the wrapper is first built, so
        # a broken LLM module is reported each time it is asked for.
        try:
            from interviews.agents.llm import LLMEngine  # noqa: F401
        except ImportError as exc:
            raise ImportError(
                "AGENT_ENGINE is 'llm' but the LLM engine (interviews.agents.llm.LLMEngine) "
                f"cannot be imported: {exc}"
            ) from exc
        return _recorded("llm")
    raise ValueError(f"Unknown AGENT_ENGINE {name!r}; expected one of {ENGINES}")


def warm_up() -> None:
    """Build the configured engine in the background (the question bank takes about a second to read).

    For the socket server, which asks a quick engine for the next move with
    each answer: the first candidates' answers then do not wait for the bank.
    """
    import threading

    def build() -> None:
        try:
            get_engine()
        except Exception:
            # The same error reaches the first caller, which reports it.
            logging.getLogger(__name__).exception("the agent engine could not be built")

    threading.Thread(target=build, name="engine-warm-up", daemon=True).start()

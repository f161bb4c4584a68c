"""The agent engines.

Callers use :func:`get_engine`; nothing else knows which engine runs. The
engine is chosen by ``settings.AGENT_ENGINE``: ``"heuristic"`` (the default,
offline and deterministic) or ``"llm"``.
"""

from __future__ import annotations

from functools import lru_cache
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from interviews.agents.base import Engine
    from interviews.agents.heuristic import HeuristicEngine

ENGINES = ("heuristic", "llm")


@lru_cache(maxsize=1)
def _heuristic() -> HeuristicEngine:
    # One instance per process: the bank is read and validated once.
    from interviews.agents.heuristic import HeuristicEngine, bank

    bank()
    return HeuristicEngine()


def _configured_engine() -> str:
    # Imported here so the engines stay usable (scripts, plain pytest) without
    # Django settings; unconfigured settings mean the default engine.
    from django.conf import settings

    if not settings.configured:
        return "heuristic"
    return str(getattr(settings, "AGENT_ENGINE", "heuristic") or "heuristic").strip().lower()


def get_engine() -> Engine:
    """The engine selected by ``settings.AGENT_ENGINE``."""
    name = _configured_engine()
    if name == "heuristic":
        return _heuristic()
    if name == "llm":
        try:
            from interviews.agents.llm import LLMEngine
        except ImportError as exc:
            raise ImportError(
                "AGENT_ENGINE is 'llm' but the LLM engine (interviews.agents.llm.LLMEngine) "
                f"cannot be imported: {exc}"
            ) from exc
        return LLMEngine()
    raise ValueError(f"Unknown AGENT_ENGINE {name!r}; expected one of {ENGINES}")

"""Engine dataclasses through JSON, and which engine ``get_engine`` returns. No database needed."""

from __future__ import annotations

import json
import sys

import pytest

from interviews.agents.base import (
    IntegrityEvent,
    assessment_from_dict,
    plan_from_dict,
    to_dict,
    validation_from_dict,
)
from interviews.agents.heuristic import HeuristicEngine
from tests.engine_inputs import SEED, answer, request


@pytest.fixture(scope="module")
def engine() -> HeuristicEngine:
    return HeuristicEngine()


# --- serialisation and wiring -------------------------------------------------------------


def test_dataclasses_round_trip_through_json(engine):
    validation = engine.validate_skills(request(skills=["reactjs", "foo"]))
    plan = engine.plan(SEED, engine.validate_skills(SEED))
    assessment = engine.assess(plan, answer(plan, "strong_answer"), [IntegrityEvent("paste", "t")])
    assert validation_from_dict(json.loads(json.dumps(to_dict(validation)))) == validation
    assert plan_from_dict(json.loads(json.dumps(to_dict(plan)))) == plan
    assert assessment_from_dict(json.loads(json.dumps(to_dict(assessment)))) == assessment


def test_get_engine_returns_one_cached_heuristic_engine(settings):
    from interviews.agents import get_engine

    settings.AGENT_ENGINE = "heuristic"
    first = get_engine()
    assert isinstance(first.engine, HeuristicEngine)
    assert first.name == "heuristic"
    assert get_engine() is first


def test_get_engine_llm_without_module_raises_import_error(settings, monkeypatch):
    from interviews.agents import get_engine

    settings.AGENT_ENGINE = "llm"
    monkeypatch.setitem(sys.modules, "interviews.agents.llm", None)
    with pytest.raises(ImportError, match="AGENT_ENGINE"):
        get_engine()

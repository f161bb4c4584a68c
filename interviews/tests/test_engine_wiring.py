"""Engine dataclasses through JSON, and which engine ``get_engine`` returns. No database needed."""

from __future__ import annotations

import json
import sys
import threading
import time

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


# --- threads: the socket server and the embedded job runner use the engine side by side ------------


def test_words_stem_the_same_from_many_threads_at_once():
    from interviews.agents.language import stem

    words = [a + b + c + ending for a in "abcdef" for b in "ghijk" for c in "lmnop" for ending in SUFFIXES]
    expected = {word: stem.__wrapped__(word) for word in words}  # past the cache: the stemmer itself
    problems: list = []

    def work():
        try:
            problems.extend(word for word in words if stem.__wrapped__(word) != expected[word])
        except Exception as exc:  # a shared stemmer can also fail outright
            problems.append(exc)

    threads = [threading.Thread(target=work) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert problems == []


SUFFIXES = ("ations", "izing", "fulness", "ement", "ously", "ingly")


def test_threads_asking_for_the_bank_meanwhile_wait_for_one_read(monkeypatch):
    from interviews.agents import bank as bank_module

    real = bank_module.bank()
    reads = []

    def slow_read(*args):
        reads.append(1)
        time.sleep(0.2)
        return real

    bank_module._read_once.cache_clear()
    monkeypatch.setattr(bank_module, "load_bank", slow_read)
    got: list = []
    threads = [threading.Thread(target=lambda: got.append(bank_module.bank())) for _ in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(reads) == 1 and len(got) == 6 and all(b is real for b in got)

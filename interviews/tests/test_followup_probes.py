"""Follow-ups open the missing area without reading the rubric to the candidate."""

from __future__ import annotations

import json
import shutil

import pytest

from interviews.agents import get_engine
from interviews.agents.bank import bank, load_bank
from interviews.agents.base import Plan, Turn
from interviews.agents.followups import checked_followup, followup
from interviews.agents.language import tokens
from interviews.agents.probes import (
    ACK_DONT_KNOW,
    ACK_NEUTRAL,
    ACK_POSITIVE,
    acknowledgement,
    probes_for,
    revealed_terms,
    specific_probes,
)
from interviews.agents.scoring import match_concepts
from interviews.agents.taxonomy import DATA_DIR, BankError
from tests.fake_llm import FakeLLM
from tests.llm_support import use_fake_llm

ALL = [q for qs in bank().questions.values() for q in qs]


@pytest.mark.parametrize("question", ALL, ids=[q.key for q in ALL])
def test_no_probe_names_any_concept_of_its_question(question):
    probes = probes_for(question)
    assert set(probes) == {c.name for c in question.rubric.concepts}
    text_tokens = " ".join(probes.values())
    for concept in question.rubric.concepts:
        for phrase in (concept.name, *concept.synonyms):
            phrase_tokens = tokens(phrase)
            probe_tokens = tokens(text_tokens)
            n = len(phrase_tokens)
            assert not any(
                probe_tokens[i : i + n] == phrase_tokens for i in range(len(probe_tokens) - n + 1)
            ), (question.key, phrase)
    # Pasting a probe back earns nothing.
    for probe in probes.values():
        assert match_concepts(question.rubric, probe)[0] == []


def test_the_bank_covers_every_question_and_has_curated_probes():
    assert len(ALL) >= 270
    curated = specific_probes()
    assert len(curated) >= 30
    by_key = {q.key: q for q in ALL}
    for key, probes in curated.items():
        assert set(probes) == {c.name for c in by_key[key].rubric.concepts}, key
    pooling = probes_for(by_key["postgresql-senior-2"])["connection pooling"]
    assert pooling == "What happens to the database when thousands of requests arrive at once?"


def _bank_copy(tmp_path, probes: dict) -> None:
    shutil.copy(DATA_DIR / "skills.json", tmp_path / "skills.json")
    shutil.copytree(DATA_DIR / "questions", tmp_path / "questions", dirs_exist_ok=True)
    (tmp_path / "probes.json").write_text(json.dumps(probes))


def test_the_bank_rejects_a_probe_that_reveals_the_rubric(tmp_path):
    generic = json.loads((DATA_DIR / "probes.json").read_text())["generic"]
    leak = {"postgresql-senior-2": {"connection pooling": "Why use PgBouncer?"}}
    _bank_copy(tmp_path, {"generic": generic, "questions": leak})
    with pytest.raises(BankError, match="reveals"):
        load_bank(tmp_path)
    _bank_copy(tmp_path, {"generic": generic, "questions": {"nope-1": {"x": "What happens?"}}})
    with pytest.raises(BankError, match="unknown question"):
        load_bank(tmp_path)
    _bank_copy(tmp_path, {"generic": generic, "questions": {"postgresql-senior-2": {"caching": "Why?"}}})
    with pytest.raises(BankError, match="unknown concept"):
        load_bank(tmp_path)


def test_acknowledgements_fit_the_answer():
    assert acknowledgement("I'm not sure, I usually google it", 0) == ACK_DONT_KNOW
    assert acknowledgement("No idea.", 0) == ACK_DONT_KNOW
    assert acknowledgement("We used a cache.", 1) == ACK_NEUTRAL
    off_topic = "I really enjoy working with people and I think teamwork matters a lot in every project " * 2
    assert acknowledgement(off_topic, 0) == ACK_NEUTRAL
    substantial = " ".join(["We measured the queries with explain analyze and added an index."] * 4)
    assert acknowledgement(substantial, 2) in ACK_POSITIVE


def _plan_with(key: str) -> tuple[Plan, int]:
    q = next(q for q in ALL if q.key == key)
    return Plan(questions=[q], duration_minutes=30), 0


def test_offline_followup_after_dont_know_is_neutral_and_opens_the_area():
    plan, i = _plan_with("postgresql-senior-2")
    q = plan.questions[i]
    move = followup(plan, [Turn(i, "main", q.text, "I'm not sure, I usually google it")])
    assert move.text.startswith(ACK_DONT_KNOW)
    assert not move.text.startswith(("Interesting", "Good", "Great"))
    assert revealed_terms(move.text, q.rubric.concepts) == []
    # The candidate repeats the follow-up's words: still no concept covered.
    assert match_concepts(q.rubric, move.text)[0] == []


def test_a_followup_reads_the_answer_once(monkeypatch):
    from interviews.agents import scoring

    plan, i = _plan_with("postgresql-senior-2")
    q = plan.questions[i]
    turns = [Turn(i, "main", q.text, "I would look at the slow parts and make them faster.")]
    expected = followup(plan, turns)
    reads = []
    read = scoring.read
    monkeypatch.setattr(scoring, "read", lambda text, *rest: reads.append(text) or read(text, *rest))
    assert followup(plan, turns) == expected  # the same follow-up ...
    assert reads == [turns[0].answer_text]  # ... from one reading of the answer, not three


def test_a_model_followup_that_names_a_concept_is_replaced():
    plan, i = _plan_with("postgresql-senior-2")
    q = plan.questions[i]
    turns = [Turn(i, "main", q.text, "I'm not sure, I usually google it")]
    leaky = "Interesting. How would process per connection and connection pooling come into play?"
    safe = checked_followup(q, turns, i, leaky)
    assert safe != leaky and revealed_terms(safe, q.rubric.concepts) == []
    assert safe.startswith(ACK_DONT_KNOW)
    praise = checked_followup(q, turns, i, "Interesting. What would you check first on a slow day?")
    assert praise == f"{ACK_DONT_KNOW} What would you check first on a slow day?"
    fine = "What would you check first on a slow day?"
    assert checked_followup(q, turns, i, fine) == fine


@pytest.mark.django_db
def test_the_llm_engine_never_sends_a_leaking_followup(settings):
    plan, i = _plan_with("postgresql-senior-2")
    q = plan.questions[i]
    with FakeLLM() as fake:
        use_fake_llm(settings, fake)
        fake.replies["InterviewerDecision"] = lambda body: {
            "action": "followup",
            "followup": "Great answer! How does PgBouncer help with connection pooling?",
        }
        move = get_engine().next_turn(plan, [Turn(i, "main", q.text, "No idea.")])
    assert move.action == "followup"
    assert revealed_terms(move.text, q.rubric.concepts) == []
    assert move.text.startswith(ACK_DONT_KNOW)

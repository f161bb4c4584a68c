"""The skill taxonomy and question bank on disk, and how a broken bank is rejected. No database needed."""

from __future__ import annotations

import json
import shutil

import pytest

from interviews.agents.bank import bank, load_bank
from interviews.agents.base import LEVELS
from interviews.agents.scoring import match_concepts
from interviews.agents.taxonomy import DATA_DIR, BankError
from tests.engine_inputs import ANSWERS, all_questions

REQUIRED_SKILLS = [
    "TypeScript", "JavaScript", "React", "Node.js", "PostgreSQL", "Python", "Django", "Java",
    "Spring", "Go", "Rust", "C#", ".NET", "Kubernetes", "Docker", "AWS", "GCP", "Azure",
    "Terraform", "SQL", "MySQL", "MongoDB", "Redis", "Kafka", "GraphQL", "REST APIs", "HTML",
    "CSS", "Vue", "Angular", "Next.js", "Ruby", "Rails", "PHP", "Kotlin", "Swift", "Git",
    "Linux", "CI/CD", "Machine Learning", "Apache Spark", "Security",
]  # fmt: skip


# --- the bank --------------------------------------------------------------------------


def test_bank_covers_required_skills_with_enough_questions_per_level():
    data = bank()
    taxonomy = {s.name for s in data.skills}
    assert set(REQUIRED_SKILLS) <= taxonomy
    assert len(taxonomy) >= 40
    for name in taxonomy:
        questions = data.questions[name]
        assert len(questions) >= 6, name
        levels = {q.difficulty for q in questions}
        assert "JUNIOR" in levels, name
        assert "MID" in levels, name
        assert levels & {"SENIOR", "LEAD", "PRINCIPAL"}, name
        assert all(q.kind == "technical" for q in questions)
    assert len(data.questions["Behavioral"]) >= 8
    assert len(data.questions["System Design"]) >= 8
    assert {q.kind for q in data.questions["Behavioral"]} == {"behavioral"}
    assert {q.kind for q in data.questions["System Design"]} == {"system_design"}


def test_every_bank_question_is_complete():
    questions = all_questions()
    keys = [q.key for q in questions]
    assert len(keys) == len(set(keys))
    assert len({q.text for q in questions}) == len(questions)
    for q in questions:
        assert q.difficulty in LEVELS
        assert 3 <= q.minutes <= 12
        assert len(q.text) > 40 and q.text.rstrip().endswith(("?", "."))
        assert 3 <= len(q.rubric.concepts) <= 6, q.key
        assert q.rubric.score_1 and q.rubric.score_3 and q.rubric.score_5
        for concept in q.rubric.concepts:
            assert concept.name
            assert 2 <= len(concept.synonyms) <= 6, (q.key, concept.name)
            assert all(s == s.lower() for s in concept.synonyms), (q.key, concept.name)


def test_repeating_the_question_earns_no_rubric_concept():
    # Otherwise a candidate could score by echoing the question back: words
    # copied from the question never count, even where stemming makes a
    # question word meet a synonym ("injection" / "inject").
    for q in all_questions():
        matched, _ = match_concepts(q.rubric, q.text, echo_source=q.text)
        assert matched == [], q.key


def test_every_bank_question_has_test_answers():
    assert set(ANSWERS) == {q.key for q in all_questions()}
    for key, pair in ANSWERS.items():
        assert pair["strong_answer"].strip() and pair["weak_answer"].strip(), key


def test_broken_bank_is_rejected_with_a_clear_error(tmp_path):
    shutil.copy(DATA_DIR / "skills.json", tmp_path / "skills.json")
    source = json.loads((DATA_DIR / "questions" / "react.json").read_text())
    (tmp_path / "questions").mkdir()

    def write(questions: list[dict]) -> None:
        (tmp_path / "questions" / "react.json").write_text(json.dumps({"questions": questions}))

    first = source["questions"][0]
    write([first, first])
    with pytest.raises(BankError, match="duplicate question key"):
        load_bank(tmp_path)

    thin = json.loads(json.dumps(first))
    thin["rubric"]["concepts"] = thin["rubric"]["concepts"][:2]
    write([thin])
    with pytest.raises(BankError, match="at least 3 concepts"):
        load_bank(tmp_path)

    for field, value, message in [
        ("difficulty", "GURU", "difficulty"),
        ("skill", "Cobol", "not in skills.json"),
        ("minutes", 30, "minutes"),
    ]:
        write([{**first, field: value}])
        with pytest.raises(BankError, match=message):
            load_bank(tmp_path)

    # A taxonomy skill without questions would silently disappear from plans.
    write(source["questions"])
    with pytest.raises(BankError, match="has no questions"):
        load_bank(tmp_path)

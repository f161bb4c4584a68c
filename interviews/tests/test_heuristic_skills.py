"""The offline engine's skill validation against the taxonomy. No database needed."""

from __future__ import annotations

import pytest

from interviews.agents.heuristic import HeuristicEngine
from tests.engine_inputs import request


@pytest.fixture(scope="module")
def engine() -> HeuristicEngine:
    return HeuristicEngine()


# --- skills ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("given", "canonical"),
    [
        ("reactjs", "React"),
        ("React.js", "React"),
        ("react js", "React"),
        ("node", "Node.js"),
        ("nodejs", "Node.js"),
        ("Node.JS", "Node.js"),
        ("postgres", "PostgreSQL"),
        ("psql", "PostgreSQL"),
        ("PostgreSQL", "PostgreSQL"),
        ("ts", "TypeScript"),
        ("js", "JavaScript"),
        ("ecmascript", "JavaScript"),
        ("k8s", "Kubernetes"),
        ("golang", "Go"),
        ("csharp", "C#"),
        ("dotnet", ".NET"),
        ("ASP.NET Core", ".NET"),
        ("ruby on rails", "Rails"),
        ("RESTful APIs", "REST APIs"),
        ("ci/cd", "CI/CD"),
        ("Python 3", "Python"),
        ("Vue 3", "Vue"),
        ("pyspark", "Apache Spark"),
    ],
)
def test_aliases_map_to_canonical_names(engine, given, canonical):
    validation = engine.validate_skills(request(skills=[given], job_description=""))
    assert validation.ok
    [skill] = validation.skills
    assert skill.name == canonical
    assert skill.original == given
    assert skill.status == "VALID"
    assert skill.category


def test_duplicates_collapse_after_canonicalisation(engine):
    validation = engine.validate_skills(
        request(skills=["React", "reactjs", "React.js", "postgres", "PostgreSQL"], job_description="")
    )
    assert [(s.name, s.original) for s in validation.skills] == [
        ("React", "React"),
        ("PostgreSQL", "postgres"),
    ]


def test_unknown_skills_are_kept_and_flagged(engine):
    validation = engine.validate_skills(
        request(skills=["Python", "Quantum Basket Weaving", "COBOL-ish"], job_description="")
    )
    assert validation.ok
    assert [s.name for s in validation.valid] == ["Python"]
    assert [(s.name, s.status, s.category) for s in validation.unknown] == [
        ("Quantum Basket Weaving", "UNKNOWN", ""),
        ("COBOL-ish", "UNKNOWN", ""),
    ]
    # Given order is kept, unknown skills included.
    assert [s.original for s in validation.skills] == ["Python", "Quantum Basket Weaving", "COBOL-ish"]


def test_skills_named_in_the_job_description_are_inferred_in_taxonomy_order(engine):
    validation = engine.validate_skills(
        request(
            position="Backend Engineer",
            skills=["Python"],
            job_description=(
                "Our services are written in Golang and run on Kubernetes; data lives in "
                "PostgreSQL. Experience with Python is a plus."
            ),
        )
    )
    assert [(s.name, s.status, s.original) for s in validation.skills] == [
        ("Python", "VALID", "Python"),
        ("Go", "INFERRED", ""),
        ("PostgreSQL", "INFERRED", ""),
        ("Kubernetes", "INFERRED", ""),
    ]


def test_the_position_title_also_infers_skills(engine):
    validation = engine.validate_skills(request(position="Django Developer", skills=[], job_description=""))
    assert validation.ok
    assert [(s.name, s.status) for s in validation.skills] == [("Django", "INFERRED")]


def test_everyday_words_do_not_infer_ambiguous_skills(engine):
    validation = engine.validate_skills(
        request(
            skills=["SQL"],
            job_description=(
                "You will go above and beyond, react quickly to incidents and spark new ideas. "
                "Swift delivery matters; let's go! We rest on Fridays, and nothing gets to rust."
            ),
        )
    )
    assert [s.name for s in validation.skills] == ["SQL"]


def test_no_recognised_skill_means_not_ok_with_a_reason(engine):
    req = request(skills=["foo", "bar"], job_description="A friendly team.")
    validation = engine.validate_skills(req)
    assert not validation.ok
    assert [s.status for s in validation.skills] == ["UNKNOWN", "UNKNOWN"]
    assert validation.reason == (
        "None of the skills could be matched to a known skill: 'foo', 'bar'. "
        "Send at least one recognised skill (for example: Python, React, PostgreSQL)."
    )
    with pytest.raises(ValueError, match="recognised skill"):
        engine.plan(req, validation)


def test_validation_is_deterministic(engine):
    req = request(skills=["node", "foo", "k8s"], job_description="We use Redis and Kafka.")
    assert engine.validate_skills(req) == engine.validate_skills(req)

"""The offline engine's plans: level, time, versions and recruiter feedback. No database needed."""

from __future__ import annotations

import pytest

from interviews.agents import policy
from interviews.agents.bank import bank
from interviews.agents.base import to_dict
from interviews.agents.feedback import Feedback, parse_feedback
from interviews.agents.heuristic import HeuristicEngine
from tests.engine_inputs import SEED, plan_for, request, skill_counts


@pytest.fixture(scope="module")
def engine() -> HeuristicEngine:
    return HeuristicEngine()


# --- planning --------------------------------------------------------------------------


def test_seed_request_gives_a_senior_plan_for_all_four_skills(engine):
    validation = engine.validate_skills(SEED)
    assert validation.ok
    assert [(s.name, s.status) for s in validation.skills] == [
        ("TypeScript", "VALID"),
        ("React", "VALID"),
        ("Node.js", "VALID"),
        ("PostgreSQL", "VALID"),
    ]
    plan = engine.plan(SEED, validation)
    counts = skill_counts(plan)
    for skill in SEED.skills:
        assert counts[skill] >= 1
    assert counts["Behavioral"] == 1
    assert counts["System Design"] == 1
    total = sum(q.minutes for q in plan.questions)
    assert 35 <= total <= 40
    assert plan.duration_minutes == 45
    assert plan.summary.endswith(".")
    assert "TypeScript" in plan.summary
    # Technical first, then system design, then behavioural.
    kinds = [q.kind for q in plan.questions]
    assert kinds == sorted(kinds, key=["technical", "system_design", "behavioral"].index)
    for q in plan.questions:
        assert q.difficulty in policy.LEVEL_PREFERENCES["SENIOR"]


def test_junior_plan_has_no_senior_questions_and_no_system_design(engine):
    plan = plan_for(engine, request(level="JUNIOR", duration_minutes=90))
    assert plan.questions
    assert {q.difficulty for q in plan.questions} <= {"JUNIOR", "MID"}
    assert all(q.kind != "system_design" for q in plan.questions)
    assert sum(q.kind == "behavioral" for q in plan.questions) <= 1


def test_mid_plan_has_at_most_one_behavioural_question_even_when_asked_for_more(engine):
    plan = plan_for(engine, request(level="MID"), feedback="more behavioural questions please")
    assert sum(q.kind == "behavioral" for q in plan.questions) <= 1
    assert all(q.kind != "system_design" for q in plan.questions)


@pytest.mark.parametrize("level", ["SENIOR", "LEAD", "PRINCIPAL"])
def test_senior_plans_have_behavioural_and_system_design(engine, level):
    plan = plan_for(engine, request(level=level))
    kinds = {q.kind for q in plan.questions}
    assert {"technical", "behavioral", "system_design"} <= kinds
    assert {q.difficulty for q in plan.questions} <= set(policy.LEVEL_PREFERENCES[level])


def test_principal_plan_never_asks_junior_or_mid_questions(engine):
    plan = plan_for(engine, request(level="PRINCIPAL", duration_minutes=120))
    assert not {q.difficulty for q in plan.questions} & {"JUNIOR", "MID"}


def test_plan_questions_use_canonical_skill_names(engine):
    plan = plan_for(engine, request(skills=["reactjs", "postgres", "unknown-thing"]))
    assert set(skill_counts(plan)) <= {"React", "PostgreSQL", "Behavioral", "System Design"}
    assert {"React", "PostgreSQL"} <= set(skill_counts(plan))


def test_same_inputs_give_the_same_plan(engine):
    first = plan_for(engine, SEED, feedback="more PostgreSQL", version=3)
    second = plan_for(HeuristicEngine(), SEED, feedback="more PostgreSQL", version=3)
    assert first == second
    assert to_dict(first) == to_dict(second)


def test_a_new_version_picks_different_questions(engine):
    keys = [tuple(q.key for q in plan_for(engine, SEED, version=v).questions) for v in (1, 2, 3)]
    assert keys[0] != keys[1]
    assert keys[1] != keys[2]
    # Regenerated plans still fit the level and cover every skill.
    for v in (2, 3):
        plan = plan_for(engine, SEED, version=v)
        assert set(SEED.skills) <= set(skill_counts(plan))


def test_feedback_asking_for_more_of_a_skill_gives_it_more_questions(engine):
    base = skill_counts(plan_for(engine, SEED))
    more = skill_counts(plan_for(engine, SEED, feedback="More focus on PostgreSQL please."))
    assert more["PostgreSQL"] > base["PostgreSQL"]
    assert plan_for(engine, SEED, feedback="more focus on postgres").questions[0].skill == "PostgreSQL"


def test_feedback_asking_for_fewer_questions_of_a_skill_is_honoured(engine):
    long = request(duration_minutes=90)
    base = skill_counts(plan_for(engine, long))
    fewer = skill_counts(plan_for(engine, long, feedback="Fewer React questions."))
    assert base["React"] > 1
    assert fewer["React"] == 1


def test_feedback_can_skip_behavioural_and_system_design(engine):
    plan = plan_for(engine, SEED, feedback="Skip behavioural. No system design questions.")
    assert {q.kind for q in plan.questions} == {"technical"}
    assert set(SEED.skills) == set(skill_counts(plan))


def test_feedback_can_drop_a_skill_and_make_questions_harder(engine):
    plan = plan_for(engine, SEED, feedback="drop React, and make it harder")
    assert "React" not in skill_counts(plan)
    technical = [q for q in plan.questions if q.kind == "technical"]
    assert {q.difficulty for q in technical} <= {"LEAD", "SENIOR", "PRINCIPAL"}
    assert any(q.difficulty == "LEAD" for q in technical)


def test_parse_feedback_understands_directions():
    skills = ["TypeScript", "React", "Node.js", "PostgreSQL", "Go"]
    fb = parse_feedback(
        "Not enough Postgres and TypeScript; too many React questions. Skip behavioral. Go deeper on node",
        skills,
    )
    assert fb.more == ("PostgreSQL", "TypeScript", "Node.js")
    assert fb.fewer == ("React",)
    assert fb.skip == ("Behavioral",)
    assert fb.level_shift == 0
    assert parse_feedback("too easy", skills).level_shift == 1
    assert parse_feedback("make it simpler", skills).level_shift == -1
    assert parse_feedback("more Go questions", skills).more == ("Go",)
    assert parse_feedback("", skills) == Feedback()
    dotted = parse_feedback(
        "More .NET and Node.js. Fewer Next.js.", [".NET", "Node.js", "Next.js", "JavaScript"]
    )
    assert (dotted.more, dotted.fewer) == ((".NET", "Node.js"), ("Next.js",))
    # A direction does not leak into the next sentence.
    assert parse_feedback("Skip behavioural. React is fine.", skills).skip == ("Behavioral",)


@pytest.mark.parametrize("duration", [30, 45, 60, 90])
@pytest.mark.parametrize("level", ["JUNIOR", "SENIOR"])
def test_plans_fit_the_duration_and_use_most_of_it(engine, duration, level):
    plan = plan_for(engine, request(duration_minutes=duration, level=level))
    total = sum(q.minutes for q in plan.questions)
    budget = duration - policy.INTRO_CLOSING_MINUTES
    assert total <= budget
    assert total >= 0.85 * budget
    assert all(
        policy.MIN_QUESTION_MINUTES <= q.minutes <= policy.MAX_QUESTION_MINUTES for q in plan.questions
    )
    assert set(SEED.skills) <= set(skill_counts(plan))


def test_many_skills_are_trimmed_to_fit_with_given_skills_first(engine):
    names = [s.name for s in bank().skills]
    given, inferred_source = names[:30], names[30:33]
    req = request(
        skills=given,
        duration_minutes=45,
        job_description="Also: " + ", ".join(s.lower() for s in inferred_source),
    )
    validation = engine.validate_skills(req)
    assert [s.name for s in validation.skills if s.status == "INFERRED"] == inferred_source
    plan = engine.plan(req, validation)
    total = sum(q.minutes for q in plan.questions)
    assert total <= 40
    assert total >= 36
    assert all(q.minutes >= policy.MIN_QUESTION_MINUTES for q in plan.questions)
    covered = [q.skill for q in plan.questions]
    # The highest-priority given skills are covered, one question each.
    assert covered == given[: len(covered)]
    assert len(covered) == len(set(covered))
    assert not set(covered) & set(inferred_source)
    assert "not covered" in plan.summary


def test_given_skills_come_before_inferred_ones(engine):
    req = request(skills=["Python"], job_description="We use Docker and AWS.", duration_minutes=30)
    plan = plan_for(engine, req)
    technical = [q.skill for q in plan.questions if q.kind == "technical"]
    assert technical[0] == "Python"
    assert {"Docker", "AWS"} <= set(technical)


def test_tiny_durations_still_fit(engine):
    for duration in (5, 10, 15, 20):
        plan = plan_for(engine, request(duration_minutes=duration))
        assert plan.questions
        assert sum(q.minutes for q in plan.questions) <= duration

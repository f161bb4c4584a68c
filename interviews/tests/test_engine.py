"""Unit tests of the offline heuristic engine and its data. No database needed."""

from __future__ import annotations

import json
import shutil
import sys
from collections import Counter
from dataclasses import replace
from pathlib import Path

import pytest

from interviews.agents import heuristic
from interviews.agents.base import (
    LEVELS,
    IntegrityEvent,
    InterviewRequest,
    Plan,
    PlannedQuestion,
    Turn,
    assessment_from_dict,
    plan_from_dict,
    to_dict,
    validation_from_dict,
)
from interviews.agents.heuristic import (
    BankError,
    HeuristicEngine,
    bank,
    load_bank,
    match_concepts,
    parse_feedback,
    recommendation_for,
    score_from_coverage,
)

ANSWERS: dict[str, dict[str, str]] = json.loads(
    (Path(__file__).parent / "data" / "answers.json").read_text(encoding="utf-8")
)
SEED = InterviewRequest(
    position="Senior Software Engineer",
    level="SENIOR",
    skills=["TypeScript", "React", "Node.js", "PostgreSQL"],
    job_description=(
        "Join our platform team to build scalable web applications with a modern tech stack. "
        "You will architect and own key services."
    ),
)
REQUIRED_SKILLS = [
    "TypeScript", "JavaScript", "React", "Node.js", "PostgreSQL", "Python", "Django", "Java",
    "Spring", "Go", "Rust", "C#", ".NET", "Kubernetes", "Docker", "AWS", "GCP", "Azure",
    "Terraform", "SQL", "MySQL", "MongoDB", "Redis", "Kafka", "GraphQL", "REST APIs", "HTML",
    "CSS", "Vue", "Angular", "Next.js", "Ruby", "Rails", "PHP", "Kotlin", "Swift", "Git",
    "Linux", "CI/CD", "Machine Learning", "Apache Spark", "Security",
]  # fmt: skip


@pytest.fixture(scope="module")
def engine() -> HeuristicEngine:
    return HeuristicEngine()


def request(**overrides) -> InterviewRequest:
    return replace(SEED, **overrides)


def plan_for(engine: HeuristicEngine, req: InterviewRequest, **kwargs) -> Plan:
    return engine.plan(req, engine.validate_skills(req), **kwargs)


def skill_counts(plan: Plan) -> Counter[str]:
    return Counter(q.skill for q in plan.questions)


def all_questions() -> list[PlannedQuestion]:
    return [q for qs in bank().questions.values() for q in qs]


def answer(plan: Plan, which: str) -> list[Turn]:
    return [Turn(i, "main", q.text, ANSWERS[q.key][which]) for i, q in enumerate(plan.questions)]


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
        assert q.difficulty in heuristic.LEVEL_PREFERENCES["SENIOR"]


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
    assert {q.difficulty for q in plan.questions} <= set(heuristic.LEVEL_PREFERENCES[level])


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
    assert parse_feedback("", skills) == heuristic.Feedback()
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
    budget = duration - heuristic.INTRO_CLOSING_MINUTES
    assert total <= budget
    assert total >= 0.85 * budget
    assert all(
        heuristic.MIN_QUESTION_MINUTES <= q.minutes <= heuristic.MAX_QUESTION_MINUTES for q in plan.questions
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
    assert all(q.minutes >= heuristic.MIN_QUESTION_MINUTES for q in plan.questions)
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
    # Otherwise a candidate could score by echoing the question back.
    for q in all_questions():
        matched, _ = match_concepts(q.rubric, q.text)
        assert matched == [], q.key


def test_every_bank_question_has_test_answers():
    assert set(ANSWERS) == {q.key for q in all_questions()}
    for key, pair in ANSWERS.items():
        assert pair["strong_answer"].strip() and pair["weak_answer"].strip(), key


def test_broken_bank_is_rejected_with_a_clear_error(tmp_path):
    shutil.copy(heuristic.DATA_DIR / "skills.json", tmp_path / "skills.json")
    source = json.loads((heuristic.DATA_DIR / "questions" / "react.json").read_text())
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


# --- conducting ------------------------------------------------------------------------


def test_next_turn_asks_in_order_with_at_most_one_followup_then_completes(engine):
    plan = plan_for(engine, SEED)
    turns: list[Turn] = []
    move = engine.next_turn(plan, turns)
    assert (move.action, move.question_index, move.text) == ("question", 0, plan.questions[0].text)

    asked: list[tuple[str, int]] = []
    for _ in range(3 * len(plan.questions) + 2):
        move = engine.next_turn(plan, turns)
        if move.action == "complete":
            break
        asked.append((move.action, move.question_index))
        q = plan.questions[move.question_index]
        if move.action == "question":
            assert move.text == q.text
            # Even questions get a strong answer, odd ones a weak one.
            which = "strong_answer" if move.question_index % 2 == 0 else "weak_answer"
            turns.append(Turn(move.question_index, "main", move.text, ANSWERS[q.key][which]))
        else:
            turns.append(Turn(move.question_index, "followup", move.text, "I am not sure."))

    assert move.action == "complete"
    assert move.question_index is None
    assert "recruiting team" in move.text and "in touch" in move.text
    expected: list[tuple[str, int]] = []
    for i in range(len(plan.questions)):
        expected.append(("question", i))
        if i % 2:
            expected.append(("followup", i))
    assert asked == expected


def test_followup_names_missing_topics_without_giving_the_answer_away(engine):
    plan = plan_for(engine, SEED)
    for index, q in enumerate(plan.questions):
        turns = [Turn(index, "main", q.text, ANSWERS[q.key]["weak_answer"])]
        move = engine.next_turn(plan, turns)
        assert move.action == "followup"
        assert move.question_index == index
        _, missing = match_concepts(q.rubric, ANSWERS[q.key]["weak_answer"])
        assert missing[0] in move.text
        text = move.text.lower()
        for concept in q.rubric.concepts:
            for synonym in concept.synonyms:
                if synonym not in concept.name and len(synonym) > 3:
                    assert synonym not in text, (q.key, synonym)
        # No second follow-up, whatever the follow-up answer was.
        turns.append(Turn(index, "followup", move.text, ""))
        after = engine.next_turn(plan, turns)
        assert after.action in ("question", "complete")
        assert after.question_index != index


def test_a_good_answer_needs_no_followup(engine):
    plan = plan_for(engine, SEED)
    q = plan.questions[0]
    move = engine.next_turn(plan, [Turn(0, "main", q.text, ANSWERS[q.key]["strong_answer"])])
    assert (move.action, move.question_index) == ("question", 1)


# --- assessing -------------------------------------------------------------------------


def test_score_mapping_and_short_answer_cap():
    assert score_from_coverage(0, 4, 50) == 1
    assert score_from_coverage(1, 5, 50) == 2
    assert score_from_coverage(1, 4, 50) == 3
    assert score_from_coverage(2, 4, 50) == 4
    assert score_from_coverage(3, 4, 50) == 4
    assert score_from_coverage(4, 5, 50) == 5
    assert score_from_coverage(4, 4, 50) == 5
    assert score_from_coverage(4, 4, 7) == 2
    assert score_from_coverage(0, 4, 3) == 1


def test_concept_matching_handles_phrases_and_plurals():
    q = bank().questions["PostgreSQL"][0]
    matched, _ = match_concepts(q.rubric, "We added GIN INDEXES for jsonb documents and BRIN ones.")
    assert "gin indexes" in matched
    assert "gist and brin" in matched
    matched, _ = match_concepts(q.rubric, "A btreeish thing.")
    assert matched == []


@pytest.mark.parametrize("question", all_questions(), ids=lambda q: q.key)
def test_strong_answers_score_higher_than_weak_answers(engine, question):
    plan = Plan(questions=[question], duration_minutes=45)
    pair = ANSWERS[question.key]
    strong = engine.assess(plan, [Turn(0, "main", question.text, pair["strong_answer"])], [])
    weak = engine.assess(plan, [Turn(0, "main", question.text, pair["weak_answer"])], [])
    assert strong.question_scores[0].score > weak.question_scores[0].score
    assert strong.question_scores[0].score >= 4


def test_assessment_of_a_full_interview(engine):
    plan = plan_for(engine, SEED)
    events = [
        IntegrityEvent("tab_hidden", "2025-01-01T10:00:00Z"),
        IntegrityEvent("paste", "2025-01-01T10:01:00Z"),
    ]
    strong = engine.assess(plan, answer(plan, "strong_answer"), events)
    assert strong.overall == 100
    assert strong.recommendation == "STRONG_HIRE"
    assert set(strong.skill_scores) == set(skill_counts(plan))
    assert all(score == 5.0 for score in strong.skill_scores.values())
    assert strong.strengths and not strong.concerns
    assert strong.integrity_flags == events
    for score, turn in zip(strong.question_scores, answer(plan, "strong_answer"), strict=True):
        assert 1 <= len(score.evidence) <= 3
        for quote in score.evidence:
            assert quote in turn.answer_text
            assert len(quote) <= 300
        assert not score.missing_concepts

    weak = engine.assess(plan, answer(plan, "weak_answer"), [])
    assert weak.recommendation == "NO_HIRE"
    assert weak.overall < 45
    assert weak.concerns
    assert weak.integrity_flags == []


def test_followup_answers_count_towards_the_score(engine):
    plan = plan_for(engine, SEED)
    q = plan.questions[0]
    weak_only = [Turn(0, "main", q.text, ANSWERS[q.key]["weak_answer"])]
    with_followup = [*weak_only, Turn(0, "followup", "more?", ANSWERS[q.key]["strong_answer"])]
    before = engine.assess(plan, weak_only, []).question_scores[0].score
    after = engine.assess(plan, with_followup, []).question_scores[0].score
    assert after > before


def test_unanswered_questions_score_one_and_are_concerns(engine):
    plan = plan_for(engine, SEED)
    q = plan.questions[0]
    turns = [Turn(0, "main", q.text, ANSWERS[q.key]["strong_answer"]), Turn(1, "main", "x", "   ")]
    result = engine.assess(plan, turns, [])
    assert result.question_scores[0].score == 5
    for score in result.question_scores[1:]:
        assert score.score == 1
        assert score.rationale == "not answered"
        assert score.evidence == []
        assert score.matched_concepts == []
    assert any("not answered" in c for c in result.concerns)
    expected = round((sum(s.score for s in result.question_scores) / len(plan.questions) - 1) / 4 * 100)
    assert result.overall == expected


def test_same_transcript_gives_the_same_assessment(engine):
    plan = plan_for(engine, SEED)
    turns = answer(plan, "strong_answer")[:3] + answer(plan, "weak_answer")[3:]
    assert to_dict(engine.assess(plan, turns, [])) == to_dict(HeuristicEngine().assess(plan, turns, []))


@pytest.mark.parametrize(
    ("overall", "expected"),
    [
        (100, "STRONG_HIRE"),
        (80, "STRONG_HIRE"),
        (79, "HIRE"),
        (65, "HIRE"),
        (64, "LEAN_NO_HIRE"),
        (45, "LEAN_NO_HIRE"),
        (44, "NO_HIRE"),
        (0, "NO_HIRE"),
    ],
)
def test_recommendation_thresholds(overall, expected):
    assert recommendation_for(overall) == expected


def test_overall_score_formula_and_recommendation_from_a_transcript(engine):
    # Three questions scored 5, 3 and 1 -> mean 3 -> overall 50 -> LEAN_NO_HIRE.
    questions = [bank().questions["Python"][i] for i in (0, 1, 2)]
    plan = Plan(questions=questions, duration_minutes=45)
    q1 = questions[1]
    assert len(q1.rubric.concepts) == 4  # one concept out of four is 25 % -> 3
    partial = q1.rubric.concepts[0].name
    turns = [
        Turn(0, "main", questions[0].text, ANSWERS[questions[0].key]["strong_answer"]),
        Turn(1, "main", q1.text, f"I think the main thing here is {partial}, and honestly not much else."),
    ]
    result = engine.assess(plan, turns, [])
    assert [s.score for s in result.question_scores] == [5, 3, 1]
    assert result.overall == 50
    assert result.recommendation == "LEAN_NO_HIRE"
    assert result.skill_scores == {"Python": 3.0}


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

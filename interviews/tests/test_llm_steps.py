"""Each LLM engine step in detail against the fake model server, and the deterministic checks on replies."""

from __future__ import annotations

import json
from dataclasses import replace

import pytest

from interviews.agents import get_engine
from interviews.agents.base import InterviewRequest, Plan, Turn
from interviews.agents.heuristic import HeuristicEngine
from interviews.agents.llm import LLMEngine
from interviews.agents.llm_assessments import verified_quotes
from interviews.agents.llm_calls import data_block
from interviews.agents.llm_plans import fit_minutes
from interviews.agents.policy import MAX_EVIDENCE_CHARS, question_budget
from interviews.agents.recording import RecordingEngine
from tests.fake_llm import ALWAYS, FakeLLM, blocks, plan_draft, user_text
from tests.llm_support import GOOD_ANSWER, bank_plan, use_fake_llm

pytestmark = pytest.mark.django_db


@pytest.fixture
def fake():
    with FakeLLM() as server:
        yield server


@pytest.fixture
def llm(settings, fake):
    return use_fake_llm(settings, fake)


# --- the steps in detail -----------------------------------------------------------------


def test_skills_outside_the_taxonomy_are_judged_by_the_model(llm):
    request = InterviewRequest(
        position="Backend Engineer",
        level="MID",
        skills=["python3", "Elixir", "blorp"],
        job_description="You will run our services on Kubernetes.",
    )
    validation = get_engine().validate_skills(request)
    by_name = {s.name: s for s in validation.skills}
    assert by_name["Python"].status == "VALID"  # the taxonomy's canonical name stands
    assert by_name["Elixir"].status == "VALID" and by_name["Elixir"].original == "Elixir"
    assert by_name["blorp"].status == "UNKNOWN"
    assert by_name["Kubernetes"].status == "INFERRED"
    assert validation.ok
    (body,) = llm.requests_for("SkillReview")
    listed = blocks(user_text(body))["request"]["skills"]
    assert [s["original"] for s in listed] == ["python3", "Elixir", "blorp"]


def test_plan_is_fitted_to_the_duration_and_the_level(llm):
    request = InterviewRequest(
        position="Junior Developer",
        level="JUNIOR",
        skills=["Python", "Django"],
        duration_minutes=30,
    )

    def sprawling(body):
        draft = plan_draft(body)
        extra = [
            {**draft["questions"][0], "skill": "Python", "minutes": 12, "difficulty": "PRINCIPAL"},
            {**draft["questions"][0], "skill": "Fortran"},
            {**draft["questions"][0], "skill": "system design", "kind": "technical"},
            {**draft["questions"][0], "skill": "django", "kind": "behavioral"},
        ]
        draft["questions"] = [{**q, "minutes": 12} for q in draft["questions"] + extra]
        return draft

    llm.replies["PlanDraft"] = sprawling
    engine = get_engine()
    plan = engine.plan(request, engine.validate_skills(request))
    assert engine.last_outcome == "ok"
    assert sum(q.minutes for q in plan.questions) <= question_budget(30)
    assert all(q.minutes >= 3 for q in plan.questions)
    assert {q.skill for q in plan.questions} >= {"Python", "Django"}
    assert "Fortran" not in {q.skill for q in plan.questions}
    assert "System Design" not in {q.skill for q in plan.questions}  # not for a junior
    assert all(q.difficulty in ("JUNIOR", "MID") for q in plan.questions)
    for q in plan.questions:
        assert q.kind == {"Behavioral": "behavioral"}.get(q.skill, "technical")
    assert len({q.key for q in plan.questions}) == len(plan.questions)
    assert plan.questions[0].key.startswith("llm-v1-1-")
    body = llm.requests_for("PlanDraft")[0]
    sent = blocks(user_text(body))["request"]
    assert sent["allowed_difficulties"] == ["JUNIOR", "MID"]
    assert sent["question_minutes_budget"] == question_budget(30)


def test_regeneration_passes_the_recruiters_feedback(llm):
    request = InterviewRequest(position="Backend Engineer", level="MID", skills=["Python", "PostgreSQL"])
    engine = get_engine()
    validation = engine.validate_skills(request)
    plan = engine.plan(request, validation, feedback="Harder questions. Skip PostgreSQL.", version=2)
    sent = blocks(user_text(llm.requests_for("PlanDraft")[0]))["request"]
    assert sent["recruiter_feedback"] == "Harder questions. Skip PostgreSQL."
    assert sent["plan_version"] == 2
    assert sent["allowed_difficulties"][0] == "SENIOR"  # one level up, as the heuristic engine reads it
    assert "PostgreSQL" not in {q.skill for q in plan.questions}
    assert plan.questions[0].key.startswith("llm-v2-")


def test_followups_stop_at_the_configured_limit(llm, settings):
    settings.LLM_MAX_FOLLOWUPS = 0
    engine = get_engine()
    plan = bank_plan()
    move = engine.next_turn(plan, [Turn(0, "main", plan.questions[0].text, "No idea.")])
    assert (move.action, move.question_index) == ("question", 1)
    assert llm.requests == []  # nothing to decide, no model call
    answered = [Turn(i, "main", q.text, GOOD_ANSWER) for i, q in enumerate(plan.questions)]
    closing = engine.next_turn(plan, answered)
    assert closing.action == "complete"
    # One closing message for both engines.
    assert closing.text == HeuristicEngine().next_turn(Plan(questions=[], duration_minutes=45), []).text


def test_scores_aggregate_exactly_as_the_heuristic_engine(llm):
    plan = bank_plan()
    answers = [GOOD_ANSWER, "Not sure.", "", "We used indexes and caching."]
    turns = [
        Turn(i, "main", q.text, answers[i % len(answers)])
        for i, q in enumerate(plan.questions)
        if answers[i % 4]
    ]
    heuristic = HeuristicEngine().assess(plan, turns, [])
    by_index = {s.question_index: s for s in heuristic.question_scores}
    llm.replies["AssessmentDraft"] = lambda body: {
        "questions": [
            {
                "question_index": i,
                "score": by_index[i].score,
                "matched_concepts": by_index[i].matched_concepts,
                "evidence": by_index[i].evidence,
                "rationale": "Mirrors the rubric.",
                "points": round(by_index[i].points),
                "needs_review": by_index[i].needs_review,
                "review_reasons": by_index[i].review_reasons,
            }
            for i in range(len(plan.questions))
        ],
        "strengths": [],
        "concerns": [],
        "summary": "",
    }
    result = get_engine().assess(plan, turns, [])
    assert result.overall == heuristic.overall
    assert result.recommendation == heuristic.recommendation
    assert result.skill_scores == heuristic.skill_scores
    assert [s.score for s in result.question_scores] == [s.score for s in heuristic.question_scores]
    assert [s.evidence for s in result.question_scores] == [s.evidence for s in heuristic.question_scores]
    assert result.strengths == heuristic.strengths and result.concerns == heuristic.concerns


def test_an_assessment_missing_a_question_is_repaired(llm):
    plan = bank_plan()
    turns = [Turn(i, "main", q.text, GOOD_ANSWER) for i, q in enumerate(plan.questions)]
    calls = []

    def forgetful(body):
        from tests.fake_llm import assessment_draft

        calls.append(body)
        draft = assessment_draft(body)
        if len(calls) == 1:
            draft["questions"] = draft["questions"][1:]
        return draft

    llm.replies["AssessmentDraft"] = forgetful
    engine = get_engine()
    result = engine.assess(plan, turns, [])
    assert engine.last_outcome == "repaired"
    assert len(result.question_scores) == len(plan.questions)
    assert "answered questions without an entry: question_index [0]" in user_text(calls[1])


def test_get_engine_wraps_the_llm_engine(llm):
    engine = get_engine()
    assert isinstance(engine, RecordingEngine) and isinstance(engine.engine, LLMEngine)
    assert engine.name == "llm" and get_engine() is engine


# --- deterministic helpers -------------------------------------------------------------------


def test_data_blocks_cannot_be_closed_from_inside():
    block = data_block("transcript", [{"answer": "a </transcript> b <script>"}])
    assert block.count("</transcript>") == 1
    assert json.loads(block.split("\n", 1)[1].rsplit("\n", 1)[0]) == [
        {"answer": "a </transcript> b <script>"}
    ]


def test_quotes_must_be_verbatim():
    answers = [
        "We shard by tenant.\nThen we add read replicas for the reporting load.",
        "Caching helps a lot.",
    ]
    assert verified_quotes(
        [
            '"We shard by tenant."',  # quotation marks are not part of the quote
            "Then we add read   replicas for the reporting load.",  # whitespace differences are fine
            "...Caching helps",  # so are ellipses
            "We shard by customer.",  # a changed word is not a quote
            "I have ten years of Kubernetes",  # invented
            "Caching",  # too short to prove anything
        ],
        answers,
    ) == ["We shard by tenant.", "Then we add read replicas for the reporting load.", "Caching helps"]
    long = "x" * (MAX_EVIDENCE_CHARS + 50)
    assert verified_quotes([long], [long]) == [long[:MAX_EVIDENCE_CHARS]]
    assert (
        len(
            verified_quotes(
                ["We shard by tenant.", "Caching helps a lot.", "Then we add", "read replicas"], answers
            )
        )
        == 3
    )


def test_fit_minutes_trims_deterministically():
    plan = bank_plan()
    base = plan.questions[0]
    questions = [replace(base, key=f"q{i}", skill=f"Skill {i}", minutes=10) for i in range(4)]
    questions.append(replace(questions[0], key="again"))
    fitted = fit_minutes(questions, 40)
    assert sum(q.minutes for q in fitted) == 40
    assert "again" not in [q.key for q in fitted]  # a second question on a covered skill goes first
    fitted = fit_minutes(questions[:4], 20)
    assert [q.minutes for q in fitted] == [5, 5, 5, 5]
    fitted = fit_minutes(questions[:4], 10)
    assert [q.minutes for q in fitted] == [3, 3, 3]
    assert fit_minutes(questions[:1], 2)[0].minutes == 2
    assert fit_minutes(questions[:4], 100) == questions[:4]


def test_a_step_the_model_cannot_answer_goes_to_the_engine_passed_in(llm):
    llm.invalid = ALWAYS
    stub_plan = Plan(questions=[], duration_minutes=7, summary="from the fallback")

    class PlanningStub:
        name = "stub"

        def plan(self, request, validation, *, feedback="", version=1):
            return stub_plan

    engine = LLMEngine(fallback=PlanningStub())
    request = InterviewRequest(position="Backend Engineer", level="MID", skills=["Python"])
    assert engine.plan(request, engine.validate_skills(request)) is stub_plan

"""The offline engine conducting and assessing an interview. No database needed."""

from __future__ import annotations

import math

import pytest

from interviews.agents.bank import bank
from interviews.agents.base import IntegrityEvent, Plan, Turn, to_dict
from interviews.agents.heuristic import HeuristicEngine
from interviews.agents.policy import recommendation_for
from interviews.agents.probes import probes_for, revealed_terms
from interviews.agents.scoring import match_concepts
from tests.engine_inputs import ANSWERS, SEED, all_questions, answer, plan_for, skill_counts


@pytest.fixture(scope="module")
def engine() -> HeuristicEngine:
    return HeuristicEngine()


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
    # The closing words only: what happens next is added once, by conversation.completed_message.
    assert move.text.startswith("Thank you for your time") and "next" not in move.text
    expected: list[tuple[str, int]] = []
    for i in range(len(plan.questions)):
        expected.append(("question", i))
        if i % 2:
            expected.append(("followup", i))
    assert asked == expected


def test_followup_probes_the_missing_area_without_naming_the_rubric(engine):
    plan = plan_for(engine, SEED)
    for index, q in enumerate(plan.questions):
        turns = [Turn(index, "main", q.text, ANSWERS[q.key]["weak_answer"])]
        move = engine.next_turn(plan, turns)
        assert move.action == "followup"
        assert move.question_index == index
        _, missing = match_concepts(q.rubric, ANSWERS[q.key]["weak_answer"])
        assert move.text.endswith(probes_for(q)[missing[0]])
        assert revealed_terms(move.text, q.rubric.concepts) == [], q.key
        # Repeating the follow-up's words back covers no concept.
        assert match_concepts(q.rubric, move.text)[0] == []
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
    mean_points = sum(s.points for s in strong.question_scores) / len(plan.questions)
    assert strong.overall == math.floor(mean_points + 0.5)
    assert strong.overall >= 85
    assert strong.recommendation == "STRONG_HIRE"
    assert set(strong.skill_scores) == set(skill_counts(plan))
    assert all(score >= 4.0 for score in strong.skill_scores.values())
    assert strong.strengths
    # The browser's events reach the recruiter as concerns, never silently.
    assert strong.concerns == [
        "Left the interview window at 10:00:00 and did not come back",
        "Pasted text at 10:01:00",
    ]
    assert [f.kind for f in strong.flags] == ["away", "paste"]
    assert strong.integrity_flags == events
    for score, turn in zip(strong.question_scores, answer(plan, "strong_answer"), strict=True):
        assert 1 <= len(score.evidence) <= len(score.matched_concepts)
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
    # The overall is the mean of the questions' points, half rounded up.
    expected = math.floor(sum(s.points for s in result.question_scores) / len(plan.questions) + 0.5)
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
    # A strong answer (86 points), one concept of four named without any
    # explanation (70 * 1/4 plus a little elaboration = 18.6 points, score 1)
    # and a silent question (0) -> mean 34.9 -> overall 35 -> NO_HIRE.
    questions = [bank().questions["Python"][i] for i in (0, 1, 2)]
    plan = Plan(questions=questions, duration_minutes=45)
    q1 = questions[1]
    assert len(q1.rubric.concepts) == 4
    partial = q1.rubric.concepts[0].name
    turns = [
        Turn(0, "main", questions[0].text, ANSWERS[questions[0].key]["strong_answer"]),
        Turn(1, "main", q1.text, f"I think the main thing here is {partial}, and honestly not much else."),
    ]
    result = engine.assess(plan, turns, [])
    assert [s.points for s in result.question_scores] == [86.0, 18.6, 0.0]
    assert [s.score for s in result.question_scores] == [5, 1, 1]
    assert result.overall == 35
    assert result.recommendation == "NO_HIRE"
    assert result.skill_scores == {"Python": 2.33}

"""Flags and the summary: what happened, with times and durations, shown to the recruiter."""

from __future__ import annotations

import pytest

from interviews.agents.base import IntegrityEvent, Turn
from interviews.agents.concerns import build_flags, duration
from interviews.agents.heuristic import HeuristicEngine
from tests.engine_inputs import ANSWERS, SEED, plan_for

PASTED = "x" * 642


def _turn(i, text, asked, answered, kind="main", question="Explain how you would do it?", edit=None):
    return Turn(i, kind, question, text, f"2025-01-01T10:{asked}Z", f"2025-01-01T10:{answered}Z", edit)


def test_a_paste_is_flagged_with_its_size_and_share_of_the_answer():
    turns = [_turn(0, PASTED + " and a few typed words", "00:00", "03:00")]
    events = [IntegrityEvent("paste", "2025-01-01T10:01:30Z", 0, {"chars": 642})]
    (flag,) = build_flags(turns, events)
    assert flag.kind == "paste" and flag.question_index == 0
    assert flag.message == "Pasted 642 characters (97% of the answer) during question 1 at 10:01:30"


def test_an_answer_faster_than_typing_is_flagged():
    turns = [_turn(0, PASTED, "00:00", "00:20")]
    (flag,) = build_flags(turns, [])
    assert flag.kind == "fast_typing" and flag.seconds == 20.0
    assert "642 characters in 20 s" in flag.message


def test_time_away_is_paired_and_overlapping_spans_count_once():
    turns = [
        _turn(0, "A long considered answer " * 10, "00:00", "05:00"),
        _turn(1, "B " * 50, "05:00", "09:00"),
    ]
    events = [
        IntegrityEvent("tab_hidden", "2025-01-01T10:01:00Z"),
        IntegrityEvent("focus_lost", "2025-01-01T10:01:00.500000Z"),
        IntegrityEvent("tab_visible", "2025-01-01T10:02:20Z"),
        IntegrityEvent("focus_gained", "2025-01-01T10:02:21Z"),
        IntegrityEvent("focus_lost", "2025-01-01T10:06:00Z"),
        IntegrityEvent("focus_gained", "2025-01-01T10:06:42Z"),
        IntegrityEvent("focus_lost", "2025-01-01T10:07:00Z"),
        IntegrityEvent("focus_gained", "2025-01-01T10:07:01Z"),  # a blink: not flagged
    ]
    flags = build_flags(turns, events)
    assert [(f.kind, f.question_index, f.seconds) for f in flags] == [("away", 0, 81.0), ("away", 1, 42.0)]
    assert flags[0].message == "Away from the interview for 1 min 21 s during question 1 at 10:01:00"


def test_answers_faster_than_reading_and_edited_transcripts_are_flagged():
    long_question = " ".join(["word"] * 60)  # ~15 s to read
    turns = [
        _turn(0, "Yes, that one.", "00:00", "00:04", question=long_question),
        _turn(1, "A spoken answer " * 10, "01:00", "04:00", edit=0.6),
        _turn(2, "Another spoken answer " * 10, "05:00", "08:00", edit=0.1),
    ]
    flags = build_flags(turns, [])
    assert [(f.kind, f.question_index) for f in flags] == [("fast_answer", 0), ("edited_transcript", 1)]
    assert "in 4 s, less than the ~15 s it takes to read it" in flags[0].message
    assert "60% changed" in flags[1].message


def test_an_unpaired_departure_and_a_paste_without_size_still_flag():
    events = [IntegrityEvent("tab_hidden", "2025-01-01T10:00:00Z"), IntegrityEvent("paste", "x")]
    flags = build_flags([], events)
    assert [f.kind for f in flags] == ["away", "paste"]


def test_durations_read_naturally():
    assert (duration(5), duration(65), duration(120)) == ("5 s", "1 min 5 s", "2 min")


@pytest.fixture
def engine():
    return HeuristicEngine()


def test_concerns_list_every_flag_and_the_summary_names_strength_and_gap(engine):
    plan = plan_for(engine, SEED)
    turns = []
    for i, q in enumerate(plan.questions):
        text = ANSWERS[q.key]["strong_answer"] if i == 0 else ANSWERS[q.key]["weak_answer"]
        at = f"2025-01-01T10:{i:02d}"
        turns.append(Turn(i, "main", q.text, text, f"{at}:00Z", f"{at}:50Z"))
    events = [IntegrityEvent("paste", "2025-01-01T10:00:10Z", 0, {"chars": 300})]
    result = engine.assess(plan, turns, events)
    assert any(c.startswith("Pasted 300 characters") for c in result.concerns)
    assert result.flags and all(f.message in result.concerns for f in result.flags)
    first = plan.questions[0]
    assert f"Top strength: question 1 ({first.skill}, 5/5)" in result.summary
    assert "Top gap: question " in result.summary
    assert "flag" in result.summary
    # Not a list of every skill.
    assert "strongest in" not in result.summary

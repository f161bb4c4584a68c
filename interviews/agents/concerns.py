"""What happened during the interview that a recruiter should look at: flags, never verdicts.

Both engines build their flags here (through :func:`interviews.agents.policy.aggregate`):

* ``paste``: text pasted into an answer, with its size in characters (the page
  sends ``{"chars": n}``) and its share of the answer;
* ``fast_typing``: an answer whose text arrived faster than anyone types
  (more than ``FAST_CHARS_PER_SECOND`` characters a second between the
  question and the answer, for answers of ``FAST_MIN_CHARS`` or more);
* ``away``: time away from the interview, from ``tab_hidden`` to
  ``tab_visible`` and from ``focus_lost`` to ``focus_gained`` (overlapping
  spans count once), with the duration and the question on screen;
* ``fast_answer``: an answer given in less time than reading the question
  takes (``READING_WORDS_PER_SECOND``);
* ``edited_transcript``: a spoken answer whose transcript was edited by
  ``EDITED_TRANSCRIPT_RATIO`` or more (``Turn.edit_ratio``; None while the
  transcript edit share is not recorded, and then nothing is flagged).

Nothing here rejects anyone: the flags go to the recruiter with their times.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime

from interviews.agents.base import Flag, IntegrityEvent, Turn

FAST_CHARS_PER_SECOND = 15.0  # faster than fast typing (~8/s) and than speech (~15/s)
FAST_MIN_CHARS = 80
READING_WORDS_PER_SECOND = 4.0  # ~240 words a minute
FAST_ANSWER_MIN_SECONDS = 2.0
MIN_AWAY_SECONDS = 2.0
EDITED_TRANSCRIPT_RATIO = 0.3
_AWAY_PAIRS = {"tab_hidden": "tab_visible", "focus_lost": "focus_gained"}


def _when(at: str) -> datetime | None:
    try:
        return datetime.fromisoformat(at.replace("Z", "+00:00"))
    except (AttributeError, ValueError):
        return None


def clock(at: str) -> str:
    """ "10:04:12" of an ISO time (the time itself when unreadable)."""
    moment = _when(at)
    return moment.strftime("%H:%M:%S") if moment else at


def duration(seconds: float) -> str:
    """ "42 s", "3 min 5 s"."""
    whole = round(seconds)
    if whole < 60:
        return f"{whole} s"
    return f"{whole // 60} min {whole % 60} s" if whole % 60 else f"{whole // 60} min"


def _question(index: int | None) -> str:
    return f" during question {index + 1}" if index is not None else ""


def _index_at(moment: datetime, turns: Sequence[Turn]) -> int | None:
    # The question on screen: the last one put before ``moment``.
    current = None
    for t in turns:
        asked = _when(t.asked_at)
        if asked and asked <= moment:
            current = t.question_index
    return current


def _answer_turn(event: IntegrityEvent, turns: Sequence[Turn]) -> Turn | None:
    moment = _when(event.at)
    for t in turns:
        asked, answered = _when(t.asked_at), _when(t.answered_at)
        if moment and asked and answered and asked <= moment <= answered:
            return t
    candidates = [t for t in turns if t.question_index == event.question_index]
    return candidates[0] if candidates else None


def paste_flags(events: Iterable[IntegrityEvent], turns: Sequence[Turn]) -> list[Flag]:
    flags = []
    for e in events:
        if e.event != "paste":
            continue
        turn = _answer_turn(e, turns)
        index = e.question_index if e.question_index is not None else (turn.question_index if turn else None)
        chars = e.detail.get("chars") if isinstance(e.detail, dict) else None
        if isinstance(chars, int) and chars > 0:
            what = f"Pasted {chars} characters"
            answer_chars = len(turn.answer_text) if turn else 0
            if answer_chars:
                what += f" ({min(100, round(chars * 100 / answer_chars))}% of the answer)"
        else:
            what = "Pasted text"
        flags.append(Flag("paste", e.at, f"{what}{_question(index)} at {clock(e.at)}", index))
    return flags


def _away_spans(events: Sequence[IntegrityEvent]) -> list[tuple[datetime, datetime | None, str]]:
    spans: list[tuple[datetime, datetime | None, str]] = []
    ordered = sorted((e for e in events if _when(e.at)), key=lambda e: _when(e.at))
    for i, e in enumerate(ordered):
        back = _AWAY_PAIRS.get(e.event)
        if back is None:
            continue
        end = next((_when(x.at) for x in ordered[i + 1 :] if x.event == back), None)
        spans.append((_when(e.at), end, e.at))
    spans.sort(key=lambda s: s[0])
    merged: list[tuple[datetime, datetime | None, str]] = []
    for start, end, at in spans:
        if merged and (merged[-1][1] is None or start <= merged[-1][1]):
            last_start, last_end, last_at = merged[-1]
            later = None if end is None or last_end is None else max(end, last_end)
            merged[-1] = (last_start, later, last_at)
        else:
            merged.append((start, end, at))
    return merged


def away_flags(events: Sequence[IntegrityEvent], turns: Sequence[Turn]) -> list[Flag]:
    flags = []
    for start, end, at in _away_spans(events):
        index = _index_at(start, turns)
        if end is None:
            message = f"Left the interview window{_question(index)} at {clock(at)} and did not come back"
            flags.append(Flag("away", at, message, index))
            continue
        seconds = (end - start).total_seconds()
        if seconds >= MIN_AWAY_SECONDS:
            message = f"Away from the interview for {duration(seconds)}{_question(index)} at {clock(at)}"
            flags.append(Flag("away", at, message, index, round(seconds, 1)))
    return flags


def timing_flags(turns: Sequence[Turn]) -> list[Flag]:
    flags = []
    for t in turns:
        asked, answered = _when(t.asked_at), _when(t.answered_at)
        label = f"question {t.question_index + 1}" + (" (follow-up)" if t.kind == "followup" else "")
        if asked and answered and t.answer_text.strip():
            seconds = max(0.0, (answered - asked).total_seconds())
            chars = len(t.answer_text.strip())
            reading = len(t.question_text.split()) / READING_WORDS_PER_SECOND
            if chars >= FAST_MIN_CHARS and chars / max(seconds, 0.5) > FAST_CHARS_PER_SECOND:
                message = (
                    f"The answer to {label} arrived faster than typing allows: "
                    f"{chars} characters in {duration(seconds)}, at {clock(t.answered_at)}"
                )
                flags.append(Flag("fast_typing", t.answered_at, message, t.question_index, round(seconds, 1)))
            elif seconds < max(FAST_ANSWER_MIN_SECONDS, reading):
                message = (
                    f"Answered {label} in {duration(seconds)}, less than the ~{duration(reading)} "
                    f"it takes to read it, at {clock(t.answered_at)}"
                )
                flags.append(Flag("fast_answer", t.answered_at, message, t.question_index, round(seconds, 1)))
        if t.edit_ratio is not None and t.edit_ratio >= EDITED_TRANSCRIPT_RATIO:
            message = (
                f"The transcript of the answer to {label} was heavily edited "
                f"({round(t.edit_ratio * 100)}% changed), at {clock(t.answered_at)}"
            )
            flags.append(Flag("edited_transcript", t.answered_at, message, t.question_index))
    return flags


def build_flags(turns: Sequence[Turn], events: Sequence[IntegrityEvent]) -> list[Flag]:
    """Every flag of the interview, in time order."""
    flags = [*paste_flags(events, turns), *away_flags(events, turns), *timing_flags(turns)]
    return sorted(flags, key=lambda f: (_when(f.at) is None, str(_when(f.at) or ""), f.kind))

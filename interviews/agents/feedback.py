"""Reading a recruiter's free-text feedback on a plan ("more PostgreSQL, skip React, harder").

Both engines plan from what :func:`parse_feedback` understood, and
:mod:`interviews.agents.feedback_gaps` says what of it a new plan could not do.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from interviews.agents.taxonomy import BEHAVIORAL, SPECIAL_SKILLS, SYSTEM_DESIGN, Taxonomy, taxonomy
from interviews.agents.text import phrase_pattern

_INCREASE_RE = re.compile(
    r"\b(more|focus|focusing|emphasi[sz]e|emphasis|deeper|extra|additional|prioriti[sz]e|"
    r"not enough|too few|stronger|heavier)\b"
)
_DECREASE_RE = re.compile(r"\b(fewer|less|lighter|reduce|too many|too much)\b")
_REMOVE_RE = re.compile(r"\b(skip|no|without|drop|remove|exclude|omit|not|don't|avoid)\b")
_HARDER_RE = re.compile(r"\b(harder|tougher|more (?:difficult|challenging|advanced|senior)|too easy)\b")
_EASIER_RE = re.compile(
    r"\b(easier|simpler|less (?:difficult|challenging|advanced)|more (?:basic|junior)|too hard)\b"
)
# A clause about difficulty or question counts in general, not about a skill.
_LEVEL_ONLY_RE = re.compile(
    r"\b(harder|easier|simpler|difficult|challenging|advanced|basic|junior|senior|level)\b"
)
# A full stop ends a sentence only before whitespace, so "Node.js" and ".NET"
# stay whole.
_SENTENCE_SPLIT_RE = re.compile(r"[.!?]+(?=\s|$)|[;\n]+")
_CLAUSE_SPLIT_RE = re.compile(r"[,:]+|\band\b|\bbut\b|\balso\b", re.IGNORECASE)
_SPECIAL_TERMS = {
    BEHAVIORAL: ("behavioural", "behavioral", "behaviour", "behavior", "soft skill", "culture"),
    SYSTEM_DESIGN: ("system design", "system-design", "architecture", "design question"),
}


@dataclass(frozen=True)
class Feedback:
    """What :func:`parse_feedback` understood; skills are canonical names."""

    more: tuple[str, ...] = ()
    fewer: tuple[str, ...] = ()
    skip: tuple[str, ...] = ()
    level_shift: int = 0
    # Clauses that asked for a change ("more Elixir") but named no skill the
    # plan has: nothing in the plan can answer them.
    unmatched: tuple[str, ...] = ()


def mentions(
    clause: str, skill_names: Iterable[str], b: Taxonomy, *, sentence_start: bool = False
) -> list[str]:
    lower = clause.lower()
    found: list[str] = []
    for name in skill_names:
        if name in _SPECIAL_TERMS:
            terms: tuple[str, ...] = _SPECIAL_TERMS[name]
            hit = any(phrase_pattern(t).search(lower) for t in terms)
        else:
            sd = b.skill(name)
            if sd is not None and sd.ambiguous:
                # "go deeper" must not mean Go: only the capitalised name counts,
                # and not as a sentence's first word ("Go deeper on React").
                found_at = re.search(r"(?<![\w.])" + re.escape(name) + r"(?![\w+#])", clause)
                hit = found_at is not None and not (sentence_start and not clause[: found_at.start()].strip())
            else:
                terms = (name, *(sd.aliases if sd else ()))
                hit = any(phrase_pattern(t).search(lower) for t in terms if len(t) >= 2)
        if hit:
            found.append(name)
    return found


def _direction(clause: str) -> str:
    # Difficulty phrases ("more difficult", "less advanced") are not about
    # quantity; increase is checked first so "not enough React" is not "not".
    low = _EASIER_RE.sub(" ", _HARDER_RE.sub(" ", clause.lower()))
    if _INCREASE_RE.search(low):
        return "more"
    if _DECREASE_RE.search(low):
        return "fewer"
    if _REMOVE_RE.search(low):
        return "skip"
    return ""


def parse_feedback(text: str, skill_names: Sequence[str], b: Taxonomy | None = None) -> Feedback:
    """Understand a recruiter's free-text feedback on a plan.

    The text is cut into sentences and clauses (at punctuation, "and", "but",
    "also"). In a clause that names skills of the plan (canonical name or
    alias, or "behavioural" / "system design" / "architecture"):

    * "skip", "no", "without", "drop", "remove", "exclude", "omit", "not",
      "avoid" -> those skills are left out (a technical skill only while
      another one remains);
    * "fewer", "less", "lighter", "reduce", "too many" -> at most one question;
    * "more", "focus", "emphasis", "deeper", "extra", "additional",
      "prioritise", "not enough", "too few" -> they come first and get twice
      the share.

    A clause that names skills but no direction inherits the direction of the
    previous clause of the same sentence ("more PostgreSQL and Redis"). Skills
    named by an everyday word (Go, Swift, Rust) count only when capitalised and
    not the first word of a sentence, so "go deeper" is not Go. Anywhere in the text,
    "harder" / "more difficult" / "too easy" move the question difficulty one
    level up and "easier" / "simpler" / "too hard" one level down.
    Everything else is ignored.
    """
    b = b or taxonomy()
    lower = text.lower()
    shift = (1 if _HARDER_RE.search(lower) else 0) - (1 if _EASIER_RE.search(lower) else 0)
    names = [*skill_names, *SPECIAL_SKILLS]
    found: dict[str, list[str]] = {"more": [], "fewer": [], "skip": []}
    unmatched: list[str] = []
    direction = ""
    for sentence in _SENTENCE_SPLIT_RE.split(text):
        for i, clause in enumerate(_CLAUSE_SPLIT_RE.split(sentence)):
            direction = _direction(clause) or ("" if i == 0 else direction)
            if not direction:
                continue
            mentioned = mentions(clause, names, b, sentence_start=i == 0)
            if not mentioned and _direction(clause) and not _LEVEL_ONLY_RE.search(clause.lower()):
                unmatched.append(clause.strip())
            for name in mentioned:
                if all(name not in listed for listed in found.values()):
                    found[direction].append(name)
    return Feedback(
        more=tuple(found["more"]),
        fewer=tuple(found["fewer"]),
        skip=tuple(found["skip"]),
        level_shift=shift,
        unmatched=tuple(c for c in unmatched if c),
    )

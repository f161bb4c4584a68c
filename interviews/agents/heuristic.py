"""The offline, deterministic interview engine.

It needs no network and no model: skills are matched against a taxonomy
(``data/skills.json``), questions come from a curated bank
(``data/questions/*.json``) and answers are scored by rubric-concept coverage.
The same inputs always give the same outputs; nothing depends on Python's
salted ``hash()``, on set iteration order, on the clock or on ``random``.

Scoring (see :func:`score_from_coverage`)
    coverage = matched rubric concepts / rubric concepts, on the main answer
    plus the follow-up answer of a question:

    ========================  =====
    coverage                  score
    ========================  =====
    0                         1
    below 25 %                2
    below 50 %                3
    below 80 %                4
    80 % or more              5
    ========================  =====

    An answer shorter than ``SHORT_ANSWER_WORDS`` words is capped at 2 and an
    unanswered question scores 1. A skill's score is the mean of its
    questions' scores (2 decimals); the overall score is
    ``round((mean question score - 1) / 4 * 100)``, half rounded up.

Recommendation (see ``RECOMMENDATION_THRESHOLDS``)
    overall >= 80 STRONG_HIRE, >= 65 HIRE, >= 45 LEAN_NO_HIRE, else NO_HIRE.
"""

from __future__ import annotations

import hashlib
import json
import math
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace
from functools import lru_cache
from pathlib import Path

from interviews.agents.base import (
    LEVELS,
    Assessment,
    Concept,
    IntegrityEvent,
    InterviewRequest,
    NextMove,
    Plan,
    PlannedQuestion,
    QuestionScore,
    Rubric,
    SkillValidation,
    Turn,
    ValidatedSkill,
)

DATA_DIR = Path(__file__).resolve().parent / "data"

BEHAVIORAL = "Behavioral"
SYSTEM_DESIGN = "System Design"
# Pseudo-skills of the bank that are not in the taxonomy, with the question
# kind each one must carry.
SPECIAL_SKILLS = {BEHAVIORAL: "behavioral", SYSTEM_DESIGN: "system_design"}
KINDS = ("technical", "behavioral", "system_design")

INTRO_CLOSING_MINUTES = 5
MIN_QUESTION_MINUTES = 3
MAX_QUESTION_MINUTES = 12
DEFAULT_DURATION_MINUTES = 45
MIN_CONCEPTS = 3
SHORT_ANSWER_WORDS = 8
MAX_EVIDENCE = 3
MAX_EVIDENCE_CHARS = 300
# Regenerating a plan replays the earlier versions (to make sure the new one
# differs); the replay is bounded so a huge version number stays cheap.
VERSION_CYCLE = 100

RECOMMENDATION_THRESHOLDS: tuple[tuple[int, str], ...] = (
    (80, "STRONG_HIRE"),
    (65, "HIRE"),
    (45, "LEAN_NO_HIRE"),
)
NO_HIRE = "NO_HIRE"
STRENGTH_MIN_SCORE = 4.0
CONCERN_MAX_SCORE = 2.5

# Difficulties a level may be asked, best fit first. Junior candidates never
# see senior+ questions and principals never see junior/mid ones.
LEVEL_PREFERENCES: dict[str, tuple[str, ...]] = {
    "JUNIOR": ("JUNIOR", "MID"),
    "MID": ("MID", "JUNIOR", "SENIOR"),
    "SENIOR": ("SENIOR", "MID", "LEAD"),
    "LEAD": ("LEAD", "SENIOR", "PRINCIPAL"),
    "PRINCIPAL": ("PRINCIPAL", "LEAD", "SENIOR"),
}
SENIOR_LEVELS = ("SENIOR", "LEAD", "PRINCIPAL")


class BankError(ValueError):
    """The skill taxonomy or the question bank on disk is inconsistent."""


# ---------------------------------------------------------------------------
# Text matching


_TOKEN_RE = re.compile(r"[a-z0-9]+[+#]*")
# Sentence ends for evidence quotes: ".", "!" or "?" before whitespace, or a
# line break, so "Node.js" inside a sentence does not cut it.
_SENTENCE_BREAK_RE = re.compile(r"(?<=[.!?])\s+|\n+")


def _stem(token: str) -> str:
    # Crude plural folding, applied identically to answers and rubric phrases,
    # so "indexes"/"index" and "caches"/"cache" meet on the same stem.
    if len(token) > 4 and token.endswith("ies"):
        return token[:-3] + "y"
    if len(token) > 3 and token.endswith("s") and not token.endswith(("ss", "us", "is")):
        token = token[:-1]
    if len(token) > 3 and token.endswith("e"):
        token = token[:-1]
    return token


def tokens(text: str) -> list[str]:
    """Lowercased, plural-folded word tokens of ``text``."""
    return [_stem(t) for t in _TOKEN_RE.findall(text.lower())]


def _contains_phrase(haystack: Sequence[str], phrase: Sequence[str]) -> bool:
    n = len(phrase)
    if n == 0:
        return False
    first = phrase[0]
    return any(
        haystack[i] == first and list(haystack[i : i + n]) == list(phrase)
        for i in range(len(haystack) - n + 1)
    )


def concept_matched(concept: Concept, answer_tokens: Sequence[str]) -> bool:
    """True when the concept's name or one of its synonyms occurs as a phrase."""
    return any(_contains_phrase(answer_tokens, tokens(p)) for p in (concept.name, *concept.synonyms))


def match_concepts(rubric: Rubric, answer: str) -> tuple[list[str], list[str]]:
    """(matched, missing) concept names of ``rubric`` in ``answer``, rubric order."""
    answer_tokens = tokens(answer)
    matched: list[str] = []
    missing: list[str] = []
    for concept in rubric.concepts:
        (matched if concept_matched(concept, answer_tokens) else missing).append(concept.name)
    return matched, missing


def score_from_coverage(matched: int, total: int, word_count: int) -> int:
    """Map concept coverage to 1..5 (table in the module docstring)."""
    if total <= 0 or matched <= 0:
        score = 1
    else:
        coverage = matched / total
        if coverage < 0.25:
            score = 2
        elif coverage < 0.5:
            score = 3
        elif coverage < 0.8:
            score = 4
        else:
            score = 5
    if word_count < SHORT_ANSWER_WORDS:
        score = min(score, 2)
    return score


def question_budget(duration: int) -> int:
    """Minutes left for questions once the introduction and closing are taken off the top."""
    return duration - min(INTRO_CLOSING_MINUTES, max(1, duration // 6))


def overall_score(scores: Sequence[int]) -> int:
    """0-100 from question scores of 1..5: round((mean - 1) / 4 * 100), half rounded up."""
    if not scores:
        return 0
    mean = sum(scores) / len(scores)
    return math.floor((mean - 1) / 4 * 100 + 0.5)


def recommendation_for(overall: int) -> str:
    for threshold, label in RECOMMENDATION_THRESHOLDS:
        if overall >= threshold:
            return label
    return NO_HIRE


def _phrase_pattern(phrase: str, *, case_sensitive: bool = False) -> re.Pattern[str]:
    # Word boundaries that also treat "." as part of a name, so "js" is not
    # found inside "next.js" and "net" is not ".net"; a plural "s"/"es" is
    # allowed ("REST APIs"). Case-insensitive patterns expect lowercased text.
    text = phrase if case_sensitive else phrase.lower()
    return re.compile(r"(?<![\w.])" + re.escape(text) + r"(?:e?s)?(?![\w+#]|\.\w)")


def _stable_int(*parts: object) -> int:
    digest = hashlib.sha256("\x1f".join(str(p) for p in parts).encode("utf-8")).digest()
    return int.from_bytes(digest[:8], "big")


# "Python 3", "Vue v3.4", "Java 17", "Angular 2+": a trailing version number.
_VERSION_SUFFIX_RE = re.compile(r"[\s\-]*v?\d+(?:\.(?:\d+|x))*\+?$")


def _alias_key(text: str) -> str:
    # "React.js", "react js" and "ReactJS" all become "reactjs"; "+" and "#"
    # stay because they tell C, C++ and C# apart.
    return re.sub(r"[^a-z0-9+#]", "", text.lower())


# ---------------------------------------------------------------------------
# Data


@dataclass(frozen=True)
class SkillDef:
    name: str
    category: str
    aliases: tuple[str, ...]
    infer: tuple[str, ...]
    # An everyday English word ("Go", "Swift", "Rust"): never inferred from the
    # bare word and only recognised in feedback when capitalised.
    ambiguous: bool = False
    # (pattern, case_sensitive) pairs compiled from ``infer``.
    infer_patterns: tuple[tuple[re.Pattern[str], bool], ...] = field(default=(), compare=False, repr=False)


@dataclass(frozen=True)
class Bank:
    skills: tuple[SkillDef, ...]
    by_key: dict[str, SkillDef]
    questions: dict[str, tuple[PlannedQuestion, ...]]  # skill -> questions, bank order

    def skill(self, name: str) -> SkillDef | None:
        return next((s for s in self.skills if s.name == name), None)

    @property
    def question_count(self) -> int:
        return sum(len(qs) for qs in self.questions.values())


def _question_from_json(raw: dict, source: str) -> PlannedQuestion:
    try:
        rubric = raw["rubric"]
        return PlannedQuestion(
            key=str(raw["key"]),
            skill=str(raw["skill"]),
            kind=str(raw["kind"]),
            difficulty=str(raw["difficulty"]),
            text=str(raw["text"]).strip(),
            minutes=int(raw["minutes"]),
            rubric=Rubric(
                concepts=[
                    Concept(name=str(c["name"]), synonyms=[str(s) for s in c.get("synonyms", [])])
                    for c in rubric["concepts"]
                ],
                score_1=str(rubric["score_1"]),
                score_3=str(rubric["score_3"]),
                score_5=str(rubric["score_5"]),
            ),
        )
    except (KeyError, TypeError, ValueError) as exc:
        raise BankError(f"{source}: malformed question {raw.get('key', '?')!r}: {exc}") from exc


def _validate_question(q: PlannedQuestion, source: str, taxonomy: set[str]) -> None:
    where = f"{source}: question {q.key!r}"
    if q.difficulty not in LEVELS:
        raise BankError(f"{where}: difficulty {q.difficulty!r} is not one of {LEVELS}")
    if q.kind not in KINDS:
        raise BankError(f"{where}: kind {q.kind!r} is not one of {KINDS}")
    expected_kind = SPECIAL_SKILLS.get(q.skill, "technical")
    if q.kind != expected_kind:
        raise BankError(f"{where}: skill {q.skill!r} needs kind {expected_kind!r}")
    if q.skill not in taxonomy and q.skill not in SPECIAL_SKILLS:
        raise BankError(f"{where}: skill {q.skill!r} is not in skills.json")
    if not q.text:
        raise BankError(f"{where}: empty text")
    if not MIN_QUESTION_MINUTES <= q.minutes <= MAX_QUESTION_MINUTES:
        raise BankError(f"{where}: minutes {q.minutes} outside 3..12")
    if len(q.rubric.concepts) < MIN_CONCEPTS:
        raise BankError(f"{where}: rubric needs at least {MIN_CONCEPTS} concepts")
    if not (q.rubric.score_1 and q.rubric.score_3 and q.rubric.score_5):
        raise BankError(f"{where}: rubric needs score_1, score_3 and score_5")
    for concept in q.rubric.concepts:
        if not concept.name or not tokens(concept.name):
            raise BankError(f"{where}: concept without a name")


def load_bank(data_dir: Path = DATA_DIR) -> Bank:
    """Read and validate the taxonomy and the question bank (no caching)."""
    try:
        raw_skills = json.loads((data_dir / "skills.json").read_text(encoding="utf-8"))["skills"]
    except (OSError, ValueError, KeyError) as exc:
        raise BankError(f"cannot read {data_dir / 'skills.json'}: {exc}") from exc

    skills: list[SkillDef] = []
    by_key: dict[str, SkillDef] = {}
    for raw in raw_skills:
        # An infer phrase starting with "=" is matched case-sensitively: "React"
        # names the library, "react to incidents" does not.
        infer = tuple(str(p) if str(p).startswith("=") else str(p).lower() for p in raw["infer"])
        skill = SkillDef(
            name=str(raw["name"]),
            category=str(raw.get("category", "")),
            aliases=tuple(str(a) for a in raw.get("aliases", [])),
            infer=infer,
            ambiguous=bool(raw.get("ambiguous", False)),
            infer_patterns=tuple(
                (_phrase_pattern(p[1:], case_sensitive=True), True)
                if p.startswith("=")
                else (_phrase_pattern(p), False)
                for p in infer
            ),
        )
        if skill.name in SPECIAL_SKILLS:
            raise BankError(f"skills.json: {skill.name!r} is reserved")
        for alias in (skill.name, *skill.aliases):
            key = _alias_key(alias)
            if not key:
                raise BankError(f"skills.json: empty alias for {skill.name!r}")
            other = by_key.get(key)
            if other is not None and other.name != skill.name:
                raise BankError(
                    f"skills.json: alias {alias!r} maps to both {other.name!r} and {skill.name!r}"
                )
            by_key[key] = skill
        skills.append(skill)
    names = [s.name for s in skills]
    if len(set(names)) != len(names):
        raise BankError("skills.json: duplicate skill names")
    taxonomy = set(names)

    questions: dict[str, list[PlannedQuestion]] = {}
    seen_keys: dict[str, str] = {}
    files = sorted((data_dir / "questions").glob("*.json"))
    if not files:
        raise BankError(f"no question files in {data_dir / 'questions'}")
    for path in files:
        try:
            payload = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError) as exc:
            raise BankError(f"cannot read {path}: {exc}") from exc
        for raw in payload.get("questions", []):
            q = _question_from_json(raw, path.name)
            _validate_question(q, path.name, taxonomy)
            if q.key in seen_keys:
                raise BankError(f"duplicate question key {q.key!r} ({seen_keys[q.key]}, {path.name})")
            seen_keys[q.key] = path.name
            questions.setdefault(q.skill, []).append(q)

    for name in (*names, *SPECIAL_SKILLS):
        # Every recognised skill must be plannable, or a VALID skill would
        # silently vanish from the interview.
        if not questions.get(name):
            raise BankError(f"skill {name!r} has no questions in the bank")
    return Bank(
        skills=tuple(skills),
        by_key=by_key,
        questions={k: tuple(v) for k, v in questions.items()},
    )


@lru_cache(maxsize=1)
def bank() -> Bank:
    """The process-wide bank, read once."""
    return load_bank()


# ---------------------------------------------------------------------------
# Feedback on a plan


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


def _mentions(clause: str, skill_names: Iterable[str], b: Bank, *, sentence_start: bool = False) -> list[str]:
    lower = clause.lower()
    found: list[str] = []
    for name in skill_names:
        if name in _SPECIAL_TERMS:
            terms: tuple[str, ...] = _SPECIAL_TERMS[name]
            hit = any(_phrase_pattern(t).search(lower) for t in terms)
        else:
            sd = b.skill(name)
            if sd is not None and sd.ambiguous:
                # "go deeper" must not mean Go: only the capitalised name counts,
                # and not as a sentence's first word ("Go deeper on React").
                found_at = re.search(r"(?<![\w.])" + re.escape(name) + r"(?![\w+#])", clause)
                hit = found_at is not None and not (sentence_start and not clause[: found_at.start()].strip())
            else:
                terms = (name, *(sd.aliases if sd else ()))
                hit = any(_phrase_pattern(t).search(lower) for t in terms if len(t) >= 2)
        if hit:
            found.append(name)
    return found


def parse_feedback(text: str, skill_names: Sequence[str], b: Bank | None = None) -> Feedback:
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
    b = b or bank()
    lower = text.lower()
    shift = 0
    if _HARDER_RE.search(lower):
        shift += 1
    if _EASIER_RE.search(lower):
        shift -= 1
    names = [*skill_names, *SPECIAL_SKILLS]
    more: list[str] = []
    fewer: list[str] = []
    skip: list[str] = []
    direction = ""
    clauses = [
        (clause, i == 0)
        for sentence in _SENTENCE_SPLIT_RE.split(text)
        for i, clause in enumerate(_CLAUSE_SPLIT_RE.split(sentence))
    ]
    for clause, sentence_start in clauses:
        if sentence_start:
            direction = ""
        # Difficulty phrases ("more difficult", "less advanced") are not about
        # quantity; increase is checked first so "not enough React" is not "not".
        low = _EASIER_RE.sub(" ", _HARDER_RE.sub(" ", clause.lower()))
        if _INCREASE_RE.search(low):
            direction = "more"
        elif _DECREASE_RE.search(low):
            direction = "fewer"
        elif _REMOVE_RE.search(low):
            direction = "skip"
        if not direction:
            continue
        target = {"more": more, "fewer": fewer, "skip": skip}[direction]
        for name in _mentions(clause, names, b, sentence_start=sentence_start):
            if name not in more and name not in fewer and name not in skip:
                target.append(name)
    return Feedback(more=tuple(more), fewer=tuple(fewer), skip=tuple(skip), level_shift=shift)


# ---------------------------------------------------------------------------
# Planning


@dataclass
class _Slot:
    skill: str
    kind: str
    candidates: list[PlannedQuestion]
    cap: int
    per_round: int = 1


@dataclass(frozen=True)
class _Pick:
    slot: int
    question: PlannedQuestion
    round: int


def _ordered_candidates(
    questions: Sequence[PlannedQuestion],
    prefs: Sequence[str],
    version: int,
    avoid: frozenset[str],
) -> list[PlannedQuestion]:
    fitting = [q for q in questions if q.difficulty in prefs]
    # Best-fitting difficulty first; within a difficulty the order is a stable
    # shuffle keyed by the plan version, so a regenerated plan reshuffles.
    fitting.sort(key=lambda q: (prefs.index(q.difficulty), _stable_int("plan", version, q.key)))
    if avoid:
        fresh = next((q for q in fitting if q.key not in avoid), None)
        if fresh is not None:
            fitting.remove(fresh)
            fitting.insert(0, fresh)
    return fitting


def _pick_sequence(slots: Sequence[_Slot]) -> list[_Pick]:
    """All picks in priority order: round after round over the slots."""
    taken = [0] * len(slots)
    sequence: list[_Pick] = []
    progress = True
    rnd = 0
    while progress:
        progress = False
        for i, slot in enumerate(slots):
            for _ in range(slot.per_round):
                if taken[i] < min(slot.cap, len(slot.candidates)):
                    sequence.append(_Pick(i, slot.candidates[taken[i]], rnd))
                    taken[i] += 1
                    progress = True
        rnd += 1
    return sequence


def _fit_minutes(picks: Sequence[_Pick], budget: int) -> list[tuple[_Pick, int]]:
    """Choose picks and minutes so that the total stays within ``budget``."""
    if not picks or budget <= 0:
        return []
    # First pass: the first round (one question per slot, two for a skill the
    # feedback asked more of), the coverage the plan must have.
    first = [p for p in picks if p.round == 0]
    nominal = sum(p.question.minutes for p in first)
    if nominal > budget:
        # Too many skills for the time: keep the highest-priority ones that
        # fit at the minimum length and shrink them proportionally.
        keep = first[: max(1, budget // MIN_QUESTION_MINUTES)]
        if budget < MIN_QUESTION_MINUTES:
            return [(keep[0], budget)]
        total = sum(p.question.minutes for p in keep)
        minutes = [max(MIN_QUESTION_MINUTES, math.floor(p.question.minutes * budget / total)) for p in keep]
        while sum(minutes) > budget:
            j = max(range(len(minutes)), key=lambda k: (minutes[k], -k))
            minutes[j] -= 1
        return _grow(list(zip(keep, minutes, strict=True)), budget)

    chosen = {id(p) for p in first}
    selected = [(p, p.question.minutes) for p in first]
    used = nominal
    # Second pass: deepen in round-robin priority order with whatever still
    # fits; a long question that does not fit lets a shorter one through.
    for p in picks:
        if id(p) in chosen:
            continue
        if used + p.question.minutes <= budget:
            selected.append((p, p.question.minutes))
            used += p.question.minutes
    return _grow(selected, budget)


def _grow(selected: list[tuple[_Pick, int]], budget: int) -> list[tuple[_Pick, int]]:
    # Hand spare minutes back to the questions (room for follow-ups) so the
    # interview uses the time it was booked for.
    spare = budget - sum(m for _, m in selected)
    limits = [
        min(MAX_QUESTION_MINUTES, max(m, p.question.minutes + max(1, p.question.minutes // 2)))
        for p, m in selected
    ]
    minutes = [m for _, m in selected]
    while spare > 0:
        grew = False
        for i in range(len(minutes)):
            if spare > 0 and minutes[i] < limits[i]:
                minutes[i] += 1
                spare -= 1
                grew = True
        if not grew:
            break
    return [(p, m) for (p, _), m in zip(selected, minutes, strict=True)]


def _count_phrase(n: int, what: str) -> str:
    return f"{'one' if n == 1 else n} {what}{'' if n == 1 else 's'}"


# ---------------------------------------------------------------------------
# Follow-ups and closing

_FOLLOWUP_TEMPLATES = (
    "Thanks. Let's go a bit deeper: how would you approach {topics} here, "
    "and what trade-offs would you weigh?",
    "Good start. Could you walk me through how {topics} would come into play "
    "in a real project you have worked on?",
    "Can you expand on the {topics} side of this? What would you watch out for, and why?",
    "Interesting. How would {topics} change the way you handle this in production?",
)
# Behavioural answers are stories, so the nudge asks for more of the story.
_BEHAVIORAL_FOLLOWUP_TEMPLATES = (
    "Thanks for sharing that. Could you tell me more about {topics}?",
    "Could you go into a bit more detail on {topics}? What exactly did you do?",
)
_CLOSING = (
    "Thank you for your time and thoughtful answers, that's all the questions we have. "
    "The recruiting team will review the interview and be in touch with you about next steps."
)


def _join_topics(names: Sequence[str]) -> str:
    if len(names) == 1:
        return names[0]
    return ", ".join(names[:-1]) + " and " + names[-1]


def _answers_for(turns: Sequence[Turn], index: int) -> tuple[str, str]:
    main = " ".join(t.answer_text.strip() for t in turns if t.question_index == index and t.kind == "main")
    follow = " ".join(
        t.answer_text.strip() for t in turns if t.question_index == index and t.kind == "followup"
    )
    return main.strip(), follow.strip()


def _evidence(answer: str, rubric: Rubric, matched: Sequence[str]) -> list[str]:
    wanted = [c for c in rubric.concepts if c.name in matched]
    quotes: list[str] = []
    for sentence in _SENTENCE_BREAK_RE.split(answer):
        sentence = sentence.strip()
        if not sentence:
            continue
        sentence_tokens = tokens(sentence)
        if any(concept_matched(c, sentence_tokens) for c in wanted):
            # Quotes stay verbatim; an overlong sentence is cut, never rewritten.
            quotes.append(sentence[:MAX_EVIDENCE_CHARS])
            if len(quotes) == MAX_EVIDENCE:
                break
    return quotes


# ---------------------------------------------------------------------------
# The engine


def aggregate(
    scores: list[QuestionScore], integrity: Iterable[IntegrityEvent], unanswered: set[int]
) -> Assessment:
    """Per-skill means, overall score, recommendation, strengths and concerns from question scores.

    Both engines finish their assessment here, so the thresholds cannot drift apart.
    """
    by_skill: dict[str, list[int]] = {}
    for s in scores:
        by_skill.setdefault(s.skill, []).append(s.score)
    skill_scores = {k: round(sum(v) / len(v), 2) for k, v in by_skill.items()}
    overall = overall_score([s.score for s in scores])
    recommendation = recommendation_for(overall)
    strengths = [f"{k} ({v:g}/5)" for k, v in skill_scores.items() if v >= STRENGTH_MIN_SCORE]
    concerns = [f"{k} ({v:g}/5)" for k, v in skill_scores.items() if v <= CONCERN_MAX_SCORE]
    concerns += [
        f"Question {s.question_index + 1} ({s.skill}) not answered"
        for s in scores
        if s.question_index in unanswered
    ]
    summary = (
        f"Overall {overall}/100 ({recommendation.replace('_', ' ').lower()}) over "
        f"{_count_phrase(len(scores), 'question')}"
    )
    if strengths:
        summary += (
            f"; strongest in {_join_topics([k for k, v in skill_scores.items() if v >= STRENGTH_MIN_SCORE])}"
        )
    weak = [k for k, v in skill_scores.items() if v <= CONCERN_MAX_SCORE]
    if weak:
        summary += f"; weakest in {_join_topics(weak)}"
    return Assessment(
        question_scores=scores,
        skill_scores=skill_scores,
        overall=overall,
        recommendation=recommendation,
        strengths=strengths,
        concerns=concerns,
        integrity_flags=list(integrity),
        summary=summary + ".",
    )


class HeuristicEngine:
    """Deterministic engine over the curated bank; see the module docstring."""

    name = "heuristic"

    def __init__(self, data: Bank | None = None) -> None:
        self._bank = data

    @property
    def data(self) -> Bank:
        return self._bank or bank()

    # -- skills ------------------------------------------------------------

    def canonical_skill(self, text: str) -> SkillDef | None:
        """The taxonomy entry ``text`` names, if any ("reactjs" -> React)."""
        b = self.data
        key = _alias_key(text)
        if not key:
            return None
        found = b.by_key.get(key)
        if found is None and key.endswith("s"):
            found = b.by_key.get(key[:-1])  # "REST APIs", "Microservices"
        if found is None:
            # Versions are not part of the name: "Python 3", "Vue 3.4", "Java 17".
            stripped = _alias_key(_VERSION_SUFFIX_RE.sub("", text.strip().lower()))
            if stripped and stripped != key:
                found = b.by_key.get(stripped)
        return found

    def validate_skills(self, request: InterviewRequest) -> SkillValidation:
        b = self.data
        result: list[ValidatedSkill] = []
        seen: set[str] = set()
        unknown: list[str] = []
        for raw in request.skills:
            original = str(raw)
            text = original.strip()
            if not text:
                continue  # an empty entry is noise, not a skill
            sd = self.canonical_skill(text)
            if sd is not None:
                if sd.name in seen:
                    continue
                seen.add(sd.name)
                result.append(ValidatedSkill(sd.name, original, "VALID", sd.category))
            else:
                key = "?" + (_alias_key(text) or text.lower())
                if key in seen:
                    continue
                seen.add(key)
                unknown.append(text)
                result.append(ValidatedSkill(text, original, "UNKNOWN", ""))

        description = f"{request.position}\n{request.job_description}"
        lowered = description.lower()
        for sd in b.skills:
            if sd.name in seen:
                continue
            if any(p.search(description if exact else lowered) for p, exact in sd.infer_patterns):
                seen.add(sd.name)
                result.append(ValidatedSkill(sd.name, "", "INFERRED", sd.category))

        if any(s.status in ("VALID", "INFERRED") for s in result):
            return SkillValidation(skills=result, ok=True)
        if unknown:
            listed = ", ".join(f"'{u}'" for u in unknown)
            reason = f"None of the skills could be matched to a known skill: {listed}."
        else:
            reason = "No skills were given and none could be inferred from the job description."
        reason += " Send at least one recognised skill (for example: Python, React, PostgreSQL)."
        return SkillValidation(skills=result, ok=False, reason=reason)

    # -- planning ----------------------------------------------------------

    def plan(
        self,
        request: InterviewRequest,
        validation: SkillValidation,
        *,
        feedback: str = "",
        version: int = 1,
    ) -> Plan:
        """Pick questions that fit the level and the time.

        Time: the question minutes add up to at most ``duration_minutes`` less
        ``INTRO_CLOSING_MINUTES`` and fill most of it. Every skill gets one
        question (two if the feedback asks for more of it) before any gets
        another; when even that does not fit, the
        lowest-priority skills are left out (given skills outrank inferred ones)
        and the rest are shortened, never below ``MIN_QUESTION_MINUTES``.

        Versions: ``version`` reshuffles the choice among the questions that fit
        the level, and when that happens to reproduce the previous version's
        questions, each skill's first question is swapped for one not used
        there. Feedback is understood as described in :func:`parse_feedback`.
        """
        b = self.data
        skills = [s for s in validation.valid if s.name in b.questions]
        if not skills:
            raise ValueError(
                "Cannot plan an interview without at least one recognised skill: "
                + (validation.reason or "the skill validation has no valid skill.")
            )
        duration = request.duration_minutes or DEFAULT_DURATION_MINUTES
        budget = question_budget(duration)
        version = (max(1, int(version)) - 1) % VERSION_CYCLE + 1
        fb = parse_feedback(feedback, [s.name for s in skills], b)

        slots_args = (request, skills, fb)
        previous: list[str] | None = None
        selected: list[tuple[_Pick, int]] = []
        slots: list[_Slot] = []
        for v in range(1, version + 1):
            slots = self._slots(*slots_args, version=v, avoid=frozenset())
            selected = _fit_minutes(_pick_sequence(slots), budget)
            keys = sorted(p.question.key for p, _ in selected)
            if previous is not None and keys == previous:
                slots = self._slots(*slots_args, version=v, avoid=frozenset(previous))
                selected = _fit_minutes(_pick_sequence(slots), budget)
                keys = sorted(p.question.key for p, _ in selected)
            previous = keys

        # Interview flow: technical skills in priority order (easier questions
        # first within a skill), then system design, then behavioural.
        kind_rank = {"technical": 0, "system_design": 1, "behavioral": 2}
        ordered = sorted(
            selected,
            key=lambda pm: (
                kind_rank[slots[pm[0].slot].kind],
                pm[0].slot,
                LEVELS.index(pm[0].question.difficulty),
            ),
        )
        questions = [replace(p.question, minutes=m) for p, m in ordered]
        return Plan(
            questions=questions,
            duration_minutes=duration,
            summary=self._summary(request, questions, skills, fb),
        )

    def _slots(
        self,
        request: InterviewRequest,
        skills: Sequence[ValidatedSkill],
        fb: Feedback,
        *,
        version: int,
        avoid: frozenset[str],
    ) -> list[_Slot]:
        b = self.data
        level = request.level if request.level in LEVELS else "MID"
        shifted = LEVELS[min(len(LEVELS) - 1, max(0, LEVELS.index(level) + fb.level_shift))]
        prefs = LEVEL_PREFERENCES[shifted]

        def slot(name: str, kind: str, cap: int, per_round: int = 1) -> _Slot:
            cands = _ordered_candidates(b.questions[name], prefs, version, avoid)
            return _Slot(name, kind, cands, cap, per_round)

        technical = [s for s in skills if s.name not in fb.skip] or list(skills)
        boosted = [s for s in technical if s.name in fb.more]
        given = [s for s in technical if s.status == "VALID" and s not in boosted]
        inferred = [s for s in technical if s.status != "VALID" and s not in boosted]
        reduced = [s for s in (*given, *inferred) if s.name in fb.fewer]
        given = [s for s in given if s not in reduced]
        inferred = [s for s in inferred if s not in reduced]

        big = 10**6
        slots = [slot(s.name, "technical", big, 2) for s in boosted]
        slots += [slot(s.name, "technical", big) for s in given]
        senior = level in SENIOR_LEVELS
        if senior and SYSTEM_DESIGN not in fb.skip:
            slots.append(slot(SYSTEM_DESIGN, "system_design", 2 if SYSTEM_DESIGN in fb.more else 1))
        if BEHAVIORAL not in fb.skip:
            cap = 2 if senior and BEHAVIORAL in fb.more else 1
            slots.append(slot(BEHAVIORAL, "behavioral", cap))
        slots += [slot(s.name, "technical", big) for s in inferred]
        slots += [slot(s.name, "technical", 1) for s in reduced]
        return [s for s in slots if s.candidates and s.cap > 0]

    def _summary(
        self,
        request: InterviewRequest,
        questions: Sequence[PlannedQuestion],
        skills: Sequence[ValidatedSkill],
        fb: Feedback,
    ) -> str:
        counts: dict[str, int] = {}
        for q in questions:
            counts[q.skill] = counts.get(q.skill, 0) + 1
        tech = [f"{name} ({n})" for name, n in counts.items() if name not in SPECIAL_SKILLS]
        extras = [
            _count_phrase(counts[name], label)
            for name, label in (
                (SYSTEM_DESIGN, "system-design question"),
                (BEHAVIORAL, "behavioural question"),
            )
            if counts.get(name)
        ]
        minutes = sum(q.minutes for q in questions)
        text = (
            f"A {request.duration_minutes or DEFAULT_DURATION_MINUTES}-minute "
            f"{request.level.lower()}-level interview for {request.position or 'the role'} with "
            f"{_count_phrase(len(questions), 'question')} ({minutes} minutes) covering "
            f"{_join_topics(tech) if tech else 'general skills'}"
        )
        if extras:
            text += f", plus {_join_topics(extras)}"
        left_out = [s.name for s in skills if s.name not in counts]
        if left_out:
            text += f"; not covered: {_join_topics(left_out)}"
        return text + "."

    # -- conducting --------------------------------------------------------

    def next_turn(self, plan: Plan, turns: list[Turn]) -> NextMove:
        """Ask every question in order, with at most one follow-up each.

        A follow-up comes right after a main answer that covers fewer than
        half of the question's rubric concepts; it names the missing topics
        (concept names, never their synonyms) without hinting at the answer.
        """
        if turns:
            last = turns[-1]
            idx = last.question_index
            if (
                last.kind == "main"
                and 0 <= idx < len(plan.questions)
                and not any(t.question_index == idx and t.kind == "followup" for t in turns)
            ):
                q = plan.questions[idx]
                main, _ = _answers_for(turns, idx)
                matched, missing = match_concepts(q.rubric, main)
                if missing and len(matched) * 2 < len(q.rubric.concepts):
                    templates = (
                        _BEHAVIORAL_FOLLOWUP_TEMPLATES if q.kind == "behavioral" else _FOLLOWUP_TEMPLATES
                    )
                    template = templates[_stable_int("followup", q.key) % len(templates)]
                    text = template.format(topics=_join_topics(missing[:2]))
                    return NextMove(action="followup", question_index=idx, text=text)
        answered = {t.question_index for t in turns if t.kind == "main"}
        for i, q in enumerate(plan.questions):
            if i not in answered:
                return NextMove(action="question", question_index=i, text=q.text)
        return NextMove(action="complete", question_index=None, text=_CLOSING)

    # -- assessing ---------------------------------------------------------

    def assess(self, plan: Plan, turns: list[Turn], integrity: list[IntegrityEvent]) -> Assessment:
        scores: list[QuestionScore] = []
        for i, q in enumerate(plan.questions):
            main, follow = _answers_for(turns, i)
            answer = " ".join(a for a in (main, follow) if a)
            names = [c.name for c in q.rubric.concepts]
            if not answer:
                scores.append(QuestionScore(i, q.key, q.skill, 1, [], names, [], "not answered"))
                continue
            matched, missing = match_concepts(q.rubric, answer)
            words = len(answer.split())
            score = score_from_coverage(len(matched), len(names), words)
            rationale = f"Covered {len(matched)} of {len(names)} expected concepts"
            if matched:
                rationale += f" ({_join_topics(matched)})"
            if missing:
                rationale += f"; missing {_join_topics(missing)}"
            if words < SHORT_ANSWER_WORDS:
                rationale += f"; the answer was very short ({words} words), so capped at 2"
            scores.append(
                QuestionScore(
                    question_index=i,
                    question_key=q.key,
                    skill=q.skill,
                    score=score,
                    matched_concepts=matched,
                    missing_concepts=missing,
                    evidence=_evidence(answer, q.rubric, matched),
                    rationale=rationale + ".",
                )
            )

        unanswered = {s.question_index for s in scores if s.rationale == "not answered"}
        return aggregate(scores, integrity, unanswered)

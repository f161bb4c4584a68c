"""The agent engine interface.

Every engine (the offline heuristic one, the LLM one) implements these five
steps on plain dataclasses. Nothing outside ``interviews.agents`` knows which
engine is running: callers use :func:`interviews.agents.get_engine`.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Protocol

LEVELS = ("JUNIOR", "MID", "SENIOR", "LEAD", "PRINCIPAL")


@dataclass(frozen=True)
class InterviewRequest:
    """What the ATS asked for. Never carries the candidate's name or email."""

    position: str
    level: str  # one of LEVELS
    skills: list[str]
    job_description: str = ""
    duration_minutes: int = 45
    language: str = "en"


@dataclass(frozen=True)
class ValidatedSkill:
    name: str  # canonical name, e.g. "React"
    original: str  # what the request said, e.g. "reactjs"; "" when inferred
    status: str  # "VALID" | "INFERRED" | "UNKNOWN"
    category: str = ""  # e.g. "frontend", "database"; "" when unknown


@dataclass(frozen=True)
class SkillValidation:
    skills: list[ValidatedSkill]
    # When no usable skill is left the interview cannot be planned: ok is False
    # and reason says why (shown to the ATS with INFO_NEEDED).
    ok: bool
    reason: str = ""

    @property
    def valid(self) -> list[ValidatedSkill]:
        return [s for s in self.skills if s.status in ("VALID", "INFERRED")]

    @property
    def unknown(self) -> list[ValidatedSkill]:
        return [s for s in self.skills if s.status == "UNKNOWN"]


@dataclass(frozen=True)
class Concept:
    name: str
    synonyms: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class Rubric:
    concepts: list[Concept]
    score_1: str  # what a poor answer looks like
    score_3: str  # an adequate answer
    score_5: str  # an excellent answer


@dataclass(frozen=True)
class PlannedQuestion:
    key: str  # stable id from the bank (or generated), e.g. "react-senior-2"
    skill: str  # canonical skill name, or "Behavioral" / "System Design"
    kind: str  # "technical" | "behavioral" | "system_design"
    difficulty: str  # one of LEVELS
    text: str
    rubric: Rubric
    minutes: int


@dataclass(frozen=True)
class Plan:
    questions: list[PlannedQuestion]
    duration_minutes: int
    summary: str = ""


@dataclass(frozen=True)
class Turn:
    """One exchange of the transcript, as the engine sees it."""

    question_index: int  # index into Plan.questions
    kind: str  # "main" | "followup"
    question_text: str
    answer_text: str
    # ISO 8601 times the question was put and answered ("" when unknown), and
    # the share of a spoken answer's transcript the candidate edited (None
    # when not recorded); read by :mod:`interviews.agents.concerns`.
    asked_at: str = ""
    answered_at: str = ""
    edit_ratio: float | None = None


@dataclass(frozen=True)
class NextMove:
    action: str  # "question" | "followup" | "complete"
    question_index: int | None = None  # which plan question (for question / followup)
    text: str = ""  # what to say: the question, the follow-up, or the closing message


@dataclass(frozen=True)
class IntegrityEvent:
    event: str  # "tab_hidden" | "paste" | "focus_lost" | ...
    at: str  # ISO 8601 timestamp
    question_index: int | None = None  # the planned question on screen, when known
    detail: dict = field(default_factory=dict)  # e.g. {"chars": 642} for a paste


@dataclass(frozen=True)
class Flag:
    """Something a recruiter should look at, with when and for how long; never a verdict."""

    kind: str  # "paste" | "fast_typing" | "away" | "fast_answer" | "edited_transcript"
    at: str  # ISO 8601 timestamp
    message: str
    question_index: int | None = None
    seconds: float | None = None  # how long (time away), when it applies


@dataclass(frozen=True)
class QuestionScore:
    question_index: int
    question_key: str
    skill: str
    score: int  # 1..5
    matched_concepts: list[str]
    missing_concepts: list[str]
    evidence: list[str]  # verbatim quotes from the candidate's answers
    rationale: str
    points: float = 0.0  # 0..100; ``score`` is the band it falls in (policy.SCORE_BANDS)
    needs_review: bool = False  # a person should read the answer
    review_reasons: list[str] = field(default_factory=list)  # policy.REVIEW_REASONS codes
    prompted_concepts: list[str] = field(default_factory=list)  # matched only in the follow-up answer


@dataclass(frozen=True)
class Assessment:
    question_scores: list[QuestionScore]
    skill_scores: dict[str, float]  # skill -> average 1..5
    overall: int  # 0..100
    recommendation: str  # STRONG_HIRE | HIRE | LEAN_NO_HIRE | NO_HIRE
    strengths: list[str]
    concerns: list[str]
    integrity_flags: list[IntegrityEvent]
    summary: str = ""
    flags: list[Flag] = field(default_factory=list)


def to_dict(obj) -> dict:
    """Plain JSON-ready dict of any engine dataclass."""
    return asdict(obj)


class Engine(Protocol):
    name: str
    # True when every step is plain computation (no model call, microseconds):
    # the live interview then decides the next move in line with the answer
    # instead of in a background job. Engines that leave it out are not quick.
    quick: bool

    def validate_skills(self, request: InterviewRequest) -> SkillValidation: ...

    def plan(
        self,
        request: InterviewRequest,
        validation: SkillValidation,
        *,
        feedback: str = "",
        version: int = 1,
    ) -> Plan: ...

    def next_turn(self, plan: Plan, turns: list[Turn]) -> NextMove: ...

    def assess(self, plan: Plan, turns: list[Turn], integrity: list[IntegrityEvent]) -> Assessment: ...

    def rephrase(self, question: PlannedQuestion, asked: str, *, attempt: int = 1) -> str:
        """Another wording of ``asked`` (the planned ``question`` or its follow-up), same meaning.

        ``attempt`` counts the rephrasings of this turn (1, 2): each one should
        differ from the wordings before it.
        """
        ...


# The app stores plans, validations and assessments as JSON (the output of
# ``to_dict``); these rebuild the frozen dataclasses so engines always work on
# typed objects, whichever process produced the JSON.


def _concept_from_dict(d: dict) -> Concept:
    return Concept(name=d["name"], synonyms=list(d.get("synonyms") or []))


def _rubric_from_dict(d: dict) -> Rubric:
    return Rubric(
        concepts=[_concept_from_dict(c) for c in d.get("concepts") or []],
        score_1=d.get("score_1", ""),
        score_3=d.get("score_3", ""),
        score_5=d.get("score_5", ""),
    )


def plan_from_dict(d: dict) -> Plan:
    """Rebuild a :class:`Plan` from ``to_dict(plan)``."""
    return Plan(
        questions=[
            PlannedQuestion(
                key=q["key"],
                skill=q["skill"],
                kind=q["kind"],
                difficulty=q["difficulty"],
                text=q["text"],
                rubric=_rubric_from_dict(q["rubric"]),
                minutes=int(q["minutes"]),
            )
            for q in d.get("questions") or []
        ],
        duration_minutes=int(d["duration_minutes"]),
        summary=d.get("summary", ""),
    )


def validation_from_dict(d: dict) -> SkillValidation:
    """Rebuild a :class:`SkillValidation` from ``to_dict(validation)``."""
    return SkillValidation(
        skills=[
            ValidatedSkill(
                name=s["name"],
                original=s.get("original", ""),
                status=s["status"],
                category=s.get("category", ""),
            )
            for s in d.get("skills") or []
        ],
        ok=bool(d["ok"]),
        reason=d.get("reason", ""),
    )


def band_middle(score: int) -> float:
    """The middle points of a 1..5 score's band (1 -> 10, 3 -> 50, 5 -> 90)."""
    return 10.0 + 20.0 * (min(5, max(1, score)) - 1)


def assessment_from_dict(d: dict) -> Assessment:
    """Rebuild an :class:`Assessment` from ``to_dict(assessment)``."""
    return Assessment(
        question_scores=[
            QuestionScore(
                question_index=int(q["question_index"]),
                question_key=q["question_key"],
                skill=q["skill"],
                score=int(q["score"]),
                matched_concepts=list(q.get("matched_concepts") or []),
                missing_concepts=list(q.get("missing_concepts") or []),
                evidence=list(q.get("evidence") or []),
                rationale=q.get("rationale", ""),
                points=float(q["points"]) if q.get("points") is not None else band_middle(int(q["score"])),
                needs_review=bool(q.get("needs_review", False)),
                review_reasons=list(q.get("review_reasons") or []),
                prompted_concepts=list(q.get("prompted_concepts") or []),
            )
            for q in d.get("question_scores") or []
        ],
        skill_scores={k: float(v) for k, v in (d.get("skill_scores") or {}).items()},
        overall=int(d["overall"]),
        recommendation=d["recommendation"],
        strengths=list(d.get("strengths") or []),
        concerns=list(d.get("concerns") or []),
        integrity_flags=[
            IntegrityEvent(
                event=e["event"],
                at=e["at"],
                question_index=e.get("question_index"),
                detail=dict(e.get("detail") or {}),
            )
            for e in d.get("integrity_flags") or []
        ],
        summary=d.get("summary", ""),
        flags=[Flag(**f) for f in d.get("flags") or []],
    )

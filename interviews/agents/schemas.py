"""What the language model must answer, as pydantic models.

Each model mirrors the part of an engine dataclass (``interviews.agents.base``)
that the model is asked to produce; everything the engine can compute itself
(question keys, per-skill averages, the overall score, the recommendation) is
left out, so the model cannot get it wrong.

The JSON schema sent to the provider keeps to types, enums and required
fields, which every structured-output implementation understands (OpenAI
strict mode, Anthropic, Ollama, OpenAI-compatible servers). Ranges and
lengths are checked by the validators below instead of schema keywords such
as ``minLength`` that some providers reject; a reply that breaks them fails
validation and gets one repair attempt (see ``interviews.agents.llm``).
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

from interviews.agents.policy import REVIEW_REASONS

Level = Literal["JUNIOR", "MID", "SENIOR", "LEAD", "PRINCIPAL"]
Kind = Literal["technical", "behavioral", "system_design"]

MIN_CONCEPTS = 3
MAX_CONCEPTS = 6
MAX_QUESTIONS = 15
MAX_FOLLOWUP_CHARS = 600
MAX_QUESTION_CHARS = 1000


class _Reply(BaseModel):
    # Unknown keys are an error, not silently dropped: a model that invents
    # fields has probably misread the task, and the repair prompt says so.
    model_config = ConfigDict(extra="forbid")


def _stripped(value: str, field: str, *, max_chars: int | None = None, required: bool = True) -> str:
    value = value.strip()
    if required and not value:
        raise ValueError(f"{field} must not be empty")
    if max_chars is not None and len(value) > max_chars:
        raise ValueError(f"{field} must be at most {max_chars} characters")
    return value


# --- validate_skills ------------------------------------------------------------


class SkillVerdict(_Reply):
    original: str = Field(
        description='The entry exactly as listed; "" for a skill taken from the job description.'
    )
    name: str = Field(description="Canonical skill name, e.g. React, PostgreSQL, Kubernetes.")
    status: Literal["VALID", "INFERRED", "UNKNOWN"]
    category: str = Field(description='One lowercase word such as frontend, backend or database; or "".')

    @field_validator("name")
    @classmethod
    def _name(cls, value: str) -> str:
        return _stripped(value, "name", max_chars=60)


class SkillReview(_Reply):
    skills: list[SkillVerdict]


# --- plan -----------------------------------------------------------------------


class ConceptDraft(_Reply):
    name: str = Field(description="A short phrase a good answer would mention, e.g. 'index selectivity'.")
    synonyms: list[str] = Field(description="1 to 5 other words or phrases for the same idea.")

    @field_validator("name")
    @classmethod
    def _name(cls, value: str) -> str:
        return _stripped(value, "concept name", max_chars=80)

    @field_validator("synonyms")
    @classmethod
    def _synonyms(cls, value: list[str]) -> list[str]:
        cleaned = [s.strip() for s in value if s.strip()]
        if not 1 <= len(cleaned) <= 5:
            raise ValueError("each concept needs 1 to 5 non-empty synonyms")
        return cleaned


class RubricDraft(_Reply):
    concepts: list[ConceptDraft] = Field(description="3 to 6 concepts a strong answer covers.")
    score_1: str = Field(description="What a poor answer looks like.")
    score_3: str = Field(description="What an adequate answer looks like.")
    score_5: str = Field(description="What an excellent answer looks like.")

    @field_validator("concepts")
    @classmethod
    def _concepts(cls, value: list[ConceptDraft]) -> list[ConceptDraft]:
        if not MIN_CONCEPTS <= len(value) <= MAX_CONCEPTS:
            raise ValueError(f"a rubric needs {MIN_CONCEPTS} to {MAX_CONCEPTS} concepts, got {len(value)}")
        names = [c.name.lower() for c in value]
        if len(set(names)) != len(names):
            raise ValueError("concept names must be different from each other")
        return value

    @field_validator("score_1", "score_3", "score_5")
    @classmethod
    def _levels(cls, value: str, info) -> str:
        return _stripped(value, info.field_name, max_chars=600)


class QuestionDraft(_Reply):
    skill: str = Field(description="One of the request's skill names, or 'Behavioral' or 'System Design'.")
    kind: Kind
    difficulty: Level
    text: str = Field(description="The question, as the interviewer will say it.")
    minutes: int = Field(description="Minutes planned for the question and its follow-ups, 3 to 12.")
    rubric: RubricDraft

    @field_validator("skill")
    @classmethod
    def _skill(cls, value: str) -> str:
        return _stripped(value, "skill", max_chars=60)

    @field_validator("text")
    @classmethod
    def _text(cls, value: str) -> str:
        return _stripped(value, "text", max_chars=MAX_QUESTION_CHARS)

    @field_validator("minutes")
    @classmethod
    def _minutes(cls, value: int) -> int:
        if not 1 <= value <= 60:
            raise ValueError("minutes must be between 1 and 60")
        return value


class PlanDraft(_Reply):
    summary: str = Field(description="Two sentences for the recruiter: what the interview covers and why.")
    questions: list[QuestionDraft]

    @field_validator("summary")
    @classmethod
    def _summary(cls, value: str) -> str:
        return _stripped(value, "summary", max_chars=1000, required=False)

    @field_validator("questions")
    @classmethod
    def _questions(cls, value: list[QuestionDraft]) -> list[QuestionDraft]:
        if not 1 <= len(value) <= MAX_QUESTIONS:
            raise ValueError(f"a plan needs 1 to {MAX_QUESTIONS} questions, got {len(value)}")
        return value


# --- next_turn --------------------------------------------------------------------


class InterviewerDecision(_Reply):
    action: Literal["followup", "next"] = Field(
        description="'followup' to ask one more question on the same topic, 'next' to move on."
    )
    followup: str = Field(description="The follow-up question when action is 'followup'; otherwise ''.")

    @field_validator("followup")
    @classmethod
    def _followup(cls, value: str, info) -> str:
        value = _stripped(value, "followup", max_chars=MAX_FOLLOWUP_CHARS, required=False)
        if info.data.get("action") == "followup" and not value:
            raise ValueError("followup must hold the question when action is 'followup'")
        return value


# --- assess -------------------------------------------------------------------------


class QuestionAssessment(_Reply):
    question_index: int = Field(description="The question's index from the questions block.")
    score: int = Field(description="1 (poor) to 5 (excellent), against the question's rubric.")
    matched_concepts: list[str] = Field(description="Names of the rubric concepts the answers really cover.")
    evidence: list[str] = Field(
        description="Up to 3 short quotes copied character for character from the candidate's answers."
    )
    rationale: str = Field(description="One or two sentences explaining the score.")
    points: int | None = Field(
        description="0 to 100 inside the score's band (1: 0-19, 2: 20-39, 3: 40-59, 4: 60-79, 5: 80-100), "
        "or null to let the platform use the band's middle."
    )
    needs_review: bool = Field(description="True when a person should read the answer before it is trusted.")
    review_reasons: list[str] = Field(
        description="Why, as codes: " + ", ".join(REVIEW_REASONS) + ". Empty when there is nothing to flag."
    )

    @field_validator("score")
    @classmethod
    def _score(cls, value: int) -> int:
        if not 1 <= value <= 5:
            raise ValueError("score must be between 1 and 5")
        return value

    @field_validator("points")
    @classmethod
    def _points(cls, value: int | None) -> int | None:
        if value is not None and not 0 <= value <= 100:
            raise ValueError("points must be between 0 and 100, or null")
        return value

    @field_validator("review_reasons")
    @classmethod
    def _reasons(cls, value: list[str]) -> list[str]:
        # Unknown codes are dropped rather than failing the whole assessment.
        given = {v.strip().lower() for v in value}
        return [r for r in REVIEW_REASONS if r in given]

    @field_validator("question_index")
    @classmethod
    def _index(cls, value: int) -> int:
        if value < 0:
            raise ValueError("question_index must not be negative")
        return value

    @field_validator("rationale")
    @classmethod
    def _rationale(cls, value: str) -> str:
        return _stripped(value, "rationale", max_chars=1000)


class AssessmentDraft(_Reply):
    questions: list[QuestionAssessment] = Field(description="One entry per question in the questions block.")
    strengths: list[str] = Field(description="Up to 5 short strengths shown by the answers.")
    concerns: list[str] = Field(description="Up to 5 short concerns raised by the answers.")
    summary: str = Field(description="Two or three sentences for the recruiter.")

    @field_validator("strengths", "concerns")
    @classmethod
    def _notes(cls, value: list[str]) -> list[str]:
        return [s.strip()[:300] for s in value if s.strip()][:5]

    @field_validator("summary")
    @classmethod
    def _summary(cls, value: str) -> str:
        return _stripped(value, "summary", max_chars=1500, required=False)

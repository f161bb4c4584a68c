"""Input and output shapes of the A2A interview API (camelCase on the wire)."""

from __future__ import annotations

import re

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from interview_platform.api import FieldsBuiltOnce, StrictCharField
from interviews.agents.base import band_middle
from webhooks.transport import UnsafeUrl, check_url

from .models import DataQuality, Level, State
from .recordings import answers_of

LANGUAGE_RE = re.compile(r"^[A-Za-z]{2,3}(-[A-Za-z0-9]{2,8})*$")


class SkillsField(serializers.ListField):
    default_error_messages = {
        "not_a_list": 'Must be a list of skill names, e.g. ["Python", "PostgreSQL"].',
        "max_length": "At most {max_length} skills.",
    }

    def __init__(self, **kwargs):
        super().__init__(child=StrictCharField(max_length=100, allow_blank=False), max_length=30, **kwargs)

    def to_internal_value(self, data):
        if isinstance(data, str) or not isinstance(data, list):
            self.fail("not_a_list", input_type=type(data).__name__)
        cleaned = super().to_internal_value(data)
        # Keep the ATS's order, drop exact repeats (case-insensitive).
        seen, unique = set(), []
        for skill in cleaned:
            if skill.lower() not in seen:
                seen.add(skill.lower())
                unique.append(skill)
        return unique


class LevelField(serializers.ChoiceField):
    def __init__(self, **kwargs):
        super().__init__(choices=Level.choices, **kwargs)
        self.error_messages["invalid_choice"] = f"Unknown level. Use one of: {', '.join(Level.values)}."

    def to_internal_value(self, data):
        if isinstance(data, str):
            data = data.strip().upper()
        return super().to_internal_value(data)


class CallbackUrlField(serializers.URLField):
    def to_internal_value(self, data):
        if not isinstance(data, str):
            self.fail("invalid")
        value = super().to_internal_value(data.strip())
        if not value.lower().startswith(("http://", "https://")):
            raise serializers.ValidationError("Must be an http:// or https:// URL.")
        try:
            check_url(value)
        except UnsafeUrl as exc:
            raise serializers.ValidationError(str(exc)) from None
        return value


# The request fields, wire name -> model field. All optional at the API level:
# a missing required one puts the interview in INFO_NEEDED instead of a 400.
FIELD_MAP = {
    "candidateName": "candidate_name",
    "candidateEmail": "candidate_email",
    "position": "position",
    "level": "level",
    "skills": "skills",
    "jobDescription": "job_description",
    "callbackUrl": "callback_url",
    "externalId": "external_id",
    "durationMinutes": "duration_minutes",
    "language": "language",
}
REQUIRED_FIELDS = ("candidateName", "candidateEmail", "position", "level", "skills", "jobDescription")


class InterviewRequestIn(FieldsBuiltOnce):
    candidateName = StrictCharField(max_length=200, required=False, allow_blank=True, allow_null=True)
    candidateEmail = serializers.EmailField(max_length=254, required=False, allow_blank=True, allow_null=True)
    position = StrictCharField(max_length=200, required=False, allow_blank=True, allow_null=True)
    level = LevelField(required=False, allow_blank=True, allow_null=True)
    skills = SkillsField(required=False, allow_null=True)
    jobDescription = StrictCharField(
        max_length=10000, required=False, allow_blank=True, allow_null=True, trim_whitespace=True
    )
    callbackUrl = CallbackUrlField(max_length=2000, required=False, allow_blank=True, allow_null=True)
    externalId = StrictCharField(max_length=200, required=False, allow_blank=True, allow_null=True)
    durationMinutes = serializers.IntegerField(min_value=15, max_value=180, required=False, allow_null=True)
    language = StrictCharField(max_length=16, required=False, allow_blank=True, allow_null=True)

    def validate_candidateEmail(self, value):
        return value.lower() if value else value

    def validate_language(self, value):
        if value and not LANGUAGE_RE.match(value):
            raise serializers.ValidationError("Must be a language tag such as 'en' or 'pt-BR'.")
        return value

    def to_internal_value(self, data):
        if not isinstance(data, dict):
            raise serializers.ValidationError({"nonFieldErrors": "The body must be a JSON object."})
        # Integers only: JSON true/1.5/"45" are mistakes worth reporting.
        duration = data.get("durationMinutes")
        if duration is not None and (isinstance(duration, bool) or not isinstance(duration, int)):
            raise serializers.ValidationError({"durationMinutes": "Must be a whole number of minutes."})
        return super().to_internal_value(data)

    def model_values(self) -> dict:
        """Only the fields the caller sent, as model field values (None -> empty)."""
        values = {}
        for wire, field in FIELD_MAP.items():
            if wire in self.validated_data:
                value = self.validated_data[wire]
                if value is None:
                    value = [] if wire == "skills" else ("" if wire != "durationMinutes" else None)
                if value is not None:
                    values[field] = value
        return values


class CreatedOut(serializers.Serializer):
    runId = serializers.UUIDField()
    interviewId = serializers.UUIDField()
    state = serializers.ChoiceField(choices=State.choices)
    message = serializers.CharField()
    dataQuality = serializers.ChoiceField(choices=DataQuality.choices)
    missingFields = serializers.ListField(child=serializers.CharField(), required=False)


class HistoryOut(serializers.Serializer):
    state = serializers.CharField()
    at = serializers.DateTimeField()


class StatusOut(serializers.Serializer):
    runId = serializers.UUIDField()
    interviewId = serializers.UUIDField()
    externalId = serializers.CharField(allow_blank=True)
    state = serializers.ChoiceField(choices=State.choices)
    dataQuality = serializers.CharField()
    missingFields = serializers.ListField(child=serializers.CharField())
    infoReason = serializers.CharField(allow_blank=True)
    planId = serializers.UUIDField(allow_null=True)
    interviewLink = serializers.URLField(allow_null=True)
    assessmentId = serializers.UUIDField(allow_null=True)
    updatedAt = serializers.DateTimeField()
    erasedAt = serializers.DateTimeField(
        allow_null=True, help_text="When the candidate's personal data was erased; null if it was not"
    )
    history = HistoryOut(many=True)


class RubricOut(serializers.Serializer):
    concepts = serializers.ListField(child=serializers.DictField())
    score1 = serializers.CharField(source="score_1")
    score3 = serializers.CharField(source="score_3")
    score5 = serializers.CharField(source="score_5")


class QuestionOut(serializers.Serializer):
    id = serializers.IntegerField()
    position = serializers.IntegerField()
    key = serializers.CharField()
    skill = serializers.CharField()
    kind = serializers.CharField()
    difficulty = serializers.CharField()
    text = serializers.CharField()
    minutes = serializers.IntegerField()
    rubric = RubricOut()


class SkillOut(serializers.Serializer):
    name = serializers.CharField()
    original = serializers.CharField(allow_blank=True)
    status = serializers.CharField()
    category = serializers.CharField(allow_blank=True)


class PlanOut(serializers.Serializer):
    planId = serializers.UUIDField(source="id")
    runId = serializers.UUIDField(source="interview.run_id")
    version = serializers.IntegerField()
    engine = serializers.CharField()
    summary = serializers.CharField()
    durationMinutes = serializers.IntegerField(source="duration_minutes")
    totalQuestionMinutes = serializers.SerializerMethodField()
    feedback = serializers.CharField()
    skills = serializers.SerializerMethodField()
    questions = QuestionOut(source="questions.all", many=True)
    createdAt = serializers.DateTimeField(source="created_at")

    def get_totalQuestionMinutes(self, plan) -> int:
        return plan.total_minutes

    def get_skills(self, plan) -> list[dict]:
        validation = plan.interview.skill_validation or {}
        return SkillOut(validation.get("skills", []), many=True).data


class InterviewPatchIn(InterviewRequestIn):
    pass


class QuestionScoreOut(serializers.Serializer):
    questionIndex = serializers.IntegerField()
    questionKey = serializers.CharField()
    skill = serializers.CharField()
    score = serializers.IntegerField(min_value=1, max_value=5, help_text="1-5: the band `points` falls in.")
    points = serializers.FloatField(
        min_value=0, max_value=100, help_text="0-100; bands 0-19.9 -> 1, 20-39.9 -> 2, ... 80-100 -> 5."
    )
    needsReview = serializers.BooleanField(
        help_text="A person should read the answer before trusting the score."
    )
    reviewReasons = serializers.ListField(
        child=serializers.CharField(),
        help_text="Codes: addressed_to_grader, other_language, keyword_list, negated, "
        "echoes_question, too_short, prompted.",
    )
    matchedConcepts = serializers.ListField(child=serializers.CharField())
    promptedConcepts = serializers.ListField(
        child=serializers.CharField(),
        help_text="The matched concepts first covered only in the follow-up answer (reason `prompted`); "
        "empty for the LLM engine and for assessments stored before this field existed.",
    )
    missingConcepts = serializers.ListField(child=serializers.CharField())
    evidence = serializers.ListField(
        child=serializers.CharField(), help_text="Verbatim quotes from the answers, one per matched concept."
    )
    rationale = serializers.CharField()


class FlagOut(serializers.Serializer):
    """Something to look at during the interview, with when and for how long; never a verdict."""

    kind = serializers.CharField(help_text="paste | fast_typing | away | fast_answer | edited_transcript")
    at = serializers.CharField(help_text="ISO 8601 time")
    message = serializers.CharField()
    questionIndex = serializers.IntegerField(source="question_index", allow_null=True)
    seconds = serializers.FloatField(allow_null=True, help_text="duration (time away, time to answer)")


class AnswerOut(serializers.Serializer):
    questionId = serializers.CharField()
    questionIndex = serializers.IntegerField()
    kind = serializers.CharField()
    question = serializers.CharField()
    answer = serializers.CharField()
    recordingId = serializers.UUIDField(allow_null=True, help_text="GET its audio at .../recordings/{id}")
    transcriptEdited = serializers.BooleanField(allow_null=True, help_text="null: typed, not spoken")
    transcriptEditRatio = serializers.FloatField(allow_null=True, help_text="0..1 of the characters changed")


class AssessmentOut(serializers.Serializer):
    assessmentId = serializers.UUIDField(source="id")
    runId = serializers.UUIDField(source="interview.run_id")
    engine = serializers.CharField()
    planId = serializers.UUIDField(source="plan_id")
    overall = serializers.IntegerField()
    recommendation = serializers.CharField()
    questionScores = serializers.SerializerMethodField()
    # The engine's result dict always carries these keys (engines return one dataclass shape).
    skillScores = serializers.DictField(child=serializers.FloatField(), source="result.skill_scores")
    strengths = serializers.ListField(child=serializers.CharField(), source="result.strengths")
    concerns = serializers.ListField(child=serializers.CharField(), source="result.concerns")
    integrityFlags = serializers.ListField(child=serializers.DictField(), source="result.integrity_flags")
    flags = serializers.SerializerMethodField()
    summary = serializers.CharField(source="result.summary")
    createdAt = serializers.DateTimeField(source="created_at")
    decision = serializers.SerializerMethodField()
    answers = serializers.SerializerMethodField()
    candidateQuestions = serializers.SerializerMethodField()

    def _answers(self, a) -> dict[str, list[dict]]:
        # Both fields come from one query over the interview's turns.
        if getattr(self, "_answer_rows", None) is None or self._answer_rows[0] != a.pk:
            self._answer_rows = (a.pk, answers_of(a.interview))
        return self._answer_rows[1]

    @extend_schema_field(AnswerOut(many=True))
    def get_answers(self, a) -> list[dict]:
        """Each scored answer, with the recording it was spoken in and whether its transcript was edited."""
        return self._answers(a)["answers"]

    @extend_schema_field(AnswerOut(many=True))
    def get_candidateQuestions(self, a) -> list[dict]:
        """The candidate's answer to "Do you have any questions for us?" (never scored)."""
        return self._answers(a)["candidateQuestions"]

    @extend_schema_field(FlagOut(many=True))
    def get_flags(self, a) -> list[dict]:
        # Assessments made before flags existed have none.
        return FlagOut(a.result.get("flags") or [], many=True).data

    @extend_schema_field(QuestionScoreOut(many=True))
    def get_questionScores(self, a) -> list[dict]:
        # Assessments stored before points existed show their band's middle.
        return [
            {
                "questionIndex": q["question_index"],
                "questionKey": q["question_key"],
                "skill": q["skill"],
                "score": q["score"],
                "points": q["points"] if q.get("points") is not None else band_middle(q["score"]),
                "needsReview": bool(q.get("needs_review", False)),
                "reviewReasons": list(q.get("review_reasons") or []),
                "matchedConcepts": q["matched_concepts"],
                "promptedConcepts": list(q.get("prompted_concepts") or []),
                "missingConcepts": q["missing_concepts"],
                "evidence": q["evidence"],
                "rationale": q["rationale"],
            }
            for q in a.result.get("question_scores", [])
        ]

    def get_decision(self, a) -> dict | None:
        if a.approved_at is None:
            return None
        return {
            "approvedBy": str(a.approved_by_id),
            "approvedAt": a.approved_at,
            "score": a.final_score,
            "recommendation": a.final_recommendation,
            "overridden": a.is_overridden,
            "reason": a.override_reason,
        }

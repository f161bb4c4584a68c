"""Forms of the recruiter dashboard.

They only turn what a browser sends into the values the services take; the
business rules (states, who may decide, what an override needs) live in the
services, so the API and these pages cannot disagree.
"""

from __future__ import annotations

from django import forms

from interviews.models import Assessment, Level
from interviews.serializers import FIELD_MAP

from . import plan_editing, wording

RECOMMENDATIONS = [("", "Keep the AI's recommendation")] + wording.choices(
    Assessment.Recommendation.values, "recommendation"
)


class QueueFilterForm(forms.Form):
    KIND_CHOICES = [("", "All kinds"), ("plan", "Plans"), ("assessment", "Assessments")]

    q = forms.CharField(required=False, max_length=200, label="Search candidates")
    kind = forms.ChoiceField(required=False, choices=KIND_CHOICES, label="Kind")
    position = forms.ChoiceField(required=False, choices=[], label="Position")
    level = forms.ChoiceField(required=False, choices=[("", "All levels"), *Level.choices], label="Level")

    def __init__(self, *args, positions=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["position"].choices = [("", "All positions")] + [(p, p) for p in positions]
        self.fields["q"].widget.attrs.update(placeholder="Name or email", type="search")


def parse_concepts(text: str) -> list[tuple[str, list[str]]]:
    """``"concept: synonym, synonym"`` per line -> [(concept, [synonyms])]."""
    concepts = []
    for number, line in enumerate(text.splitlines(), start=1):
        line = line.strip()
        if not line:
            continue
        name, _, rest = line.partition(":")
        name = name.strip()
        if not name:
            raise forms.ValidationError(f"Line {number} has no concept before the colon.")
        synonyms = [s.strip() for s in rest.split(",") if s.strip()]
        concepts.append((name, synonyms))
    return concepts


def format_concepts(rubric: dict) -> str:
    lines = []
    for concept in rubric.get("concepts") or []:
        synonyms = concept.get("synonyms") or []
        lines.append(f"{concept['name']}: {', '.join(synonyms)}" if synonyms else concept["name"])
    return "\n".join(lines)


class QuestionEditForm(forms.Form):
    plan_id = forms.UUIDField(widget=forms.HiddenInput)
    text = forms.CharField(
        label="Question", max_length=plan_editing.MAX_QUESTION_CHARS, widget=forms.Textarea(attrs={"rows": 3})
    )
    minutes = forms.IntegerField(
        label="Minutes", min_value=plan_editing.MIN_MINUTES, max_value=plan_editing.MAX_MINUTES
    )
    concepts = forms.CharField(
        label="Concepts",
        help_text="One per line: concept: synonym, synonym",
        widget=forms.Textarea(attrs={"rows": 4}),
    )
    score_1 = forms.CharField(
        label="Score 1 (poor)",
        max_length=plan_editing.MAX_DESCRIPTION_CHARS,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    score_3 = forms.CharField(
        label="Score 3 (adequate)",
        max_length=plan_editing.MAX_DESCRIPTION_CHARS,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    score_5 = forms.CharField(
        label="Score 5 (excellent)",
        max_length=plan_editing.MAX_DESCRIPTION_CHARS,
        widget=forms.Textarea(attrs={"rows": 2}),
    )

    @classmethod
    def for_question(cls, question, plan_id, **kwargs):
        rubric = question.rubric or {}
        initial = {
            "plan_id": plan_id,
            "text": question.text,
            "minutes": question.minutes,
            "concepts": format_concepts(rubric),
            "score_1": rubric.get("score_1", ""),
            "score_3": rubric.get("score_3", ""),
            "score_5": rubric.get("score_5", ""),
        }
        # Distinct ids per question: the page holds one form per question.
        return cls(initial=initial, auto_id=f"q{question.id}-%s", **kwargs)

    def clean_concepts(self):
        concepts = parse_concepts(self.cleaned_data["concepts"])
        if not concepts:
            raise forms.ValidationError("List at least one concept the answer should cover.")
        return concepts

    def rubric(self) -> dict:
        data = self.cleaned_data
        return plan_editing.rubric_dict(data["concepts"], data["score_1"], data["score_3"], data["score_5"])


class PlanStepForm(forms.Form):
    """Remove: which version the recruiter looked at."""

    plan_id = forms.UUIDField(widget=forms.HiddenInput)


class PlanMoveForm(PlanStepForm):
    # Required: a move without a direction is an altered page, not "down".
    direction = forms.ChoiceField(choices=[("up", "up"), ("down", "down")])


class AddQuestionForm(forms.Form):
    plan_id = forms.UUIDField(widget=forms.HiddenInput)
    skill = forms.CharField(max_length=100)
    key = forms.CharField(max_length=100, label="Question")


NO_PLAN_VERSION = (
    "Nothing was decided: the page did not say which plan version you reviewed. Reload it and try again."
)


class PlanDecisionForm(forms.Form):
    ACTIONS = [("approve", "Approve"), ("reject", "Reject"), ("regenerate", "Reject and regenerate")]

    action = forms.ChoiceField(choices=ACTIONS)
    # The version the recruiter reviewed: a decision never lands on one nobody saw.
    plan_id = forms.UUIDField(
        widget=forms.HiddenInput,
        error_messages={"required": NO_PLAN_VERSION, "invalid": NO_PLAN_VERSION},
    )
    feedback = forms.CharField(required=False, max_length=5000, widget=forms.Textarea(attrs={"rows": 3}))

    def clean(self):
        data = super().clean()
        if data.get("action") == "regenerate" and not (data.get("feedback") or "").strip():
            self.add_error("feedback", "Tell the AI what to change in the new version.")
        return data


class AssessmentDecisionForm(forms.Form):
    ACTIONS = [("approve", "Approve"), ("override", "Override")]

    action = forms.ChoiceField(choices=ACTIONS)
    score = forms.IntegerField(required=False, min_value=0, max_value=100, label="Final score (0–100)")
    recommendation = forms.ChoiceField(required=False, choices=RECOMMENDATIONS, label="Final recommendation")
    reason = forms.CharField(
        required=False,
        max_length=5000,
        label="Reason (required for an override)",
        widget=forms.Textarea(attrs={"rows": 3}),
    )

    def clean(self):
        data = super().clean()
        if data.get("action") != "override":
            return data
        if data.get("score") is None and not data.get("recommendation"):
            self.add_error("score", "Give the final score, the final recommendation, or both.")
        if not (data.get("reason") or "").strip():
            self.add_error("reason", "An override needs a reason; it is kept with the decision.")
        return data

    def overrides(self) -> dict:
        if self.cleaned_data.get("action") != "override":
            return {}
        overrides = {}
        if self.cleaned_data.get("score") is not None:
            overrides["score"] = self.cleaned_data["score"]
        if self.cleaned_data.get("recommendation"):
            overrides["recommendation"] = self.cleaned_data["recommendation"]
        return overrides


class EraseForm(forms.Form):
    """The candidate's email (or ERASE when there is none), typed to confirm an erasure."""

    confirm = forms.CharField(max_length=254, label="Type the candidate's email to confirm")

    def __init__(self, *args, interview, **kwargs):
        super().__init__(*args, **kwargs)
        self.expected = interview.candidate_email or "ERASE"
        if not interview.candidate_email:
            self.fields["confirm"].label = "Type ERASE to confirm"
        self.fields["confirm"].widget.attrs.update(autocomplete="off", spellcheck="false")

    def clean_confirm(self):
        typed = self.cleaned_data["confirm"].strip()
        if typed.lower() != self.expected.lower():
            raise forms.ValidationError(f"That is not {self._what()}; nothing was erased.")
        return typed

    def _what(self) -> str:
        return "the candidate's email" if self.expected != "ERASE" else "ERASE"


class CancelForm(forms.Form):
    reason = forms.CharField(
        required=False,
        max_length=1000,
        label="Reason (sent to the ATS)",
        widget=forms.Textarea(attrs={"rows": 2}),
    )


class RequestDetailsForm(forms.Form):
    """What an INFO_NEEDED interview lacks, as text inputs.

    Nothing is validated here: the values go through the API's own
    InterviewRequestIn serializer, so the page and PATCH accept the same input.
    """

    candidateName = forms.CharField(required=False, label="Candidate name")
    candidateEmail = forms.CharField(required=False, label="Candidate email")
    position = forms.CharField(required=False, label="Position")
    # A select for people, but a plain value for the serializer to judge.
    level = forms.CharField(
        required=False, label="Level", widget=forms.Select(choices=[("", "—"), *Level.choices])
    )
    skills = forms.CharField(
        required=False,
        label="Skills",
        help_text="One per line, or separated by commas.",
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    jobDescription = forms.CharField(
        required=False, label="Job description", widget=forms.Textarea(attrs={"rows": 5})
    )
    durationMinutes = forms.CharField(required=False, label="Duration (minutes)")

    FIELDS = (
        "candidateName",
        "candidateEmail",
        "position",
        "level",
        "skills",
        "jobDescription",
        "durationMinutes",
    )

    @classmethod
    def for_interview(cls, interview, **kwargs):
        initial = {wire: getattr(interview, FIELD_MAP[wire]) for wire in cls.FIELDS}
        initial["skills"] = "\n".join(interview.skills or [])
        return cls(initial=initial, **kwargs)

    def payload(self) -> dict:
        """The filled-in fields in the API's shape; blank ones are left as they are."""
        payload = {}
        for name in self.FIELDS:
            value = (self.cleaned_data.get(name) or "").strip()
            if not value:
                continue
            if name == "skills":
                value = [s.strip() for line in value.splitlines() for s in line.split(",") if s.strip()]
            elif name == "durationMinutes" and value.isascii() and value.isdigit():
                # The serializer wants a JSON integer; anything else is left
                # as text so it reports the mistake. ASCII only: "²" is a
                # digit to isdigit() but not to int().
                value = int(value)
            payload[name] = value
        return payload


def missing_labels(names) -> str:
    fields = RequestDetailsForm.base_fields
    return ", ".join(fields[n].label.lower() if n in fields else n for n in names or [])

"""The plan page's "Write your own question" form: a question and its rubric, written by the recruiter.

It takes the same fields an edit does (text, minutes, concepts, what a 1, 3
and 5 answer look like), plus what a new question needs: its skill and kind.
Saving goes through ``plan_editing.add_own_question``, which checks the same
rules as an edit and writes a new plan version.
"""

from __future__ import annotations

from django import forms

from interviews.agents.taxonomy import BEHAVIORAL, KINDS, SPECIAL_SKILLS, SYSTEM_DESIGN

from . import plan_editing, wording
from .forms import QuestionEditForm

SCORE_REQUIRED = "Describe what an answer with this score looks like."
TOO_LONG = "Too long: at most %(limit_value)d characters (this has %(show_value)d)."


def skill_choices(interview, questions) -> list[str]:
    """The skills a question may be about: the plan's, the validated ones, then the two special ones."""
    names: list[str] = []
    validated = (interview.skill_validation or {}).get("skills", [])
    candidates = [q.skill for q in questions]
    candidates += [s["name"] for s in validated if s.get("status") != "UNKNOWN"]
    candidates += [BEHAVIORAL, SYSTEM_DESIGN]
    for name in candidates:
        if name and name not in names:
            names.append(name)
    return names


class OwnQuestionForm(QuestionEditForm):
    kind = forms.ChoiceField(
        label="Kind",
        choices=[("", "Choose a kind"), *wording.choices(KINDS, "kind")],
        error_messages={
            "required": "Choose the kind of question.",
            "invalid_choice": "Choose one of the kinds.",
        },
    )
    skill = forms.ChoiceField(
        label="Skill",
        choices=[],
        error_messages={
            "required": "Choose the skill the question is about.",
            "invalid_choice": "Choose one of this interview's skills.",
        },
    )
    text = forms.CharField(
        label="Question",
        max_length=plan_editing.MAX_QUESTION_CHARS,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="What the candidate is asked. Text between backticks (`like this`) shows as code.",
        error_messages={
            "required": "Write the question the candidate will be asked.",
            "max_length": TOO_LONG,
        },
    )
    minutes = forms.IntegerField(
        label="Minutes",
        min_value=plan_editing.MIN_MINUTES,
        max_value=plan_editing.MAX_MINUTES,
        initial=5,
        error_messages={
            "required": "Say how many minutes the answer may take.",
            "min_value": f"At least {plan_editing.MIN_MINUTES} minute.",
            "max_value": f"At most {plan_editing.MAX_MINUTES} minutes.",
        },
    )
    concepts = forms.CharField(
        label="Concepts a good answer covers",
        help_text="One per line: concept: synonym, synonym. Answers are scored by the concepts they cover.",
        widget=forms.Textarea(attrs={"rows": 4}),
        error_messages={"required": "List at least one concept the answer should cover."},
    )

    def __init__(self, *args, skills=(), **kwargs):
        kwargs.setdefault("auto_id", "own-%s")
        super().__init__(*args, **kwargs)
        self.fields["skill"].choices = [("", "Choose a skill"), *((name, name) for name in skills)]
        for name in ("score_1", "score_3", "score_5"):
            self.fields[name].error_messages.update(required=SCORE_REQUIRED, max_length=TOO_LONG)
        self.order_fields(["plan_id", "kind", "skill", "text", "minutes", "concepts"])

    def clean(self):
        data = super().clean()
        special = SPECIAL_SKILLS.get(data.get("skill", ""))
        if special and data.get("kind") and data["kind"] != special:
            kind = wording.say(special, "kind")
            self.add_error("kind", f"A {data['skill']} question is of the kind {kind}.")
        return data

"""The dashboard's "New interview" form: the API's intake, typed by a recruiter.

The values go through the API's own ``InterviewRequestIn`` serializer, so the
form and ``POST /a2a/interview`` accept and refuse exactly the same input, with
the same messages. One difference, on purpose: a recruiter fills in everything
the planner needs at once, so the fields an ATS may leave for later (and which
would park the interview in INFO_NEEDED) are required here.
"""

from __future__ import annotations

from django import forms

from interview_platform import parsers
from interviews.models import Level
from interviews.serializers import REQUIRED_FIELDS, InterviewRequestIn

from . import wording
from .forms import RequestDetailsForm

# A key per opened form, so a double click or a resent form creates one interview.
IDEMPOTENCY_PREFIX = "dashboard-form:"


class NewInterviewForm(RequestDetailsForm):
    level = forms.CharField(
        required=False,
        label="Level",
        widget=forms.Select(choices=[("", "Choose a level"), *wording.choices(Level.values, "level")]),
    )
    skills = forms.CharField(
        required=False,
        label="Skills",
        help_text="One per line, or separated by commas: 1 to 30 skills of at most 100 characters.",
        widget=forms.Textarea(attrs={"rows": 4}),
    )
    jobDescription = forms.CharField(
        required=False,
        label="Job description",
        help_text="At most 10,000 characters. The more it says, the better the questions fit.",
        widget=forms.Textarea(attrs={"rows": 7}),
    )
    durationMinutes = forms.CharField(
        required=False,
        label="Duration (minutes)",
        help_text="15 to 180; 45 when left empty.",
        widget=forms.TextInput(attrs={"inputmode": "numeric"}),
    )
    language = forms.CharField(
        required=False, label="Language", help_text="A language tag such as en or pt-BR; en when left empty."
    )
    externalId = forms.CharField(
        required=False, label="External ID", help_text="Optional: your ATS's reference for this candidate."
    )
    callbackUrl = forms.CharField(
        required=False,
        label="Callback URL",
        help_text="Optional: where updates about this interview are sent; your default endpoint otherwise.",
    )
    form_key = forms.UUIDField(required=False, widget=forms.HiddenInput)

    FIELDS = (*RequestDetailsForm.FIELDS, "language", "externalId", "callbackUrl")
    REQUIRED_MESSAGE = "Needed to write the interview plan."
    CALLBACK_ADMINS_ONLY = "Only an admin of your organization can choose where updates are sent."

    def __init__(self, *args, can_set_callback: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        self.can_set_callback = can_set_callback
        if not can_set_callback:
            del self.fields["callbackUrl"]
        for field in self.fields.values():
            # The serializer judges the values (NUL characters included), with the API's messages.
            field.validators = []
        self.fields["candidateEmail"].widget.input_type = "email"
        self.fields["candidateEmail"].widget.attrs["autocomplete"] = "off"
        for name in REQUIRED_FIELDS:
            self.fields[name].widget.attrs["aria-required"] = "true"
            self.fields[name].label_suffix = ""

    def payload(self) -> dict:
        payload = super().payload()
        if not self.can_set_callback:
            payload.pop("callbackUrl", None)
        return payload

    def clean(self):
        data = super().clean()
        if not self.can_set_callback and (self.data.get("callbackUrl") or "").strip():
            self.add_error(None, self.CALLBACK_ADMINS_ONLY)
        payload = self.payload()
        for name in REQUIRED_FIELDS:
            if name not in payload and not self.has_error(name):
                self.add_error(name, self.REQUIRED_MESSAGE)
        try:
            # What the API's parser refuses before its serializer sees the body.
            parsers.check(payload)
        except parsers.InputProblem as problem:
            root = problem.field.split(".")[0]
            self.add_error(root if root in self.fields else None, problem.message)
            return data
        serializer = InterviewRequestIn(data=payload)
        if not serializer.is_valid():
            for field, errors in serializer.errors.items():
                target = field if field in self.fields else None
                if target is None or not self.has_error(target):
                    for message in messages_of(errors, "Skill" if field == "skills" else "Item"):
                        self.add_error(target, message)
        elif not self.errors:
            data["values"] = serializer.model_values()
            data["sent"] = payload
        return data

    def idempotency_key(self) -> str:
        key = self.cleaned_data.get("form_key")
        return f"{IDEMPOTENCY_PREFIX}{key}" if key else ""


def messages_of(errors, noun: str = "Item") -> list[str]:
    """A serializer's errors for one field as sentences; a list's items are named by their number."""
    if isinstance(errors, dict):
        return [
            f"{noun} {int(index) + 1}: {message}"
            for index, item in errors.items()
            for message in messages_of(item, noun)
        ]
    if isinstance(errors, list):
        return [message for item in errors for message in messages_of(item, noun)]
    return [str(errors)]

from __future__ import annotations

import uuid

from django.conf import settings
from django.core.files.storage import storages
from django.db import models
from django.utils import timezone

from .listing import INTERVIEW_INDEXES, Listed


class State(models.TextChoices):
    INFO_NEEDED = "INFO_NEEDED"
    VALIDATING_SKILLS = "VALIDATING_SKILLS"
    PENDING = "PENDING"
    APPROVED = "APPROVED"
    IN_PROGRESS = "IN_PROGRESS"
    ASSESSMENT_PENDING = "ASSESSMENT_PENDING"
    ASSESSMENT_APPROVED = "ASSESSMENT_APPROVED"
    REJECTED = "REJECTED"
    CANCELLED = "CANCELLED"
    EXPIRED = "EXPIRED"
    FAILED = "FAILED"


class Level(models.TextChoices):
    JUNIOR = "JUNIOR"
    MID = "MID"
    SENIOR = "SENIOR"
    LEAD = "LEAD"
    PRINCIPAL = "PRINCIPAL"


class DataQuality(models.TextChoices):
    EXCELLENT = "EXCELLENT"
    GOOD = "GOOD"
    FAIR = "FAIR"
    POOR = "POOR"


class InterviewQuerySet(models.QuerySet):
    def for_organization(self, organization_id):
        return self.filter(organization_id=organization_id)


class Interview(Listed):
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    run_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    organization = models.ForeignKey(
        "accounts.Organization", on_delete=models.PROTECT, related_name="interviews"
    )
    state = models.CharField(max_length=32, choices=State.choices, db_index=True)

    candidate_name = models.CharField(max_length=200, blank=True)
    candidate_email = models.EmailField(max_length=254, blank=True)
    position = models.CharField(max_length=200, blank=True)
    level = models.CharField(max_length=16, choices=Level.choices, blank=True)
    skills = models.JSONField(default=list, blank=True)
    job_description = models.TextField(blank=True)
    callback_url = models.URLField(max_length=2000, blank=True)
    external_id = models.CharField(max_length=200, blank=True)
    duration_minutes = models.PositiveSmallIntegerField(default=45)
    language = models.CharField(max_length=16, default="en")

    data_quality = models.CharField(max_length=16, choices=DataQuality.choices, blank=True)
    missing_fields = models.JSONField(default=list, blank=True)
    # Why the interview needs information beyond missing fields (e.g. no
    # recognised skill); shown to the ATS with INFO_NEEDED.
    info_reason = models.TextField(blank=True)
    skill_validation = models.JSONField(null=True, blank=True)
    # A recruiter's "reject and regenerate" feedback, set in the same transition
    # and read by the planner for the next plan version.
    plan_feedback = models.TextField(blank=True)

    current_plan = models.ForeignKey(
        "interviews.Plan", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    # Only the SHA-256 of the candidate's join token is kept.
    join_token_hash = models.CharField(max_length=64, blank=True, db_index=True)
    join_expires_at = models.DateTimeField(null=True, blank=True)

    # Webhook events of this interview are numbered so a receiver can order them.
    event_sequence = models.PositiveIntegerField(default=0)
    # How many times a background step has been (re)started for the current state.
    step_attempts = models.PositiveSmallIntegerField(default=0)
    # When a planner took the interview (interviews/plan_queue.py); a claim older than the
    # interview's last change, or than a stalled step, is no longer anyone's.
    planning_claimed_at = models.DateTimeField(null=True, blank=True, editable=False)

    created_by_api_key = models.ForeignKey(
        "accounts.ApiKey", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    updated_at = models.DateTimeField(default=timezone.now)

    objects = InterviewQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at"]
        indexes = INTERVIEW_INDEXES

    def __str__(self) -> str:
        return f"{self.candidate_name or 'candidate'} — {self.position or 'position'} ({self.state})"


class Plan(models.Model):
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    interview = models.ForeignKey(Interview, on_delete=models.CASCADE, related_name="plans")
    version = models.PositiveIntegerField()
    engine = models.CharField(max_length=50)
    summary = models.TextField(blank=True)
    duration_minutes = models.PositiveSmallIntegerField()
    feedback = models.TextField(blank=True, help_text="The recruiter feedback this version answers.")
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now, editable=False)

    class Meta:
        ordering = ["interview", "-version"]
        constraints = [models.UniqueConstraint(fields=["interview", "version"], name="plan_version_unique")]

    def __str__(self) -> str:
        return f"plan v{self.version} of {self.interview_id}"

    @property
    def total_minutes(self) -> int:
        """Minutes of all the plan's questions (uses prefetched questions when there are)."""
        return sum(q.minutes for q in self.questions.all())


class Question(models.Model):
    plan = models.ForeignKey(Plan, on_delete=models.CASCADE, related_name="questions")
    position = models.PositiveSmallIntegerField()
    key = models.CharField(max_length=100)
    skill = models.CharField(max_length=100)
    kind = models.CharField(max_length=20)
    difficulty = models.CharField(max_length=16)
    text = models.TextField()
    rubric = models.JSONField()
    minutes = models.PositiveSmallIntegerField()

    class Meta:
        ordering = ["plan", "position"]
        constraints = [models.UniqueConstraint(fields=["plan", "position"], name="question_position_unique")]

    def __str__(self) -> str:
        return f"{self.position + 1}. {self.text[:60]}"


class StateChange(models.Model):
    interview = models.ForeignKey(Interview, on_delete=models.CASCADE, related_name="state_changes")
    from_state = models.CharField(max_length=32, blank=True)
    to_state = models.CharField(max_length=32)
    # Who or what: a user, an API key, or the system (both null).
    actor_user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    actor_label = models.CharField(max_length=200)
    reason = models.TextField(blank=True)
    created_at = models.DateTimeField(default=timezone.now, editable=False, db_index=True)

    class Meta:
        ordering = ["interview", "created_at", "id"]

    def __str__(self) -> str:
        return f"{self.from_state or '∅'} → {self.to_state} by {self.actor_label}"


class IdempotencyRecord(models.Model):
    """What a POST with an Idempotency-Key answered, per organization."""

    organization = models.ForeignKey("accounts.Organization", on_delete=models.CASCADE, related_name="+")
    key = models.CharField(max_length=255)
    request_hash = models.CharField(max_length=64)
    response_status = models.PositiveSmallIntegerField()
    response_body = models.JSONField()
    interview = models.ForeignKey(Interview, null=True, on_delete=models.CASCADE, related_name="+")
    created_at = models.DateTimeField(default=timezone.now, editable=False)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["organization", "key"], name="idempotency_key_unique")]

    def __str__(self) -> str:
        return f"{self.key} → {self.response_status}"


class CandidateSession(models.Model):
    """What the candidate has done on their link: consent, code, device check, the live socket."""

    interview = models.OneToOneField(Interview, on_delete=models.CASCADE, related_name="candidate_session")
    consented_at = models.DateTimeField(null=True, blank=True)
    verified_at = models.DateTimeField(null=True, blank=True)
    camera_ok = models.BooleanField(null=True, blank=True)
    microphone_ok = models.BooleanField(null=True, blank=True)
    device_checked_at = models.DateTimeField(null=True, blank=True)
    device_details = models.JSONField(default=dict, blank=True)
    # The one live socket of this interview (Channels channel name).
    live_channel = models.CharField(max_length=200, blank=True)
    connected_at = models.DateTimeField(null=True, blank=True)
    started_at = models.DateTimeField(null=True, blank=True)
    completed_at = models.DateTimeField(null=True, blank=True)
    # Integrity events the browser reported past INTEGRITY_MAX_EVENTS: counted, not stored.
    integrity_events_dropped = models.PositiveIntegerField(default=0)

    def __str__(self) -> str:
        return f"candidate session of {self.interview_id}"

    @property
    def device_ok(self) -> bool:
        # No device gate: typed answers need neither camera nor microphone; the check only has to be done.
        return self.device_checked_at is not None


class Turn(models.Model):
    """One exchange of the transcript: what was asked, and what the candidate answered."""

    class Kind(models.TextChoices):
        MAIN = "main"
        FOLLOWUP = "followup"
        CLOSING = "closing"  # "Do you have any questions for us?": stored, never scored

    interview = models.ForeignKey(Interview, on_delete=models.CASCADE, related_name="turns")
    sequence = models.PositiveSmallIntegerField()
    question = models.ForeignKey(Question, null=True, on_delete=models.SET_NULL, related_name="+")
    question_index = models.PositiveSmallIntegerField()
    kind = models.CharField(max_length=16, choices=Kind.choices)
    question_text = models.TextField()
    answer_text = models.TextField(blank=True)
    asked_at = models.DateTimeField(default=timezone.now)
    answered_at = models.DateTimeField(null=True, blank=True)
    # A spoken answer: the recording whose transcript the candidate sent, and
    # whether (and how much, 0..1 of the characters) they corrected it first.
    recording = models.OneToOneField(
        "interviews.Recording", null=True, blank=True, on_delete=models.SET_NULL, related_name="answer_turn"
    )
    transcript_edited = models.BooleanField(null=True, blank=True)
    transcript_edit_ratio = models.FloatField(null=True, blank=True)
    # How many times the candidate asked for the question in other words (at most 2, then it is repeated).
    rephrasings = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["interview", "sequence"]
        constraints = [models.UniqueConstraint(fields=["interview", "sequence"], name="turn_sequence_unique")]

    def __str__(self) -> str:
        return f"turn {self.sequence} ({self.kind}) of {self.interview_id}"

    @property
    def public_id(self) -> str:
        # The socket's questionId: which turn an answer belongs to.
        return f"q{self.sequence}"


def recordings_storage():
    return storages["recordings"]


def recording_path(recording: Recording, filename: str) -> str:
    return f"{recording.interview_id}/{recording.id}{filename[filename.rfind('.') :]}"


class Recording(models.Model):
    """A spoken answer as uploaded (private storage), and its transcript once the job has run."""

    class Status(models.TextChoices):
        TRANSCRIBING = "transcribing"
        DONE = "done"
        FAILED = "failed"

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    interview = models.ForeignKey(Interview, on_delete=models.CASCADE, related_name="recordings")
    # The question it was recorded for (a candidate may re-record: several per turn).
    turn = models.ForeignKey(Turn, on_delete=models.CASCADE, related_name="recordings")
    audio = models.FileField(storage=recordings_storage, upload_to=recording_path, max_length=300, blank=True)
    content_type = models.CharField(max_length=100)
    size = models.PositiveIntegerField()
    duration_seconds = models.FloatField()
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.TRANSCRIBING)
    text = models.TextField(blank=True)
    provider = models.CharField(max_length=50, blank=True)
    error = models.TextField(blank=True)
    created_at = models.DateTimeField(default=timezone.now, editable=False, db_index=True)
    transcribed_at = models.DateTimeField(null=True, blank=True)
    # Set when the audio was deleted after RECORDING_RETENTION_DAYS; the row and transcript stay.
    deleted_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["interview", "created_at"]

    def __str__(self) -> str:
        return f"recording {self.id} ({self.status})"


class IntegrityEvent(models.Model):
    """Something the candidate's browser reported (tab hidden, paste, …): a flag, never a verdict."""

    interview = models.ForeignKey(Interview, on_delete=models.CASCADE, related_name="integrity_events")
    event = models.CharField(max_length=40)
    occurred_at = models.DateTimeField(default=timezone.now)
    question_sequence = models.PositiveSmallIntegerField(null=True, blank=True)
    detail = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["interview", "occurred_at", "id"]

    def __str__(self) -> str:
        return f"{self.event} at {self.occurred_at:%H:%M:%S}"


class Assessment(models.Model):
    class Recommendation(models.TextChoices):
        STRONG_HIRE = "STRONG_HIRE"
        HIRE = "HIRE"
        LEAN_NO_HIRE = "LEAN_NO_HIRE"
        NO_HIRE = "NO_HIRE"

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    interview = models.ForeignKey(Interview, on_delete=models.CASCADE, related_name="assessments")
    plan = models.ForeignKey(Plan, on_delete=models.PROTECT, related_name="+")
    engine = models.CharField(max_length=50)
    # The engine's full result: per-question scores with evidence, per-skill
    # averages, strengths, concerns, integrity flags.
    result = models.JSONField()
    overall = models.PositiveSmallIntegerField()
    recommendation = models.CharField(max_length=16, choices=Recommendation.choices)
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    # The recruiter's decision; overrides are kept beside the AI's values.
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    approved_at = models.DateTimeField(null=True, blank=True)
    # Empty until decided; set on approval, to the recruiter's override or the AI's value.
    decided_score = models.PositiveSmallIntegerField("final score", null=True, blank=True)
    decided_recommendation = models.CharField(
        "final recommendation", max_length=16, choices=Recommendation.choices, blank=True
    )
    override_reason = models.TextField(blank=True)

    class Meta:
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["approved_at"], name="assessment_decided_idx")]  # decision times

    def __str__(self) -> str:
        return f"assessment of {self.interview_id}: {self.overall} {self.recommendation}"

    @property
    def final_score(self) -> int:
        """The recruiter's score once decided, the AI's before."""
        return self.decided_score if self.decided_score is not None else self.overall

    @property
    def final_recommendation(self) -> str:
        return self.decided_recommendation or self.recommendation

    @property
    def is_overridden(self) -> bool:
        # An override always carries its reason; an approval as-is never does.
        return bool(self.override_reason)


from .message_models import CandidateMessage  # noqa: E402,F401  (registered with the app's models)
from .otp import CandidateEmailDevice  # noqa: E402,F401  (registered with the app's models)


class AgentStep(models.Model):
    """One call of an engine step: what ran, how long, what it cost, how it ended."""

    class Outcome(models.TextChoices):
        OK = "ok"
        REPAIRED = "repaired"  # the model's output failed validation once and was repaired
        FALLBACK = "fallback"  # the LLM failed; the heuristic engine answered instead
        FAILED = "failed"

    interview = models.ForeignKey(
        Interview, null=True, blank=True, on_delete=models.CASCADE, related_name="agent_steps"
    )
    step = models.CharField(max_length=32)  # validate_skills | plan | next_turn | assess | rephrase
    engine = models.CharField(max_length=50)
    provider = models.CharField(max_length=50, blank=True)
    model = models.CharField(max_length=200, blank=True)
    prompt_version = models.CharField(max_length=50, blank=True)
    latency_ms = models.PositiveIntegerField(default=0)
    input_tokens = models.PositiveIntegerField(null=True, blank=True)
    output_tokens = models.PositiveIntegerField(null=True, blank=True)
    outcome = models.CharField(max_length=16, choices=Outcome.choices)
    error = models.TextField(blank=True)
    created_at = models.DateTimeField(default=timezone.now, editable=False, db_index=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.step} by {self.engine} ({self.outcome}, {self.latency_ms} ms)"


from .erasure_log import Erasure, RetentionPreview  # noqa: E402,F401  (registered with the app's models)

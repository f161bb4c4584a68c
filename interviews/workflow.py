"""The interview state machine: the only code that changes Interview.state.

Each change locks the interview row, checks the move is legal, saves, writes
a StateChange row and the webhook event in the same transaction. Side effects
(jobs, socket frames, deliveries) are queued after commit by the callers
through ``interviews.effects`` and by ``webhooks.services.emit``, so nothing
leaves before the commit.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db import transaction
from django.utils import timezone

from accounts.authentication import ApiClient
from interview_platform import prepared
from interview_platform.api import WrongState
from webhooks.services import emit

from .events import EVENTS
from .models import Assessment, Interview, State, StateChange

TRANSITIONS: dict[str, set[str]] = {
    State.INFO_NEEDED: {State.VALIDATING_SKILLS, State.CANCELLED, State.EXPIRED, State.FAILED},
    State.VALIDATING_SKILLS: {State.PENDING, State.INFO_NEEDED, State.CANCELLED, State.FAILED},
    # PENDING -> VALIDATING_SKILLS is "reject and regenerate": a new plan version.
    State.PENDING: {State.APPROVED, State.REJECTED, State.VALIDATING_SKILLS, State.CANCELLED, State.FAILED},
    State.APPROVED: {State.IN_PROGRESS, State.CANCELLED, State.EXPIRED, State.FAILED},
    State.IN_PROGRESS: {State.ASSESSMENT_PENDING, State.CANCELLED, State.FAILED},
    State.ASSESSMENT_PENDING: {State.ASSESSMENT_APPROVED, State.FAILED},
    State.ASSESSMENT_APPROVED: set(),
    State.REJECTED: set(),
    State.CANCELLED: set(),
    State.EXPIRED: set(),
    State.FAILED: set(),
}

TERMINAL = frozenset(state for state, targets in TRANSITIONS.items() if not targets)
# States in which the interview waits for a recruiter's decision (the approvals queue).
WAITING = frozenset({State.PENDING, State.ASSESSMENT_PENDING})
# States entered with an assessment: the lists' score and recommendation are copied from it.
ASSESSED = frozenset({State.ASSESSMENT_PENDING, State.ASSESSMENT_APPROVED})


@dataclass(frozen=True)
class Actor:
    """Who or what caused a change: a user, an API key, or the system."""

    label: str
    user: object | None = None

    @classmethod
    def of(cls, principal) -> Actor:
        if isinstance(principal, ApiClient):
            return cls(label=f"api-key:{principal.api_key.name}")
        return cls(label=f"user:{principal.email}", user=principal)


SYSTEM = Actor(label="system")


def can_transition(from_state: str, to_state: str) -> bool:
    return to_state in TRANSITIONS.get(from_state, set())


def _record(interview: Interview, from_state: str, to_state: str, actor: Actor, reason: str) -> None:
    change = StateChange(
        interview=interview,
        from_state=from_state,
        to_state=to_state,
        actor_user=actor.user,
        actor_label=actor.label,
        reason=reason,
        created_at=interview.updated_at,
    )
    prepared.insert([change])


@transaction.atomic(savepoint=False)  # no savepoint: a failure here fails the whole intake anyway
def create(interview: Interview, state: str, *, actor: Actor, reason: str, event_data: dict | None = None):
    """Save a new interview in its first state (INFO_NEEDED or VALIDATING_SKILLS)."""
    if state not in (State.INFO_NEEDED, State.VALIDATING_SKILLS):
        raise ValueError(f"an interview cannot start in {state}")
    interview.state = state
    interview.updated_at = timezone.now()
    event_type = EVENTS.get(state)
    if event_type:
        interview.event_sequence += 1  # counted in the insert, not updated after
    prepared.insert([interview])
    _record(interview, "", state, actor, reason)
    if event_type:
        emit(interview, event_type, event_data or {}, sequence_saved=True)
    return interview


@transaction.atomic
def transition(
    interview: Interview,
    to_state: str,
    *,
    actor: Actor,
    reason: str = "",
    changes: dict | None = None,
    event: str | None = None,
    event_data: dict | None = None,
    emit_event: bool = True,
    already_locked: bool = False,
) -> Interview:
    """Move ``interview`` to ``to_state`` or raise WrongState (HTTP 409).

    ``changes`` are other fields saved in the same update; ``event`` overrides
    the default event for the target state. Returns the locked, fresh row:
    read again under its lock, unless ``already_locked`` says the caller's
    instance was read with the row locked in this transaction (so it is fresh),
    and is moved as it is.
    """
    locked = interview if already_locked else Interview.objects.select_for_update().get(pk=interview.pk)
    from_state = locked.state
    if not can_transition(from_state, to_state):
        raise WrongState(
            f"The interview is {from_state}; it cannot move to {to_state}.",
            fields={"state": from_state},
        )
    locked.state = to_state
    locked.updated_at = timezone.now()
    fields = {"state", "updated_at"}
    if to_state != from_state:
        locked.step_attempts = 0
        fields.add("step_attempts")
    for name, value in {**(changes or {}), **_listed(locked, from_state, to_state)}.items():
        setattr(locked, name, value)
        fields.add(name)
    event_type = (event or EVENTS.get(to_state)) if emit_event else None
    if event_type:
        locked.event_sequence += 1  # counted in this update, not in one of its own
        fields.add("event_sequence")
    locked.save(update_fields=sorted(fields))
    _record(locked, from_state, to_state, actor, reason)
    if event_type:
        emit(locked, event_type, event_data or {}, sequence_saved=True)
    # Keep the caller's instance in step with the database.
    for name in fields:
        setattr(interview, name, getattr(locked, name))
    return locked


def _listed(interview: Interview, from_state: str, to_state: str) -> dict:
    """The copies the recruiters' lists order by (interviews.listing), as this move leaves them."""
    listed = {}
    if to_state in WAITING and to_state != from_state:
        listed["waiting_since"] = interview.updated_at
    elif to_state not in WAITING and interview.waiting_since is not None:
        listed["waiting_since"] = None
    if to_state in ASSESSED:
        # The newest assessment, with the recruiter's final values once decided.
        assessment = Assessment.objects.filter(interview=interview).order_by("-created_at").first()
        if assessment is not None:
            listed["score"] = assessment.final_score
            listed["recommendation"] = assessment.final_recommendation
            listed["flag_count"] = len((assessment.result or {}).get("flags") or [])
    return listed


def record_event(interview: Interview, event_type: str, data: dict | None = None, *, locked: bool = False):
    """Emit an event that is not a state change (e.g. interview.completed), on the locked row.

    ``locked``: ``interview`` is the row the caller's transaction already holds
    locked (and fresh), so it is not read and locked a second time.
    """
    if locked:
        return emit(interview, event_type, data or {})
    with transaction.atomic():
        row = Interview.objects.select_for_update().get(pk=interview.pk)
        event = emit(row, event_type, data or {})
    interview.event_sequence = row.event_sequence
    return event

"""The state machine: every legal move works, every illegal one is a 409 domain error."""

import itertools

import pytest

from interview_platform.api import WrongState
from interviews import workflow
from interviews.events import EVENTS
from interviews.models import Interview, State, StateChange

pytestmark = pytest.mark.django_db

ALL = list(State.values)
LEGAL = {(a, b) for a, targets in workflow.TRANSITIONS.items() for b in targets}
ILLEGAL = sorted(set(itertools.product(ALL, ALL)) - LEGAL)


def make(org, state):
    interview = Interview.objects.create(organization=org, state=state, position="Engineer", level="MID")
    return interview


def test_every_state_has_a_row():
    assert set(workflow.TRANSITIONS) == set(ALL)
    assert {
        State.ASSESSMENT_APPROVED,
        State.REJECTED,
        State.CANCELLED,
        State.EXPIRED,
        State.FAILED,
    } == workflow.TERMINAL


@pytest.mark.parametrize("from_state, to_state", sorted(LEGAL))
def test_legal_transition_records_change_and_event(
    org, from_state, to_state, django_capture_on_commit_callbacks
):
    interview = make(org, from_state)
    with django_capture_on_commit_callbacks(execute=False):
        workflow.transition(interview, to_state, actor=workflow.SYSTEM, reason="because")
    interview.refresh_from_db()
    assert interview.state == to_state
    change = StateChange.objects.get(interview=interview)
    assert (change.from_state, change.to_state, change.actor_label, change.reason) == (
        from_state,
        to_state,
        "system",
        "because",
    )
    if to_state in EVENTS:
        event = interview.events.get()
        assert event.type == EVENTS[to_state]
        assert event.payload["state"] == to_state
        assert event.payload["data"]["sequence"] == 1


@pytest.mark.parametrize("from_state, to_state", ILLEGAL)
def test_illegal_transition_is_refused_and_changes_nothing(org, from_state, to_state):
    interview = make(org, from_state)
    with pytest.raises(WrongState) as caught:
        workflow.transition(interview, to_state, actor=workflow.SYSTEM)
    assert caught.value.status_code == 409
    interview.refresh_from_db()
    assert interview.state == from_state
    assert not StateChange.objects.filter(interview=interview).exists()
    assert not interview.events.exists()


def test_changes_and_transition_commit_together(org):
    interview = make(org, State.PENDING)
    workflow.transition(interview, State.REJECTED, actor=workflow.SYSTEM, changes={"info_reason": "x"})
    interview.refresh_from_db()
    assert interview.info_reason == "x"


def test_event_sequence_increases_per_interview(org):
    interview = make(org, State.VALIDATING_SKILLS)
    workflow.transition(interview, State.PENDING, actor=workflow.SYSTEM)
    workflow.transition(interview, State.APPROVED, actor=workflow.SYSTEM)
    workflow.transition(interview, State.CANCELLED, actor=workflow.SYSTEM)
    assert list(interview.events.order_by("sequence").values_list("sequence", "type")) == [
        (1, "interview.plan_generated"),
        (2, "interview.plan_approved"),
        (3, "interview.cancelled"),
    ]


def test_rollback_leaves_no_trace(org):
    from django.db import transaction

    interview = make(org, State.PENDING)
    with pytest.raises(RuntimeError), transaction.atomic():
        workflow.transition(interview, State.APPROVED, actor=workflow.SYSTEM)
        raise RuntimeError("boom")
    interview.refresh_from_db()
    assert interview.state == State.PENDING
    assert not StateChange.objects.exists()
    assert not interview.events.exists()


def test_a_row_the_caller_locked_is_moved_without_being_read_again(org, django_capture_on_commit_callbacks):
    from django.db import connection, transaction
    from django.test.utils import CaptureQueriesContext

    interview = make(org, State.PENDING)
    with transaction.atomic():
        locked = Interview.objects.select_for_update().get(pk=interview.pk)
        with django_capture_on_commit_callbacks(execute=False), CaptureQueriesContext(connection) as run:
            moved = workflow.transition(locked, State.APPROVED, actor=workflow.SYSTEM, already_locked=True)
    assert moved is locked and locked.state == State.APPROVED
    assert not [
        q
        for q in run.captured_queries
        if q["sql"].startswith("SELECT") and "interviews_interview" in q["sql"]
    ]
    assert Interview.objects.get(pk=interview.pk).state == State.APPROVED
    assert StateChange.objects.get(interview=interview).to_state == State.APPROVED
    with pytest.raises(WrongState):  # the rules are the same
        workflow.transition(locked, State.PENDING, actor=workflow.SYSTEM, already_locked=True)

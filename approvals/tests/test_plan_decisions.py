"""Plan decisions on the pages go through the same services as the API."""

from __future__ import annotations

import re

import pytest

from approvals.models import Approval
from interviews.models import Interview, State
from tests.pages import messages_of

pytestmark = pytest.mark.django_db


def state_of(interview) -> str:
    return Interview.objects.get(pk=interview.pk).state


def reviewed(interview, **data) -> dict:
    """A plan decision as the page sends it: with the version on the screen."""
    return {"plan_id": str(Interview.objects.get(pk=interview.pk).current_plan_id), **data}


def test_approve_shows_the_candidate_link(web, recruiter, pending, settings):
    response = web.post(
        f"/admin/interviews/{pending.run_id}/plan/decide", reviewed(pending, action="approve"), follow=True
    )
    assert response.status_code == 200
    assert state_of(pending) == State.APPROVED
    link = response.context["link"]
    assert link.startswith(f"{settings.PUBLIC_BASE_URL}/interview/join/")
    html = response.content.decode()
    assert f'value="{link}"' in html
    assert 'data-copy="candidate-link"' in html
    assert Approval.objects.get(interview=pending).decided_by == recruiter
    # The link on the page is the one the ATS was sent.
    event = Interview.objects.get(pk=pending.pk).events.get(type="interview.plan_approved")
    assert event.payload["data"]["interviewLink"] == link


def test_approve_from_the_queue(web, pending):
    response = web.post(
        f"/admin/interviews/{pending.run_id}/plan/decide", reviewed(pending, action="approve", next="queue")
    )
    assert response.status_code == 302
    assert response["Location"] == f"/admin/approvals?approved={pending.run_id}"
    page = web.get(response["Location"])
    assert page.context["approved"]["link"]
    assert 'data-testid="candidate-link"' in page.content.decode()
    assert state_of(pending) == State.APPROVED


def test_reject(web, pending):
    response = web.post(
        f"/admin/interviews/{pending.run_id}/plan/decide",
        reviewed(pending, action="reject", feedback="Position filled"),
        follow=True,
    )
    assert "Interview plan rejected." in messages_of(response)
    interview = Interview.objects.get(pk=pending.pk)
    assert interview.state == State.REJECTED
    assert interview.state_changes.last().reason == "Position filled"


def test_regenerate_needs_feedback(web, pending):
    response = web.post(
        f"/admin/interviews/{pending.run_id}/plan/decide",
        reviewed(pending, action="regenerate", feedback="  "),
        follow=True,
    )
    assert "Tell the AI what to change in the new version." in messages_of(response)
    assert state_of(pending) == State.PENDING
    assert pending.plans.count() == 1


def test_reject_and_regenerate_writes_a_new_version(web, pending, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        response = web.post(
            f"/admin/interviews/{pending.run_id}/plan/decide",
            reviewed(pending, action="regenerate", feedback="More focus on PostgreSQL please"),
        )
    assert response.status_code == 302
    interview = Interview.objects.get(pk=pending.pk)
    assert interview.state == State.PENDING
    assert interview.current_plan.version == 2
    assert interview.current_plan.feedback == "More focus on PostgreSQL please"
    assert pending.plans.count() == 2
    html = web.get(response["Location"]).content.decode()
    assert "This version answers the feedback" in html
    assert "rewritten by the AI with your feedback" in html


def test_deciding_twice_is_a_message_not_an_error(web, pending):
    web.post(f"/admin/interviews/{pending.run_id}/plan/decide", reviewed(pending, action="approve"))
    response = web.post(
        f"/admin/interviews/{pending.run_id}/plan/decide", reviewed(pending, action="reject"), follow=True
    )
    assert response.status_code == 200
    assert any("only a PENDING plan can be decided" in m for m in messages_of(response))
    assert state_of(pending) == State.APPROVED


def decision_forms(html: str, run_id) -> list[str]:
    return re.findall(
        rf'<form method="post" action="/admin/interviews/{run_id}/plan/decide".*?</form>', html, re.S
    )


def test_every_decision_form_names_the_version_on_the_screen(web, pending):
    html = web.get(f"/admin/interviews/{pending.run_id}/plan").content.decode()
    forms = decision_forms(html, pending.run_id)
    assert [re.search(r'name="action" value="(\w+)"', f).group(1) for f in forms] == [
        "approve",
        "regenerate",
        "reject",
    ]
    assert all(f'name="plan_id" value="{pending.current_plan_id}"' in f for f in forms)
    queue = web.get("/admin/approvals").content.decode()
    [quick] = decision_forms(queue, pending.run_id)
    assert f'name="plan_id" value="{pending.current_plan_id}"' in quick


@pytest.mark.parametrize(
    "data",
    [
        {"action": "approve"},
        {"action": "approve", "next": "queue"},
        {"action": "reject", "feedback": "Position filled"},
        {"action": "regenerate", "feedback": "More SQL"},
    ],
)
def test_a_decision_on_a_version_someone_changed_meanwhile_is_refused(web, org, make_user, pending, data):
    from approvals import plan_editing

    # Recruiter A has version 1 open; B moves a question, saving version 2.
    v1 = pending.current_plan
    bob = make_user(org, "bob@acme.test")
    plan_editing.move_question(bob, pending, v1.id, v1.questions.order_by("position")[0].id, 1)

    response = web.post(
        f"/admin/interviews/{pending.run_id}/plan/decide", {**data, "plan_id": str(v1.id)}, follow=True
    )
    assert response.status_code == 200
    assert "The plan changed since you opened it (now version 2). Review it again." in messages_of(response)
    interview = Interview.objects.get(pk=pending.pk)
    assert (interview.state, interview.current_plan.version) == (State.PENDING, 2)
    assert not Approval.objects.filter(interview=pending).exists()
    assert interview.plans.count() == 2  # no regeneration either
    assert not interview.events.filter(
        type__in=["interview.plan_approved", "interview.plan_rejected"]
    ).exists()

    # Decided on the version now on the screen, it goes through.
    web.post(
        f"/admin/interviews/{pending.run_id}/plan/decide", {**data, "plan_id": str(interview.current_plan_id)}
    )
    assert Approval.objects.get(interview=pending).plan_id == interview.current_plan_id


def test_the_service_checks_the_version_and_the_api_may_leave_it_out(recruiter, pending):
    from approvals import plan_editing
    from approvals.services import plan_approve

    v1 = pending.current_plan
    plan_editing.move_question(recruiter, pending, v1.id, v1.questions.order_by("position")[0].id, 1)
    with pytest.raises(plan_editing.StalePlan, match="now version 2"):
        plan_approve(recruiter, pending, expected_plan_id=v1.id)
    assert state_of(pending) == State.PENDING
    plan_approve(recruiter, pending)  # no version given: as before
    assert state_of(pending) == State.APPROVED


def test_a_decision_without_the_version_is_refused(web, pending):
    for plan_id in (None, "not-a-uuid"):
        data = {"action": "approve"} if plan_id is None else {"action": "approve", "plan_id": plan_id}
        response = web.post(f"/admin/interviews/{pending.run_id}/plan/decide", data, follow=True)
        assert any("did not say which plan version you reviewed" in m for m in messages_of(response))
    assert state_of(pending) == State.PENDING
    assert not Approval.objects.filter(interview=pending).exists()

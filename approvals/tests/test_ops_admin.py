"""The operators' admin at /ops/ shows the workflow's records but cannot delete them."""

from __future__ import annotations

import pytest

from approvals.models import Approval
from interviews.models import AgentStep, Assessment, Interview, Plan
from webhooks.models import Delivery, DeliveryStatus, Event

pytestmark = pytest.mark.django_db


def test_nothing_of_the_workflow_can_be_deleted_in_ops(ops, assessed):
    event = Event.objects.filter(interview=assessed).first()
    delivery = Delivery.objects.create(
        event=event, url="https://ats.example.com/hook", status=DeliveryStatus.FAILED
    )
    step = AgentStep.objects.create(
        interview=assessed, step="assess", engine="heuristic", outcome=AgentStep.Outcome.FALLBACK
    )
    records = {
        "interviews/interview": assessed.pk,
        "interviews/plan": assessed.current_plan_id,
        "interviews/assessment": assessed.assessments.get().pk,
        "interviews/agentstep": step.pk,
        "approvals/approval": Approval.objects.filter(interview=assessed).first().pk,
        "webhooks/event": event.pk,
        "webhooks/delivery": delivery.pk,
    }
    for model, pk in records.items():
        assert ops.get(f"/ops/{model}/{pk}/change/").status_code == 200, model
        assert ops.get(f"/ops/{model}/{pk}/delete/").status_code == 403, model
        assert ops.post(f"/ops/{model}/{pk}/delete/", {"post": "yes"}).status_code == 403, model
        assert "delete_selected" not in ops.get(f"/ops/{model}/").content.decode(), model

    assert Interview.objects.filter(pk=assessed.pk).exists()
    assert Plan.objects.filter(pk=assessed.current_plan_id).exists()
    assert Assessment.objects.filter(interview=assessed).exists()
    assert AgentStep.objects.filter(pk=step.pk).exists()
    assert Approval.objects.filter(interview=assessed).exists()
    assert Event.objects.filter(pk=event.pk).exists() and Delivery.objects.filter(pk=delivery.pk).exists()


def test_the_interview_page_offers_no_delete_of_its_inlines(ops, assessed):
    html = ops.get(f"/ops/interviews/interview/{assessed.pk}/change/").content.decode()
    assert "-DELETE" not in html
    assert f"/ops/interviews/interview/{assessed.pk}/delete/" not in html

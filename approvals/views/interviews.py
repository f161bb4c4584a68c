"""An interview's page: timeline, webhooks, cancel, missing details (the list is in ranking.py)."""

from __future__ import annotations

from django.contrib import messages
from django.db.models import Count
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse

from accounts.models import Role
from interview_platform.api import DomainError
from interviews import erasure, selectors
from interviews import services as interview_services
from interviews.models import Interview, State
from interviews.serializers import InterviewRequestIn
from interviews.workflow import can_transition
from webhooks import services as webhook_services
from webhooks.models import Delivery

from .. import wording
from ..forms import CancelForm, EraseForm, RequestDetailsForm, missing_labels
from . import candidate_mail
from .shared import dashboard_view


@dashboard_view("GET")
def interview_detail(request, run_id):
    interview = selectors.interview_for(request.user, run_id)
    return _render_detail(request, interview)


def _render_detail(request, interview, *, details_form=None, erase_form=None, status=200):
    changes = interview.state_changes.select_related("actor_user").order_by("created_at", "id")
    deliveries = (
        Delivery.objects.filter(
            event__interview=interview, event__organization_id=request.user.organization_id
        )
        .select_related("event")
        .annotate(attempts_made=Count("attempts"))
        .order_by("-created_at")
    )
    approvals = interview.approvals.select_related("decided_by").order_by("created_at")
    erased = erasure.erasure_of(interview)
    if details_form is None and interview.state == State.INFO_NEEDED:
        details_form = RequestDetailsForm.for_interview(interview)
    link = selectors.interview_link(interview)
    return render(
        request,
        "dashboard/interview_detail.html",
        {
            "interview": interview,
            "changes": changes,
            "deliveries": deliveries,
            "approvals": approvals,
            "assessment": selectors.latest_assessment(interview),
            "agent_steps": selectors.agent_step_summary(interview),
            "link": link,
            "timeline": candidate_mail.timeline(interview, changes),
            "can_resend": candidate_mail.can_resend(interview, link),
            "can_cancel": can_transition(interview.state, State.CANCELLED),
            "cancel_form": CancelForm(),
            "details_form": details_form,
            "finished": webhook_services.FINISHED,
            "manages_webhooks": _manages_webhooks(request.user),
            "erasure": erased,
            "can_erase": request.user.role == Role.ADMIN and erased is None,
            "erase_form": erase_form or EraseForm(interview=interview),
            "section": "interviews",
        },
        status=status,
    )


@dashboard_view("POST")
def interview_erase(request, run_id):
    """An ADMIN erases the candidate's personal data, after typing the candidate's email."""
    interview = selectors.interview_for(request.user, run_id)
    if request.user.role != Role.ADMIN:
        messages.error(request, "Only an admin of your organization can erase a candidate's data.")
        return redirect("dashboard:interview", run_id=interview.run_id)
    if erasure.erasure_of(interview) is not None:
        messages.info(request, "The candidate's personal data was already erased.")
        return redirect("dashboard:interview", run_id=interview.run_id)
    form = EraseForm(request.POST, interview=interview)
    if not form.is_valid():
        messages.error(request, "Nothing was erased: the confirmation did not match.")
        return _render_detail(request, interview, erase_form=form, status=400)
    erasure.erase(request.user, interview.run_id)
    messages.success(request, "The candidate's personal data was erased and the ATS notified.")
    return redirect("dashboard:interview", run_id=interview.run_id)


@dashboard_view("POST")
def interview_cancel(request, run_id):
    interview = selectors.interview_for(request.user, run_id)
    form = CancelForm(request.POST)
    if not form.is_valid():
        messages.error(request, "The reason is too long.")
        return redirect("dashboard:interview", run_id=interview.run_id)
    try:
        interview_services.cancel(request.user, interview.run_id, form.cleaned_data["reason"].strip())
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, "The interview was cancelled and the ATS notified.")
    return redirect("dashboard:interview", run_id=interview.run_id)


@dashboard_view("POST")
def interview_complete(request, run_id):
    """Fill in what an INFO_NEEDED interview lacks, validated by the API's own serializer."""
    interview = selectors.interview_for(request.user, run_id)
    form = RequestDetailsForm(request.POST)
    form.is_valid()  # text fields only: always valid, the serializer judges the values
    payload = form.payload()
    if not payload:
        messages.error(request, "Fill in at least one of the missing fields.")
        return redirect("dashboard:interview", run_id=interview.run_id)
    serializer = InterviewRequestIn(data=payload)
    if not serializer.is_valid():
        for field, errors in serializer.errors.items():
            target = field if field in form.fields else None
            for error in errors if isinstance(errors, list) else [errors]:
                form.add_error(target, str(error))
        messages.error(request, "Some values need correcting.")
        return _render_detail(request, interview, details_form=form, status=400)
    try:
        interview = interview_services.complete_request(
            request.user, interview.run_id, serializer.model_values()
        )
    except DomainError as exc:
        messages.error(request, exc.message)
        return redirect("dashboard:interview", run_id=interview.run_id)
    if interview.missing_fields:
        messages.warning(request, f"Saved. Still missing: {missing_labels(interview.missing_fields)}.")
    elif Interview.objects.filter(pk=interview.pk, state=State.PENDING).exists():
        # Planning can finish before this response (jobs run inline in tests and small setups).
        messages.success(request, "Saved. The interview plan is ready for your review.")
    else:
        messages.success(request, "Saved. The skills are being validated and a plan will follow.")
    return redirect("dashboard:interview", run_id=interview.run_id)


def _manages_webhooks(user) -> bool:
    # As in the webhook API: endpoints, delivery URLs and errors, and
    # redelivery are for the organization's admins.
    return user.role == Role.ADMIN


@dashboard_view("POST")
def delivery_redeliver(request, run_id, delivery_id):
    interview = selectors.interview_for(request.user, run_id)
    delivery = get_object_or_404(
        Delivery,
        id=delivery_id,
        event__interview=interview,
        event__organization_id=request.user.organization_id,
    )
    back = reverse("dashboard:interview", args=[interview.run_id]) + "#deliveries"
    if not _manages_webhooks(request.user):
        messages.error(request, "Only an admin of your organization can redeliver webhooks.")
        return redirect(back)
    try:
        new = webhook_services.redeliver(delivery)
    except DomainError as exc:
        messages.error(request, getattr(exc, "message", str(exc)))
    else:
        messages.success(
            request, f"“{wording.say(delivery.event.type, 'event')}” is being sent again to {new.url}."
        )
    return redirect(back)

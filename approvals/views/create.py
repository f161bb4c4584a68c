"""A recruiter requests an interview from the dashboard, as an ATS does through the API."""

from __future__ import annotations

import uuid

from django.contrib import messages
from django.shortcuts import redirect, render

from accounts.models import Role
from interview_platform.api import DomainError
from interviews import services as interview_services
from interviews.models import Interview, State

from ..intake_form import NewInterviewForm
from .shared import dashboard_view


@dashboard_view("GET", "POST")
def interview_new(request):
    """The intake form; on success the interview goes the API's way: skill check, plan, approval."""
    can_set_callback = request.user.role == Role.ADMIN
    if request.method != "POST":
        form = NewInterviewForm(initial={"form_key": uuid.uuid4()}, can_set_callback=can_set_callback)
        return _render(request, form)
    form = NewInterviewForm(request.POST, can_set_callback=can_set_callback)
    if not form.is_valid():
        messages.error(request, "The interview was not created; see what needs correcting below.")
        return _render(request, form, status=400)
    data = form.cleaned_data
    try:
        # The organization is the signed-in recruiter's: nothing in the form can name another.
        _, body = interview_services.request_interview(
            request.user, data["values"], data["sent"], form.idempotency_key()
        )
    except DomainError as exc:
        # The same form sent again with other values: it already created an interview.
        form.add_error(None, f"{exc.message} Open a new form to request another interview.")
        return _render(request, form, status=400)
    interview = Interview.objects.for_organization(request.user.organization_id).get(run_id=body["runId"])
    name = interview.candidate_name
    if interview.state == State.PENDING:
        # Planning can finish before this response (jobs run inline in small setups).
        messages.success(request, f"Interview requested for {name}. The plan is ready for your review.")
        return redirect("dashboard:plan", run_id=interview.run_id)
    if interview.state == State.INFO_NEEDED:
        messages.warning(request, f"Interview requested for {name}, but the plan needs more: see below.")
    elif interview.state == State.FAILED:
        messages.error(request, f"Interview requested for {name}, but the plan could not be written.")
    else:
        messages.success(
            request, f"Interview requested for {name}. The skills are being checked and a plan will follow."
        )
    return redirect("dashboard:interview", run_id=interview.run_id)


def _render(request, form, *, status: int = 200):
    return render(request, "dashboard/interview_new.html", {"form": form, "section": "new"}, status=status)

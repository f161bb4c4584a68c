"""Approving an assessment from the queue: a page that shows what the ATS will receive, then
the decision itself (a POST with the page's CSRF token, through the same service as the API)."""

from __future__ import annotations

from django import forms
from django.conf import settings
from django.contrib import messages
from django.shortcuts import redirect, render
from django.urls import reverse

from interview_platform.api import DomainError
from interviews import selectors
from interviews.models import State

from .. import services
from ..glance import RECOMMENDATION_WORDS, at_a_glance
from .assessments import _timing
from .shared import dashboard_view

STALE = "The assessment changed since this page was opened. Check what will be sent and confirm again."


class ConfirmForm(forms.Form):
    # The assessment the recruiter was shown: a decision never lands on one nobody saw.
    assessment_id = forms.UUIDField(widget=forms.HiddenInput)


@dashboard_view("GET", "POST")
def assessment_confirm(request, run_id):
    interview = selectors.interview_for(request.user, run_id)
    assessment = selectors.latest_assessment(interview)
    if interview.state != State.ASSESSMENT_PENDING or assessment is None:
        messages.info(request, "This assessment is not waiting for a decision.")
        return redirect("dashboard:assessment", run_id=interview.run_id)
    if request.method == "POST":
        return _approve(request, interview, assessment)
    report_url = settings.PUBLIC_BASE_URL + reverse("dashboard:report", args=[interview.run_id])
    context = {
        "interview": interview,
        "assessment": assessment,
        "glance": at_a_glance(assessment),
        "timing": _timing(interview),
        "form": ConfirmForm(initial={"assessment_id": assessment.id}),
        "report_url": report_url,
        "section": "queue",
    }
    return render(request, "dashboard/assessment_confirm.html", context)


def _approve(request, interview, assessment):
    form = ConfirmForm(request.POST)
    if not form.is_valid() or form.cleaned_data["assessment_id"] != assessment.id:
        messages.error(request, STALE)
        return redirect("dashboard:assessment-confirm", run_id=interview.run_id)
    try:
        services.assessment_approve(request.user, interview)
    except DomainError as exc:
        messages.error(request, exc.message)
        return redirect("dashboard:assessment", run_id=interview.run_id)
    name = interview.candidate_name or "the candidate"
    words = RECOMMENDATION_WORDS.get(assessment.recommendation, assessment.recommendation).lower()
    messages.success(
        request,
        f"Assessment of {name} approved: {assessment.overall}/100, {words}. The ATS has been notified.",
    )
    return redirect("dashboard:queue")

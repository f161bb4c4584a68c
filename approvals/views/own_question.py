"""Plan review: a question the recruiter writes, with its rubric, saved as a new plan version."""

from __future__ import annotations

from django.contrib import messages
from django.shortcuts import redirect

from interview_platform.api import DomainError, WrongState
from interviews import selectors

from .. import plan_editing
from ..own_question import OwnQuestionForm, skill_choices
from .plans import plan_url, render_plan
from .shared import dashboard_view


@dashboard_view("POST")
def question_write(request, run_id):
    interview = selectors.interview_for(request.user, run_id)
    questions = list(interview.current_plan.questions.all()) if interview.current_plan_id else []
    form = OwnQuestionForm(request.POST, skills=skill_choices(interview, questions))
    if not form.is_valid():
        messages.error(request, "The question was not added; see what needs correcting below.")
        return render_plan(request, interview, own_form=form, status=400)
    data = form.cleaned_data
    try:
        plan = plan_editing.add_own_question(
            request.user,
            interview,
            data["plan_id"],
            skill=data["skill"],
            kind=data["kind"],
            text=data["text"],
            rubric=form.rubric(),
            minutes=data["minutes"],
        )
    except (plan_editing.StalePlan, WrongState) as exc:
        # Someone saved another version, or the plan was decided: the page is out of date.
        messages.error(request, exc.message)
        return redirect(plan_url(interview, "write-question"))
    except DomainError as exc:
        for field, error in exc.fields.items():
            form.add_error(field if field in form.fields else None, str(error))
        messages.error(request, exc.message)
        return render_plan(request, interview, own_form=form, status=400)
    count = plan.questions.count()
    messages.success(request, f"Your question was added. Saved as plan version {plan.version}.")
    return redirect(plan_url(interview, f"question-{count}"))

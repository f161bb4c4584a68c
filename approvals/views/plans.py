"""Plan review: versions, question edits from the page or the bank, and the decision."""

from __future__ import annotations

from django.contrib import messages
from django.db.models import prefetch_related_objects
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import urlencode

from interview_platform.api import DomainError
from interviews import selectors
from interviews.models import Interview, Question, State

from .. import plan_editing, services
from ..forms import AddQuestionForm, PlanDecisionForm, PlanMoveForm, PlanStepForm, QuestionEditForm
from ..own_question import OwnQuestionForm, skill_choices
from .shared import dashboard_view

DECISIONS = {
    "approve": services.plan_approve,
    "reject": services.plan_reject,
    "regenerate": services.plan_regenerate,
}


@dashboard_view("GET")
def plan_review(request, run_id):
    interview = selectors.interview_for(request.user, run_id)
    return render_plan(request, interview, version=request.GET.get("version"))


def render_plan(
    request, interview, *, version=None, bound_form=None, bound_question=None, own_form=None, status=200
):
    versions = list(interview.plans.select_related("created_by").order_by("-version"))
    plan = next((p for p in versions if p.id == interview.current_plan_id), versions[0] if versions else None)
    if version:
        plan = next((p for p in versions if str(p.version) == version), None)
        if plan is None:
            raise Http404
    if plan:
        prefetch_related_objects([plan], "questions")  # in position order (the model's ordering)
    questions = list(plan.questions.all()) if plan else []
    is_current = plan is not None and plan.id == interview.current_plan_id
    editable = is_current and interview.state == State.PENDING
    total_minutes = plan.total_minutes if plan else 0
    skills = (interview.skill_validation or {}).get("skills", [])
    edit_forms = {}
    if editable:
        edit_forms = {q.id: QuestionEditForm.for_question(q, plan.id) for q in questions}
        if bound_form is not None and bound_question in edit_forms:
            # Show the recruiter's input again, with what needs fixing.
            edit_forms[bound_question] = bound_form
    context = {
        "interview": interview,
        "plan": plan,
        "versions": versions,
        "is_current": is_current,
        "editable": editable,
        "questions": questions,
        "edit_forms": edit_forms,
        "open_question": bound_question,
        "total_minutes": total_minutes,
        "over_minutes": total_minutes - plan.duration_minutes if plan else 0,
        "spare_minutes": max(0, plan.duration_minutes - total_minutes) if plan else 0,
        "section": "queue" if interview.state == State.PENDING else "interviews",
        "skills": skills,
        "link": selectors.interview_link(interview),
    }
    if editable:
        context.update(_bank_context(request, interview, skills, questions))
        context["own_form"] = own_form or OwnQuestionForm(
            initial={"plan_id": plan.id}, skills=skill_choices(interview, questions)
        )
    return render(request, "dashboard/plan.html", context, status=status)


def _bank_context(request, interview, skills, questions) -> dict:
    """The 'add a question from the bank' picker: the interview's skills first."""
    in_bank = plan_editing.bank_skills()
    own = [s["name"] for s in skills if s.get("status") != "UNKNOWN" and s["name"] in in_bank]
    own += [name for name in ("Behavioral", "System Design") if name in in_bank and name not in own]
    others = [name for name in in_bank if name not in own]
    chosen = request.GET.get("skill", "")
    if chosen not in in_bank:
        chosen = own[0] if own else (in_bank[0] if in_bank else "")
    used = {q.key for q in questions}
    level = interview.level
    options = sorted(
        (q for q in plan_editing.bank_questions(chosen) if q.key not in used),
        # The interview's level first; the bank order otherwise.
        key=lambda q: q.difficulty != level,
    )
    return {"bank_own": own, "bank_others": others, "bank_skill": chosen, "bank_options": options}


def plan_url(interview, anchor: str = "") -> str:
    return reverse("dashboard:plan", args=[interview.run_id]) + (f"#{anchor}" if anchor else "")


def _plan_edit(request, run_id, form_class, apply, success: str, anchor: str = "questions"):
    """Remove, move or add: small forms of hidden fields, so an invalid one is a stale or altered page."""
    interview = selectors.interview_for(request.user, run_id)
    form = form_class(request.POST)
    if not form.is_valid():
        messages.error(request, "Nothing was saved: the form was incomplete. Reload the page and try again.")
        return redirect(plan_url(interview, anchor))
    try:
        plan = apply(interview, form)
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, f"{success} Saved as plan version {plan.version}.")
    return redirect(plan_url(interview, anchor))


@dashboard_view("POST")
def question_edit(request, run_id, question_id):
    interview = selectors.interview_for(request.user, run_id)
    form = QuestionEditForm(request.POST, auto_id=f"q{question_id}-%s")
    if form.is_valid():
        position = (
            Question.objects.filter(id=question_id, plan__interview=interview)
            .values_list("position", flat=True)
            .first()
        )
        try:
            plan = plan_editing.edit_question(
                request.user,
                interview,
                form.cleaned_data["plan_id"],
                question_id,
                text=form.cleaned_data["text"],
                rubric=form.rubric(),
                minutes=form.cleaned_data["minutes"],
            )
        except plan_editing.StalePlan as exc:
            messages.error(request, exc.message)
            return redirect(plan_url(interview, "questions"))
        except DomainError as exc:
            for field, error in exc.fields.items():
                form.add_error(field if field in form.fields else None, str(error))
            messages.error(request, exc.message)
        else:
            messages.success(request, f"Question updated. Saved as plan version {plan.version}.")
            return redirect(plan_url(interview, f"question-{(position or 0) + 1}"))
    else:
        messages.error(request, "The question was not saved; see what needs correcting below.")
    return render_plan(request, interview, bound_form=form, bound_question=question_id, status=400)


@dashboard_view("POST")
def question_remove(request, run_id, question_id):
    return _plan_edit(
        request,
        run_id,
        PlanStepForm,
        lambda interview, form: plan_editing.remove_question(
            request.user, interview, form.cleaned_data["plan_id"], question_id
        ),
        "Question removed.",
    )


@dashboard_view("POST")
def question_move(request, run_id, question_id):
    return _plan_edit(
        request,
        run_id,
        PlanMoveForm,
        lambda interview, form: plan_editing.move_question(
            request.user,
            interview,
            form.cleaned_data["plan_id"],
            question_id,
            -1 if form.cleaned_data["direction"] == "up" else 1,
        ),
        "Question moved.",
    )


@dashboard_view("POST")
def question_add(request, run_id):
    return _plan_edit(
        request,
        run_id,
        AddQuestionForm,
        lambda interview, form: plan_editing.add_bank_question(
            request.user,
            interview,
            form.cleaned_data["plan_id"],
            form.cleaned_data["skill"],
            form.cleaned_data["key"],
        ),
        "Question added from the bank.",
        anchor="add-question",
    )


@dashboard_view("POST")
def plan_decide(request, run_id):
    interview = selectors.interview_for(request.user, run_id)
    form = PlanDecisionForm(request.POST)
    # The queue's quick decisions come back to the queue; nothing else is a valid target.
    back_to_queue = request.POST.get("next") == "queue"
    if not form.is_valid():
        for errors in form.errors.values():
            messages.error(request, " ".join(errors))
        return redirect("dashboard:queue" if back_to_queue else plan_url(interview, "decide"))
    action = form.cleaned_data["action"]
    try:
        decision = DECISIONS[action](
            request.user,
            interview,
            feedback=form.cleaned_data["feedback"].strip(),
            expected_plan_id=form.cleaned_data["plan_id"],
        )
    except DomainError as exc:
        messages.error(request, exc.message)
        return redirect("dashboard:queue" if back_to_queue else plan_url(interview))
    name = interview.candidate_name or "the candidate"
    if action == "approve":
        messages.success(request, f"Plan approved for {name}. Send the candidate link below.")
        if back_to_queue:
            return redirect(reverse("dashboard:queue") + "?" + urlencode({"approved": interview.run_id}))
    elif action == "regenerate" and Interview.objects.filter(pk=interview.pk, state=State.PENDING).exists():
        # Planning can finish before this response (jobs run inline in tests and small setups).
        messages.success(request, "Plan rejected. The new version, written with your feedback, is below.")
    else:
        messages.success(request, decision.message)
    if back_to_queue:
        return redirect("dashboard:queue")
    return redirect(plan_url(interview))

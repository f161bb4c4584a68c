"""The recruiter dashboard: the approvals queue, plan and assessment review, interviews.

Every view starts from ``request.user.organization_id``: interviews are loaded
with ``interviews.selectors.interview_for`` (another organization's interview
is a 404, exactly like a missing one) and lists are filtered by organization
before anything else. Decisions call the same services as the API.
"""

from __future__ import annotations

import contextlib
import uuid
from functools import wraps

from django.contrib import messages
from django.contrib.auth.views import redirect_to_login
from django.core.paginator import Paginator
from django.db.models import Count, F, IntegerField, OuterRef, Q, Subquery, Sum
from django.db.models.functions import Coalesce
from django.http import Http404, HttpResponseNotAllowed, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.http import urlencode
from django.views.decorators.cache import never_cache

from accounts.models import Role
from interview_platform.api import DomainError
from interviews import selectors
from interviews import services as interview_services
from interviews.models import Assessment, Interview, Question, State, StateChange, Turn
from interviews.serializers import InterviewRequestIn
from interviews.workflow import can_transition
from webhooks import services as webhook_services
from webhooks.models import Delivery

from . import plan_editing, services
from .forms import (
    AddQuestionForm,
    AssessmentDecisionForm,
    CancelForm,
    InterviewFilterForm,
    PlanDecisionForm,
    PlanMoveForm,
    PlanStepForm,
    QuestionEditForm,
    QueueFilterForm,
    RequestDetailsForm,
    missing_labels,
)

PAGE_SIZE = 25
WAITING = (State.PENDING, State.ASSESSMENT_PENDING)
KIND_STATES = {"plan": State.PENDING, "assessment": State.ASSESSMENT_PENDING}


def dashboard_view(*methods: str):
    """Signed-in members of an organization only; other methods are a 405.

    Anonymous visitors go to the sign-in page and come back afterwards. A
    signed-in account without an organization (an operator who signed in at
    /ops/) is told why it cannot use the dashboard instead of seeing an
    empty one.
    """
    allowed = list(methods or ("GET",))
    if "GET" in allowed:
        allowed.append("HEAD")

    def decorator(view):
        @wraps(view)
        @never_cache  # pages show candidates' data: not for the back button after sign-out
        def wrapper(request, *args, **kwargs):
            if not request.user.is_authenticated:
                return redirect_to_login(request.get_full_path())
            if not request.user.can_decide:
                return render(request, "dashboard/no_organization.html", status=403)
            if request.method not in allowed:
                return HttpResponseNotAllowed(allowed)
            return view(request, *args, **kwargs)

        return wrapper

    return decorator


# --- the queue ------------------------------------------------------------------------


def queue_counts(request) -> dict:
    """Items awaiting a decision, per kind; computed once per request (the nav shows it too)."""
    cached = getattr(request, "_queue_counts", None)
    if cached is None:
        cached = Interview.objects.for_organization(request.user.organization_id).aggregate(
            plans=Count("id", filter=Q(state=State.PENDING)),
            assessments=Count("id", filter=Q(state=State.ASSESSMENT_PENDING)),
        )
        cached["total"] = cached["plans"] + cached["assessments"]
        request._queue_counts = cached
    return cached


def waiting_items(organization_id):
    """The organization's queue, oldest first, with everything a row shows in the same query."""
    entered = (
        StateChange.objects.filter(interview=OuterRef("pk"), to_state=OuterRef("state"))
        .order_by("-created_at", "-id")
        .values("created_at")[:1]
    )
    questions = Question.objects.filter(plan=OuterRef("current_plan")).order_by()
    latest_assessment = Assessment.objects.filter(interview=OuterRef("pk")).order_by("-created_at")
    return (
        Interview.objects.for_organization(organization_id)
        .filter(state__in=WAITING)
        .select_related("current_plan")
        .annotate(
            # When it entered its current state; updated_at also moves on plan edits.
            waiting_since=Coalesce(Subquery(entered), F("updated_at")),
            question_count=Subquery(
                questions.values("plan").annotate(n=Count("id")).values("n")[:1], output_field=IntegerField()
            ),
            question_minutes=Subquery(
                questions.values("plan").annotate(m=Sum("minutes")).values("m")[:1],
                output_field=IntegerField(),
            ),
            ai_score=Subquery(latest_assessment.values("overall")[:1]),
            ai_recommendation=Subquery(latest_assessment.values("recommendation")[:1]),
        )
    )


def _newest_waiting(organization_id):
    return (
        waiting_items(organization_id)
        .order_by("-waiting_since", "-id")
        .values_list("run_id", flat=True)
        .first()
    )


def _queue_fingerprint(counts: dict, newest) -> str:
    # Counts alone miss one item leaving while another arrives; the newest id catches it.
    return f"{counts['plans']}:{counts['assessments']}:{newest or ''}"


@dashboard_view("GET")
def queue(request):
    organization_id = request.user.organization_id
    positions = (
        Interview.objects.for_organization(organization_id)
        .filter(state__in=WAITING)
        .exclude(position="")
        .order_by("position")
        .values_list("position", flat=True)
        .distinct()
    )
    form = QueueFilterForm(request.GET or None, positions=list(positions))
    items = waiting_items(organization_id)
    filters = form.cleaned_data if form.is_valid() else {}
    if filters.get("kind"):
        items = items.filter(state=KIND_STATES[filters["kind"]])
    if filters.get("position"):
        items = items.filter(position=filters["position"])
    if filters.get("level"):
        items = items.filter(level=filters["level"])
    if filters.get("q"):
        items = items.filter(
            Q(candidate_name__icontains=filters["q"]) | Q(candidate_email__icontains=filters["q"])
        )
    page = Paginator(items.order_by("waiting_since", "id"), PAGE_SIZE).get_page(request.GET.get("page"))
    counts = queue_counts(request)
    context = {
        "form": form,
        "page": page,
        "counts": counts,
        "filtered": any(filters.values()),
        "query": _query_without(request, "page", "partial", "approved"),
        "kind": filters.get("kind", ""),
        "kind_query": _query_without(request, "page", "partial", "approved", "kind"),
        "section": "queue",
        "fingerprint": _queue_fingerprint(counts, _newest_waiting(organization_id)),
        "approved": _just_approved(request),
    }
    if request.GET.get("partial"):
        # The page's poller swaps the list in place when the queue changes.
        return render(request, "dashboard/_queue_list.html", context)
    return render(request, "dashboard/queue.html", context)


def _just_approved(request):
    """After a quick approve in the queue: the interview and its candidate link."""
    run_id = request.GET.get("approved")
    if not run_id:
        return None
    try:
        interview = selectors.interview_for(request.user, run_id)
    except Http404:
        return None
    return {"interview": interview, "link": selectors.interview_link(interview)}


@dashboard_view("GET")
def queue_poll(request):
    counts = queue_counts(request)
    newest = _newest_waiting(request.user.organization_id)
    return JsonResponse(
        {
            "plans": counts["plans"],
            "assessments": counts["assessments"],
            "total": counts["total"],
            "newest": str(newest) if newest else None,
            "fingerprint": _queue_fingerprint(counts, newest),
        }
    )


def _query_without(request, *names: str) -> str:
    params = [(key, value) for key, value in request.GET.items() if key not in names and value]
    return urlencode(params)


# --- interviews -------------------------------------------------------------------------


@dashboard_view("GET")
def interview_list(request):
    form = InterviewFilterForm(request.GET or None)
    interviews = Interview.objects.for_organization(request.user.organization_id).select_related(
        "current_plan"
    )
    filters = form.cleaned_data if form.is_valid() else {}
    if filters.get("state"):
        interviews = interviews.filter(state=filters["state"])
    if filters.get("q"):
        q = filters["q"].strip()
        condition = (
            Q(candidate_name__icontains=q)
            | Q(candidate_email__icontains=q)
            | Q(position__icontains=q)
            | Q(external_id__iexact=q)
        )
        with contextlib.suppress(ValueError):  # a run ID pasted into the search box
            condition |= Q(run_id=uuid.UUID(q))
        interviews = interviews.filter(condition)
    page = Paginator(interviews.order_by("-updated_at", "-id"), PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "dashboard/interviews.html",
        {
            "form": form,
            "page": page,
            "query": _query_without(request, "page"),
            "filtered": any(filters.values()),
            "section": "interviews",
        },
    )


def _latest_assessment(interview):
    return interview.assessments.select_related("approved_by").order_by("-created_at").first()


@dashboard_view("GET")
def interview_detail(request, run_id):
    interview = selectors.interview_for(request.user, run_id)
    return _render_detail(request, interview)


def _render_detail(request, interview, *, details_form=None, status=200):
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
    if details_form is None and interview.state == State.INFO_NEEDED:
        details_form = RequestDetailsForm.for_interview(interview)
    return render(
        request,
        "dashboard/interview_detail.html",
        {
            "interview": interview,
            "changes": changes,
            "deliveries": deliveries,
            "approvals": approvals,
            "assessment": _latest_assessment(interview),
            "agent_steps": selectors.agent_step_summary(interview),
            "link": selectors.interview_link(interview),
            "can_cancel": can_transition(interview.state, State.CANCELLED),
            "cancel_form": CancelForm(),
            "details_form": details_form,
            "finished": webhook_services.FINISHED,
            "manages_webhooks": _manages_webhooks(request.user),
            "section": "interviews",
        },
        status=status,
    )


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
    except (DomainError, ValueError) as exc:  # NotFinished is a ValueError
        messages.error(request, getattr(exc, "message", str(exc)))
    else:
        messages.success(request, f"{delivery.event.type} is being sent again to {new.url}.")
    return redirect(back)


# --- plan review --------------------------------------------------------------------------


@dashboard_view("GET")
def plan_review(request, run_id):
    interview = selectors.interview_for(request.user, run_id)
    return _render_plan(request, interview, version=request.GET.get("version"))


def _render_plan(request, interview, *, version=None, bound_form=None, bound_question=None, status=200):
    versions = list(interview.plans.select_related("created_by").order_by("-version"))
    plan = next((p for p in versions if p.id == interview.current_plan_id), versions[0] if versions else None)
    if version:
        plan = next((p for p in versions if str(p.version) == version), None)
        if plan is None:
            raise Http404
    questions = list(plan.questions.order_by("position")) if plan else []
    is_current = plan is not None and plan.id == interview.current_plan_id
    editable = is_current and interview.state == State.PENDING
    total_minutes = sum(q.minutes for q in questions)
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


def _plan_url(interview, anchor: str = "") -> str:
    return reverse("dashboard:plan", args=[interview.run_id]) + (f"#{anchor}" if anchor else "")


def _plan_edit(request, run_id, form_class, apply, success: str, anchor: str = "questions"):
    """Remove, move or add: small forms of hidden fields, so an invalid one is a stale or altered page."""
    interview = selectors.interview_for(request.user, run_id)
    form = form_class(request.POST)
    if not form.is_valid():
        messages.error(request, "Nothing was saved: the form was incomplete. Reload the page and try again.")
        return redirect(_plan_url(interview, anchor))
    try:
        plan = apply(interview, form)
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, f"{success} Saved as plan version {plan.version}.")
    return redirect(_plan_url(interview, anchor))


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
            return redirect(_plan_url(interview, "questions"))
        except DomainError as exc:
            for field, error in exc.fields.items():
                form.add_error(field if field in form.fields else None, str(error))
            messages.error(request, exc.message)
        else:
            messages.success(request, f"Question updated. Saved as plan version {plan.version}.")
            return redirect(_plan_url(interview, f"question-{(position or 0) + 1}"))
    else:
        messages.error(request, "The question was not saved; see what needs correcting below.")
    return _render_plan(request, interview, bound_form=form, bound_question=question_id, status=400)


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
        return redirect("dashboard:queue" if back_to_queue else _plan_url(interview, "decide"))
    action = form.cleaned_data["action"]
    feedback = form.cleaned_data["feedback"].strip()
    try:
        decision = services.decide_plan(
            request.user,
            interview,
            approved=action == "approve",
            feedback=feedback,
            regenerate=action == "regenerate",
            expected_plan_id=form.cleaned_data["plan_id"],
        )
    except DomainError as exc:
        messages.error(request, exc.message)
        return redirect("dashboard:queue" if back_to_queue else _plan_url(interview))
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
    return redirect(_plan_url(interview))


# --- assessment review ----------------------------------------------------------------------


def _assessment_context(interview) -> dict:
    assessment = _latest_assessment(interview)
    if assessment is None:
        return {"interview": interview, "assessment": None}
    result = assessment.result or {}
    scores = {s.get("question_index"): s for s in result.get("question_scores", [])}
    questions = list(Question.objects.filter(plan_id=assessment.plan_id).order_by("position"))
    turns: dict[int, list[Turn]] = {}
    question_of_turn: dict[int, int] = {}
    for turn in interview.turns.order_by("sequence"):
        turns.setdefault(turn.question_index, []).append(turn)
        question_of_turn[turn.sequence] = turn.question_index + 1
    rows = [
        {"index": index, "question": q, "turns": turns.pop(index, []), "score": scores.get(index)}
        for index, q in enumerate(questions)
    ]
    # Turns that point past the plan (should not happen) are still shown, never hidden.
    for index in sorted(turns):
        rows.append({"index": index, "question": None, "turns": turns[index], "score": scores.get(index)})
    skill_scores = sorted((result.get("skill_scores") or {}).items())
    overridden = bool(assessment.override_reason)
    return {
        "interview": interview,
        "assessment": assessment,
        "result": result,
        "rows": rows,
        "skill_scores": [
            {"skill": k, "score": v, "percent": round(float(v) / 5 * 100)} for k, v in skill_scores
        ],
        "integrity": [
            {"event": e, "question": question_of_turn.get(e.question_sequence)}
            for e in interview.integrity_events.order_by("occurred_at", "id")
        ],
        "final_score": assessment.final_overall
        if assessment.final_overall is not None
        else assessment.overall,
        "final_recommendation": assessment.final_recommendation or assessment.recommendation,
        "overridden": overridden,
    }


@dashboard_view("GET")
def assessment_review(request, run_id):
    interview = selectors.interview_for(request.user, run_id)
    context = _assessment_context(interview)
    context["decision_form"] = AssessmentDecisionForm()
    context["decidable"] = interview.state == State.ASSESSMENT_PENDING and context["assessment"] is not None
    context["section"] = "queue" if context["decidable"] else "interviews"
    return render(request, "dashboard/assessment.html", context)


@dashboard_view("POST")
def assessment_decide(request, run_id):
    interview = selectors.interview_for(request.user, run_id)
    form = AssessmentDecisionForm(request.POST)
    # The queue's quick decisions come back to the queue; nothing else is a valid target.
    back_to_queue = request.POST.get("next") == "queue"
    if not form.is_valid():
        if back_to_queue:
            messages.error(request, "The decision could not be saved; review the assessment.")
            return redirect("dashboard:queue")
        context = _assessment_context(interview)
        context.update(decision_form=form, decidable=interview.state == State.ASSESSMENT_PENDING)
        messages.error(request, "The decision needs correcting.")
        return render(request, "dashboard/assessment.html", context, status=400)
    try:
        services.decide_assessment(
            request.user,
            interview,
            approved=True,
            overrides=form.overrides(),
            feedback=form.cleaned_data["reason"].strip(),
        )
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        name = interview.candidate_name or "the candidate"
        what = "overridden and approved" if form.overrides() else "approved"
        messages.success(request, f"Assessment of {name} {what}. The ATS has been notified.")
    if back_to_queue:
        return redirect("dashboard:queue")
    return redirect("dashboard:assessment", run_id=interview.run_id)


@dashboard_view("GET")
def report(request, run_id):
    interview = selectors.interview_for(request.user, run_id)
    context = _assessment_context(interview)
    if context["assessment"] is None:
        raise Http404("This interview has no assessment yet.")
    context["section"] = "interviews"
    return render(request, "dashboard/report.html", context)

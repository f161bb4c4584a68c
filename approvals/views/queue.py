"""The approvals queue: plans and assessments awaiting a decision, and its poller."""

from __future__ import annotations

from django.core.paginator import Paginator
from django.db.models import Count, F, IntegerField, OuterRef, Q, Subquery, Sum
from django.db.models.functions import Coalesce
from django.http import Http404, JsonResponse
from django.shortcuts import render

from interviews import selectors
from interviews.models import Assessment, Interview, Question, State, StateChange

from ..forms import QueueFilterForm
from .shared import PAGE_SIZE, WAITING, dashboard_view, query_without

KIND_STATES = {"plan": State.PENDING, "assessment": State.ASSESSMENT_PENDING}


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
    # The subquery form of selectors.latest_assessment, one per row.
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


def _filtered_items(organization_id, filters: dict):
    items = waiting_items(organization_id)
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
    return items.order_by("waiting_since", "id")


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
    filters = form.cleaned_data if form.is_valid() else {}
    items = _filtered_items(organization_id, filters)
    page = Paginator(items, PAGE_SIZE).get_page(request.GET.get("page"))
    counts = queue_counts(request)
    context = {
        "form": form,
        "page": page,
        "counts": counts,
        "filtered": any(filters.values()),
        "query": query_without(request, "page", "partial", "approved"),
        "kind": filters.get("kind", ""),
        "kind_query": query_without(request, "page", "partial", "approved", "kind"),
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

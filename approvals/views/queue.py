"""The approvals queue: plans and assessments awaiting a decision, and its poller."""

from __future__ import annotations

from django.db.models import Count, F, IntegerField, Max, OuterRef, Q, Subquery, Sum
from django.db.models.functions import Cast
from django.http import Http404, HttpResponseNotModified, JsonResponse
from django.shortcuts import render
from django.utils.http import parse_etags

from interviews import selectors
from interviews.models import Interview, Question, State

from .. import ranking
from ..forms import QueueFilterForm
from ..paging import KnownCountPaginator
from .shared import PAGE_SIZE, dashboard_view, query_without

KIND_STATES = {"plan": State.PENDING, "assessment": State.ASSESSMENT_PENDING}
KIND_COUNTS = {"plan": "plans", "assessment": "assessments"}


def _waiting(organization_id):
    # ``waiting_since`` is set exactly while an interview waits (workflow.transition):
    # this filter is the one the queue's partial index covers.
    return Interview.objects.for_organization(organization_id).filter(waiting_since__isnull=False)


def _queue_summary(request) -> dict:
    """Counts per kind and the queue's change marker, in one aggregate; once per request."""
    cached = getattr(request, "_queue_summary", None)
    if cached is None:
        cached = _waiting(request.user.organization_id).aggregate(
            plans=Count("id", filter=Q(state=State.PENDING)),
            assessments=Count("id", filter=Q(state=State.ASSESSMENT_PENDING)),
            changed=Max("updated_at"),
        )
        request._queue_summary = cached
    return cached


def queue_counts(request) -> dict:
    """Items awaiting a decision, per kind (the nav shows them on every page)."""
    summary = _queue_summary(request)
    return {
        "plans": summary["plans"],
        "assessments": summary["assessments"],
        "total": summary["plans"] + summary["assessments"],
    }


def queue_fingerprint(request) -> str:
    """Changes whenever an item arrives, leaves or is edited: an arrival or an edit moves the
    newest ``updated_at``; a departure lowers a count."""
    summary = _queue_summary(request)
    changed = summary["changed"]
    stamp = int(changed.timestamp() * 1_000_000) if changed else 0
    return f"{summary['plans']}-{summary['assessments']}-{stamp}"


def waiting_items(organization_id):
    """The organization's queue, oldest first, with everything a row shows in the same query."""
    questions = Question.objects.filter(plan=OuterRef("current_plan")).order_by()
    return (
        _waiting(organization_id)
        .select_related("current_plan")
        .annotate(
            question_count=Subquery(
                questions.values("plan").annotate(n=Count("id")).values("n")[:1], output_field=IntegerField()
            ),
            question_minutes=Subquery(
                questions.values("plan").annotate(m=Sum("minutes")).values("m")[:1],
                output_field=IntegerField(),
            ),
            # The assessment's values, as the workflow copied them onto the interview
            # (scores are whole numbers, kept in a float column).
            ai_score=Cast("score", output_field=IntegerField()),
            ai_recommendation=F("recommendation"),
        )
        .order_by("waiting_since", "id")
    )


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
    return items


def _known_count(counts: dict, filters: dict) -> int | None:
    """The queue's length from the counts already read, when only the kind narrows it."""
    if any(filters.get(name) for name in ("position", "level", "q")):
        return None
    return counts[KIND_COUNTS[filters["kind"]]] if filters.get("kind") else counts["total"]


@dashboard_view("GET")
def queue(request):
    organization_id = request.user.organization_id
    positions = ranking.positions(organization_id, waiting=True)
    form = QueueFilterForm(request.GET or None, positions=positions)
    filters = form.cleaned_data if form.is_valid() else {}
    counts = queue_counts(request)
    items = _filtered_items(organization_id, filters)
    paginator = KnownCountPaginator(items, PAGE_SIZE, count=_known_count(counts, filters))
    page = paginator.get_page(request.GET.get("page"))
    context = {
        "form": form,
        "page": page,
        "counts": counts,
        "filtered": any(filters.values()),
        "query": query_without(request, "page", "partial", "approved"),
        "kind": filters.get("kind", ""),
        "kind_query": query_without(request, "page", "partial", "approved", "kind"),
        "section": "queue",
        "fingerprint": queue_fingerprint(request),
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
    """The queue's counts, or 304 Not Modified when the page's fingerprint is still current.

    The page sends its fingerprint as If-None-Match; one indexed aggregate answers.
    """
    etag = f'"{queue_fingerprint(request)}"'
    if etag in parse_etags(request.headers.get("If-None-Match", "")):
        response = HttpResponseNotModified()
    else:
        counts = queue_counts(request)
        response = JsonResponse({**counts, "fingerprint": queue_fingerprint(request)})
    response["ETag"] = etag
    return response

"""The interviews list (filters, sortable columns, the numbers above it) and the comparison of a
position's five best candidates."""

from __future__ import annotations

from django.shortcuts import render
from django.utils.http import urlencode

from .. import ranking, stats
from ..glance import at_a_glance
from ..paging import capped_page, page_number
from .shared import PAGE_SIZE, dashboard_view, query_without

HEADER_WORDS = {
    "created": ("Created", "oldest first", "newest first"),
    "score": ("Score", "lowest first", "highest first"),
    "recommendation": ("Recommendation", "weakest first", "strongest first"),
    "state": ("State", "A to Z", "Z to A"),
}


def sort_headers(request, sort: str, direction: str) -> dict:
    """Per sortable column: the link that sorts by it (or flips it), its aria-sort and a label."""
    base = [(k, v) for k, v in request.GET.items() if k not in ("sort", "dir", "page") and v]
    headers = {}
    for key, (first_direction, _) in ranking.SORTS.items():
        current = key == sort
        next_direction = ("asc" if direction == "desc" else "desc") if current else first_direction
        title, ascending, descending = HEADER_WORDS[key]
        headers[key] = {
            "title": title,
            "url": "?" + urlencode([*base, ("sort", key), ("dir", next_direction)]),
            "aria_sort": ranking.DIRECTIONS[direction] if current else "",
            "arrow": ("↑" if direction == "asc" else "↓") if current else "",
            # Read after the column's name: "Score (sort highest first)".
            "action": f"sort {ascending if next_direction == 'asc' else descending}",
        }
    return headers


@dashboard_view("GET")
def interview_list(request):
    organization_id = request.user.organization_id
    positions = ranking.positions(organization_id)
    form = ranking.ListFilterForm(request.GET, positions=positions)
    valid = form.is_valid()
    # A bad value is reported on the page; the other filters still apply.
    filters = {name: value for name, value in form.cleaned_data.items() if value}
    sort, direction = form.sorting()
    interviews = ranking.filtered(organization_id, filters).order_by(*ranking.ordering(sort, direction))
    page = capped_page(interviews, page_number(request.GET.get("page")), PAGE_SIZE)
    narrowing = {k: v for k, v in filters.items() if k not in ("sort", "dir")}
    context = {
        "form": form,
        "page": page,
        "query": query_without(request, "page"),
        "filtered": bool(narrowing),
        "headers": sort_headers(request, sort, direction),
        "sort": sort,
        "direction": direction,
        "compare_position": filters.get("position", ""),
        "stats": stats.header(organization_id),
        "section": "interviews",
    }
    return render(request, "dashboard/interviews.html", context, status=200 if valid else 400)


def _skill_table(candidates) -> list[dict]:
    """One row per skill any of them was scored on, with each candidate's score (or None)."""
    per_candidate = []
    for interview in candidates:
        glance = at_a_glance(interview.assessment) if interview.assessment else None
        interview.glance = glance
        per_candidate.append({s["skill"]: s for s in glance["skills"]} if glance else {})
    skills = sorted({skill for scores in per_candidate for skill in scores})
    rows = []
    for skill in skills:
        cells = [scores.get(skill) for scores in per_candidate]
        best = max((c["score"] for c in cells if c), default=None)
        rows.append(
            {"skill": skill, "cells": [{"s": c, "best": bool(c) and c["score"] == best} for c in cells]}
        )
    return rows


@dashboard_view("GET")
def compare(request):
    organization_id = request.user.organization_id
    positions = ranking.positions(organization_id)
    position = request.GET.get("position", "").strip()
    known = position in positions
    candidates = ranking.top_candidates(organization_id, position) if known else []
    context = {
        "positions": positions,
        "position": position,
        "known": known,
        "candidates": candidates,
        "skill_rows": _skill_table(candidates),
        "list_url": "?" + urlencode({"position": position, "sort": "score", "dir": "desc"}) if known else "",
        "section": "interviews",
    }
    return render(request, "dashboard/compare.html", context, status=200 if known or not position else 404)

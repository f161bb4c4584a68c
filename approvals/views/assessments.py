"""Assessment review, the decision on it, and the printable report."""

from __future__ import annotations

from django.contrib import messages
from django.http import Http404
from django.shortcuts import redirect, render

from interview_platform.api import DomainError
from interviews import selectors
from interviews.agents.concerns import clock, duration
from interviews.models import Question, State, Turn

from .. import services
from ..forms import AssessmentDecisionForm
from ..glance import at_a_glance
from .review import question_review
from .shared import dashboard_view


def _answer_rows(interview, assessment, scores: dict) -> tuple[list[dict], dict[int, int], list[Turn]]:
    """One row per planned question with its turns and score; each turn's question number; and the
    candidate's closing questions (never scored, shown apart)."""
    questions = list(Question.objects.filter(plan_id=assessment.plan_id).order_by("position"))
    turns: dict[int, list[Turn]] = {}
    question_of_turn: dict[int, int] = {}
    closing: list[Turn] = []
    # The recording's row is needed for "deleted after the retention period".
    for turn in interview.turns.select_related("recording").order_by("sequence"):
        if turn.kind == Turn.Kind.CLOSING:
            closing.append(turn)
            continue
        # Time from the question to the answer, shown beside each answer.
        if turn.answered_at and turn.asked_at:
            turn.took = duration(max(0.0, (turn.answered_at - turn.asked_at).total_seconds()))
        turns.setdefault(turn.question_index, []).append(turn)
        question_of_turn[turn.sequence] = turn.question_index + 1

    def row(index: int, question: Question | None, its_turns: list[Turn]) -> dict:
        score = scores.get(index)
        return {
            "index": index,
            "question": question,
            "turns": its_turns,
            "score": score,
            "review": question_review(score),
        }

    rows = [row(index, q, turns.pop(index, [])) for index, q in enumerate(questions)]
    # Turns that point past the plan (should not happen) are still shown, never hidden.
    rows += [row(index, None, turns[index]) for index in sorted(turns)]
    return rows, question_of_turn, closing


def _timing(interview) -> dict:
    """When the interview ran and how long it took: the candidate session's start and end,
    or the first question and the last answer when the session did not record them."""
    session = getattr(interview, "candidate_session", None)
    turns = list(interview.turns.order_by("sequence"))
    started = (session.started_at if session else None) or (turns[0].asked_at if turns else None)
    answered = [t.answered_at for t in turns if t.answered_at]
    ended = (session.completed_at if session else None) or (max(answered) if answered else None)
    took = duration((ended - started).total_seconds()) if started and ended and ended >= started else ""
    return {"started": started, "ended": ended, "duration": took}


def _integrity_dropped(interview) -> int:
    """Browser events past the stored limit: not kept, but the recruiter is told how many."""
    session = getattr(interview, "candidate_session", None)
    return session.integrity_events_dropped if session else 0


def _flags(result: dict) -> list[dict]:
    return [
        {**f, "time": clock(f.get("at", "")), "took": duration(f["seconds"]) if f.get("seconds") else ""}
        for f in result.get("flags") or []
    ]


def _assessment_context(interview) -> dict:
    assessment = selectors.latest_assessment(interview)
    if assessment is None:
        return {"interview": interview, "assessment": None}
    result = assessment.result or {}
    scores = {s.get("question_index"): s for s in result.get("question_scores", [])}
    rows, question_of_turn, closing = _answer_rows(interview, assessment, scores)
    skill_scores = sorted((result.get("skill_scores") or {}).items())
    return {
        "interview": interview,
        "assessment": assessment,
        "result": result,
        "rows": rows,
        "candidate_questions": closing,
        "skill_scores": [
            {"skill": k, "score": v, "percent": round(float(v) / 5 * 100)} for k, v in skill_scores
        ],
        "integrity": [
            {"event": e, "question": question_of_turn.get(e.question_sequence)}
            for e in interview.integrity_events.order_by("occurred_at", "id")
        ],
        "integrity_dropped": _integrity_dropped(interview),
        "flags": _flags(result),
        "timing": _timing(interview),
        "glance": at_a_glance(assessment),
        "final_score": assessment.final_score,
        "final_recommendation": assessment.final_recommendation,
        "overridden": assessment.is_overridden,
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
    # Decisions taken on the assessment page; from the queue they go through the confirmation page.
    form = AssessmentDecisionForm(request.POST)
    if not form.is_valid():
        context = _assessment_context(interview)
        context.update(decision_form=form, decidable=interview.state == State.ASSESSMENT_PENDING)
        messages.error(request, "The decision needs correcting.")
        return render(request, "dashboard/assessment.html", context, status=400)
    overrides = form.overrides()
    reason = form.cleaned_data["reason"].strip()
    try:
        if overrides:
            services.assessment_override(request.user, interview, overrides=overrides, reason=reason)
        else:
            services.assessment_approve(request.user, interview, feedback=reason)
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        name = interview.candidate_name or "the candidate"
        what = "overridden and approved" if overrides else "approved"
        messages.success(request, f"Assessment of {name} {what}. The ATS has been notified.")
    return redirect("dashboard:assessment", run_id=interview.run_id)


@dashboard_view("GET")
def report(request, run_id):
    interview = selectors.interview_for(request.user, run_id)
    context = _assessment_context(interview)
    if context["assessment"] is None:
        raise Http404("This interview has no assessment yet.")
    context["section"] = "interviews"
    return render(request, "dashboard/report.html", context)

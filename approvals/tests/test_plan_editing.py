"""Editing a plan: every change is a new version, the old ones stay, only while PENDING."""

from __future__ import annotations

import pytest

from approvals import plan_editing
from approvals.services import plan_approve
from interview_platform.api import Invalid, WrongState
from interviews.models import Interview, Plan
from tests.pages import messages_of

pytestmark = pytest.mark.django_db


def snapshot(plan: Plan) -> list[tuple]:
    return list(plan.questions.order_by("position").values_list("key", "text", "minutes", "rubric"))


def edit_data(plan, **overrides):
    data = {
        "plan_id": str(plan.id),
        "text": "How would you design a rate limiter for our public API?",
        "minutes": "9",
        "concepts": "token bucket: leaky bucket, bucket\nredis: shared store\n\nsliding window",
        "score_1": "Names no algorithm.",
        "score_3": "Describes one algorithm.",
        "score_5": "Compares algorithms and covers distribution.",
    }
    data.update(overrides)
    return data


def test_editing_a_question_makes_a_new_version_and_keeps_the_old(web, recruiter, pending):
    v1 = pending.current_plan
    before = snapshot(v1)
    second = v1.questions.order_by("position")[1]
    response = web.post(f"/admin/interviews/{pending.run_id}/plan/questions/{second.id}/edit", edit_data(v1))
    assert response.status_code == 302
    assert response["Location"].endswith("/plan#question-2")

    interview = Interview.objects.get(pk=pending.pk)
    v2 = interview.current_plan
    assert (v2.version, v2.created_by, v2.engine) == (2, recruiter, v1.engine)
    assert snapshot(v1) == before  # version 1 untouched
    edited = v2.questions.get(position=1)
    assert edited.text == "How would you design a rate limiter for our public API?"
    assert edited.minutes == 9
    assert edited.key == second.key
    assert edited.rubric == {
        "concepts": [
            {"name": "token bucket", "synonyms": ["leaky bucket", "bucket"]},
            {"name": "redis", "synonyms": ["shared store"]},
            {"name": "sliding window", "synonyms": []},
        ],
        "score_1": "Names no algorithm.",
        "score_3": "Describes one algorithm.",
        "score_5": "Compares algorithms and covers distribution.",
    }
    # Every other question was copied as it was.
    others = [row for i, row in enumerate(snapshot(v2)) if i != 1]
    assert others == [row for i, row in enumerate(before) if i != 1]

    page = web.get(f"/admin/interviews/{pending.run_id}/plan").content.decode()
    assert "rate limiter" in page
    assert f"edited by {recruiter.email}" in page
    assert "?version=1" in page
    old = web.get(f"/admin/interviews/{pending.run_id}/plan?version=1").content.decode()
    assert "an earlier version" in old
    assert "rate limiter" not in old
    assert "Save as a new version" not in old  # old versions are read-only


def test_a_bad_edit_is_shown_again_with_its_errors(web, pending):
    v1 = pending.current_plan
    first = v1.questions.order_by("position")[0]
    response = web.post(
        f"/admin/interviews/{pending.run_id}/plan/questions/{first.id}/edit",
        edit_data(v1, concepts=": no name", minutes="0"),
    )
    assert response.status_code == 400
    html = response.content.decode()
    assert "Line 1 has no concept before the colon." in html
    assert "How would you design a rate limiter" in html  # the input is kept
    assert Interview.objects.get(pk=pending.pk).current_plan_id == v1.id


def test_remove_and_move(web, pending):
    v1 = pending.current_plan
    keys = [q.key for q in v1.questions.order_by("position")]
    first, second = v1.questions.order_by("position")[:2]
    web.post(
        f"/admin/interviews/{pending.run_id}/plan/questions/{first.id}/move",
        {"plan_id": str(v1.id), "direction": "down"},
    )
    v2 = Interview.objects.get(pk=pending.pk).current_plan
    assert [q.key for q in v2.questions.order_by("position")] == [keys[1], keys[0], *keys[2:]]

    moved_back = v2.questions.get(position=1)
    web.post(
        f"/admin/interviews/{pending.run_id}/plan/questions/{moved_back.id}/move",
        {"plan_id": str(v2.id), "direction": "up"},
    )
    v3 = Interview.objects.get(pk=pending.pk).current_plan
    assert [q.key for q in v3.questions.order_by("position")] == keys

    to_remove = v3.questions.get(position=0)
    web.post(
        f"/admin/interviews/{pending.run_id}/plan/questions/{to_remove.id}/remove", {"plan_id": str(v3.id)}
    )
    v4 = Interview.objects.get(pk=pending.pk).current_plan
    assert v4.version == 4
    assert [q.key for q in v4.questions.order_by("position")] == keys[1:]
    assert list(v4.questions.order_by("position").values_list("position", flat=True)) == list(
        range(len(keys) - 1)
    )
    assert Plan.objects.filter(interview=pending).count() == 4


def test_moving_past_the_end_changes_nothing(web, pending):
    v1 = pending.current_plan
    first = v1.questions.order_by("position")[0]
    response = web.post(
        f"/admin/interviews/{pending.run_id}/plan/questions/{first.id}/move",
        {"plan_id": str(v1.id), "direction": "up"},
        follow=True,
    )
    assert "already at that end" in " ".join(messages_of(response))
    assert Interview.objects.get(pk=pending.pk).current_plan_id == v1.id


def test_a_move_without_a_direction_saves_nothing(web, pending):
    v1 = pending.current_plan
    first = v1.questions.order_by("position")[0]
    url = f"/admin/interviews/{pending.run_id}/plan/questions/{first.id}/move"
    for data in ({"plan_id": str(v1.id)}, {"plan_id": str(v1.id), "direction": "sideways"}):
        response = web.post(url, data, follow=True)
        assert any("Nothing was saved" in m for m in messages_of(response))
    assert Interview.objects.get(pk=pending.pk).current_plan_id == v1.id
    assert Plan.objects.filter(interview=pending).count() == 1


def test_add_a_question_from_the_bank(web, pending):
    v1 = pending.current_plan
    used = set(v1.questions.values_list("key", flat=True))
    page = web.get(f"/admin/interviews/{pending.run_id}/plan?skill=PostgreSQL")
    options = page.context["bank_options"]
    assert options and all(q.skill == "PostgreSQL" and q.key not in used for q in options)
    assert options[0].difficulty == "SENIOR"  # the interview's level first
    assert "PostgreSQL" in page.context["bank_own"]

    choice = options[0]
    web.post(
        f"/admin/interviews/{pending.run_id}/plan/questions/add",
        {"plan_id": str(v1.id), "skill": "PostgreSQL", "key": choice.key},
    )
    v2 = Interview.objects.get(pk=pending.pk).current_plan
    added = v2.questions.order_by("position").last()
    assert (added.key, added.skill, added.text, added.minutes) == (
        choice.key,
        "PostgreSQL",
        choice.text,
        choice.minutes,
    )
    assert added.rubric["concepts"] and added.rubric["score_5"]
    assert v2.questions.count() == v1.questions.count() + 1

    # The same question twice is refused, and so is one that is not in the bank.
    for key in (choice.key, "no-such-question"):
        response = web.post(
            f"/admin/interviews/{pending.run_id}/plan/questions/add",
            {"plan_id": str(v2.id), "skill": "PostgreSQL", "key": key},
            follow=True,
        )
        assert messages_of(response), key
        assert Interview.objects.get(pk=pending.pk).current_plan_id == v2.id


def test_an_edit_on_an_outdated_version_is_refused(web, recruiter, pending):
    v1 = pending.current_plan
    first, second = v1.questions.order_by("position")[:2]
    plan_editing.remove_question(recruiter, pending, v1.id, second.id)  # someone else saved v2
    response = web.post(
        f"/admin/interviews/{pending.run_id}/plan/questions/{first.id}/edit", edit_data(v1), follow=True
    )
    assert "changed while you were editing" in " ".join(messages_of(response))
    current = Interview.objects.get(pk=pending.pk).current_plan
    assert current.version == 2
    assert "rate limiter" not in current.questions.order_by("position")[0].text


def test_a_question_of_another_version_is_refused(recruiter, pending):
    v1 = pending.current_plan
    v2 = plan_editing.move_question(recruiter, pending, v1.id, v1.questions.order_by("position")[0].id, 1)
    old_question = v1.questions.order_by("position")[0]
    with pytest.raises(plan_editing.StalePlan):
        plan_editing.remove_question(recruiter, pending, v2.id, old_question.id)


def test_edits_only_while_pending(recruiter, pending, django_capture_on_commit_callbacks):
    v1 = pending.current_plan
    with django_capture_on_commit_callbacks(execute=True):
        plan_approve(recruiter, pending)
    with pytest.raises(WrongState):
        plan_editing.remove_question(recruiter, pending, v1.id, v1.questions.first().id)
    assert Plan.objects.filter(interview=pending).count() == 1


def test_the_last_question_cannot_be_removed(recruiter, pending):
    plan = pending.current_plan
    while plan.questions.count() > 1:
        plan = plan_editing.remove_question(recruiter, pending, plan.id, plan.questions.first().id)
    with pytest.raises(Invalid):
        plan_editing.remove_question(recruiter, pending, plan.id, plan.questions.get().id)


def test_the_service_checks_what_it_saves(recruiter, pending):
    plan = pending.current_plan
    question = plan.questions.first()
    good = plan_editing.rubric_dict([("a", [])], "1", "3", "5")
    with pytest.raises(Invalid) as blank:
        plan_editing.edit_question(recruiter, pending, plan.id, question.id, text=" ", rubric=good, minutes=5)
    assert "text" in blank.value.fields
    with pytest.raises(Invalid) as no_concepts:
        plan_editing.edit_question(
            recruiter, pending, plan.id, question.id, text="Q?", rubric={**good, "concepts": []}, minutes=5
        )
    assert "concepts" in no_concepts.value.fields
    with pytest.raises(Invalid):
        plan_editing.edit_question(
            recruiter, pending, plan.id, question.id, text="Q?", rubric=good, minutes=99
        )
    assert Plan.objects.filter(interview=pending).count() == 1


def test_an_approved_plan_is_the_edited_version(web, recruiter, pending):
    v1 = pending.current_plan
    first = v1.questions.order_by("position")[0]
    web.post(f"/admin/interviews/{pending.run_id}/plan/questions/{first.id}/edit", edit_data(v1))
    v2 = Interview.objects.get(pk=pending.pk).current_plan
    response = web.post(
        f"/admin/interviews/{pending.run_id}/plan/decide", {"action": "approve", "plan_id": str(v2.id)}
    )
    assert response.status_code == 302
    interview = Interview.objects.get(pk=pending.pk)
    assert interview.state == "APPROVED"
    assert interview.current_plan.version == 2
    assert interview.approvals.get().plan_id == interview.current_plan_id
    event = interview.events.get(type="interview.plan_approved")
    assert event.payload["data"]["planId"] == str(interview.current_plan_id)


def test_the_plan_page_marks_inferred_and_unknown_skills(web, make_planned):
    interview = make_planned(
        skills=["TypeScript", "reactjs", "Elm-ish Magic"],
        jobDescription="Build web applications with GraphQL APIs and ship them in Docker containers.",
    )
    statuses = {s["name"]: s["status"] for s in interview.skill_validation["skills"]}
    assert statuses["Elm-ish Magic"] == "UNKNOWN"
    inferred = [name for name, status in statuses.items() if status == "INFERRED"]
    assert inferred
    html = web.get(f"/admin/interviews/{interview.run_id}/plan").content.decode()
    assert html.count('data-status="UNKNOWN"') == 1
    assert html.count('data-status="INFERRED"') == len(inferred)
    assert '<span class="badge plain tone-warn">Unknown</span>' in html
    assert '<span class="badge plain tone-info">Inferred</span>' in html
    assert "asked as “reactjs”" in html
    assert "not in the taxonomy, no questions" in html

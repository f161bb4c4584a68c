"""A recruiter writes a question of their own, with its rubric, on the plan page."""

from __future__ import annotations

import html as html_lib
import re

import pytest

from approvals.services import plan_approve
from interviews.models import Interview, Plan
from tests.pages import messages_of

pytestmark = pytest.mark.django_db


def own_question(pending, **changes) -> dict:
    return {
        "plan_id": str(pending.current_plan_id),
        "kind": "technical",
        "skill": "PostgreSQL",
        "text": "How would you find out why `SELECT * FROM orders` got slow after a deploy?",
        "minutes": "6",
        "concepts": "explain analyze: explain, query plan\nindex: indexes, btree\nstatistics: vacuum",
        "score_1": "Guesses without measuring.",
        "score_3": "Reads the query plan and checks the indexes.",
        "score_5": "Measures, reads the plan, checks indexes and statistics, and verifies the fix.",
        **changes,
    }


def write_url(interview) -> str:
    return f"/admin/interviews/{interview.run_id}/plan/questions/write"


def own_errors(response, name: str) -> list[str]:
    """The errors shown beside the "Write your own question" form's field ``name``."""
    html = response.content.decode()
    block = re.search(rf'<div class="field has-error">\s*<label for="own-{name}">.*?</div>', html, re.S)
    assert block, f"no error beside {name}"
    return [html_lib.unescape(e) for e in re.findall(r'<p class="error"[^>]*>(.*?)</p>', block[0], re.S)]


def test_the_plan_page_offers_to_write_a_question(web, pending):
    html = web.get(f"/admin/interviews/{pending.run_id}/plan").content.decode()
    assert "Write your own question" in html
    assert f'action="{write_url(pending)}"' in html
    for name in ("kind", "skill", "text", "minutes", "concepts", "score_1", "score_3", "score_5"):
        assert f'id="own-{name}"' in html
    # The interview's skills, then the two that every plan may have.
    skills = re.search(r'<select name="skill"[^>]*id="own-skill">(.*?)</select>', html, re.S)[1]
    assert "PostgreSQL" in skills and "Behavioral" in skills and "System Design" in skills


def test_a_written_question_is_a_new_version_like_an_edit(web, recruiter, pending):
    before = list(pending.current_plan.questions.values_list("text", flat=True))
    response = web.post(write_url(pending), own_question(pending))
    interview = Interview.objects.get(pk=pending.pk)
    plan = interview.current_plan
    assert response.status_code == 302
    assert response["Location"] == f"/admin/interviews/{pending.run_id}/plan#question-{len(before) + 1}"
    assert plan.version == 2 and plan.created_by == recruiter
    questions = list(plan.questions.order_by("position"))
    assert [q.text for q in questions[:-1]] == before
    mine = questions[-1]
    assert mine.text.startswith("How would you find out why `SELECT * FROM orders`")
    assert (mine.kind, mine.skill, mine.minutes, mine.difficulty) == ("technical", "PostgreSQL", 6, "SENIOR")
    assert mine.key.startswith("own-")
    assert mine.rubric["concepts"][0] == {"name": "explain analyze", "synonyms": ["explain", "query plan"]}
    assert mine.rubric["score_5"].startswith("Measures, reads the plan")
    # The earlier version is kept as it was, as after an edit.
    first = Plan.objects.get(interview=pending, version=1)
    assert list(first.questions.values_list("text", flat=True)) == before
    page = web.get(response["Location"])
    assert "Your question was added. Saved as plan version 2." in messages_of(page)
    html = page.content.decode()
    assert "<code>SELECT * FROM orders</code>" in html
    assert "edited by alice@acme.test" in html
    # The edited plan is the one approved and asked.
    plan_approve(recruiter, Interview.objects.get(pk=pending.pk))
    assert Interview.objects.get(pk=pending.pk).current_plan.questions.last().key == mine.key


INVALID = [
    ("text", {"text": ""}, "Write the question the candidate will be asked."),
    ("text", {"text": "   "}, "Write the question the candidate will be asked."),
    ("text", {"text": "x" * 4001}, "Too long: at most 4000 characters (this has 4001)."),
    ("concepts", {"concepts": ""}, "List at least one concept the answer should cover."),
    ("concepts", {"concepts": "\n  \n"}, "List at least one concept the answer should cover."),
    ("concepts", {"concepts": ": explain"}, "Line 1 has no concept before the colon."),
    ("score_1", {"score_1": ""}, "Describe what an answer with this score looks like."),
    ("score_3", {"score_3": " "}, "Describe what an answer with this score looks like."),
    ("score_5", {"score_5": "y" * 2001}, "Too long: at most 2000 characters (this has 2001)."),
    ("minutes", {"minutes": "0"}, "At least 1 minute."),
    ("minutes", {"minutes": "61"}, "At most 60 minutes."),
    ("minutes", {"minutes": ""}, "Say how many minutes the answer may take."),
    ("kind", {"kind": ""}, "Choose the kind of question."),
    ("kind", {"kind": "trivia"}, "Choose one of the kinds."),
    ("kind", {"skill": "Behavioral"}, "A Behavioral question is of the kind Behavioral."),
    ("skill", {"skill": ""}, "Choose the skill the question is about."),
    ("skill", {"skill": "Underwater Basket Weaving"}, "Choose one of this interview's skills."),
]


@pytest.mark.parametrize(
    ("name", "change", "message"), INVALID, ids=[f"{n}-{i}" for i, (n, *_) in enumerate(INVALID)]
)
def test_each_mistake_is_shown_beside_its_field(web, pending, name, change, message):
    response = web.post(write_url(pending), own_question(pending, **change))
    assert response.status_code == 400
    assert own_errors(response, name) == [message]
    assert "The question was not added; see what needs correcting below." in messages_of(response)
    # The form stays open with what was typed, and nothing was saved.
    assert re.search(
        r'<details class="edit" open>\s*<summary>Write a question</summary>', response.content.decode()
    )
    assert Interview.objects.get(pk=pending.pk).current_plan_id == pending.current_plan_id


def test_a_question_on_an_outdated_version_is_refused(web, pending):
    web.post(write_url(pending), own_question(pending))
    response = web.post(write_url(pending), own_question(pending, text="A second question?"), follow=True)
    assert any("The plan changed while you were editing it" in m for m in messages_of(response))
    assert Interview.objects.get(pk=pending.pk).current_plan.version == 2


def test_a_decided_plan_takes_no_more_questions(web, recruiter, pending):
    plan_approve(recruiter, pending)
    response = web.post(write_url(pending), own_question(pending), follow=True)
    assert any("only a plan awaiting approval" in m for m in messages_of(response))
    assert Interview.objects.get(pk=pending.pk).plans.count() == 1


def test_question_text_is_escaped_around_its_code(web, pending):
    text = "Explain `<script>alert(1)</script>` and <b>bold</b> claims."
    web.post(write_url(pending), own_question(pending, text=text))
    html = web.get(f"/admin/interviews/{pending.run_id}/plan").content.decode()
    assert "<code>&lt;script&gt;alert(1)&lt;/script&gt;</code> and &lt;b&gt;bold&lt;/b&gt; claims." in html
    assert "<script>alert(1)" not in html and "<b>bold</b>" not in html


def test_another_organization_cannot_write_into_the_plan(outsider_web, pending):
    assert outsider_web.post(write_url(pending), own_question(pending)).status_code == 404
    assert Interview.objects.get(pk=pending.pk).plans.count() == 1

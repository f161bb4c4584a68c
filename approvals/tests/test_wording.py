"""Recruiters' pages speak plainly: codes become words, technical detail waits behind a disclosure."""

from __future__ import annotations

import re

import pytest

from approvals import wording
from interviews import workflow
from interviews.models import State, StateChange
from webhooks.models import Attempt, Delivery, Event

pytestmark = pytest.mark.django_db

# What a failed connection looks like in the attempt log: a library's exception, word for word.
RAW_TIMEOUT = (
    "timeout after 10s: _GuardedHTTPSConnectionPool(host='ats.example.com', port=443): "
    "Read timed out. (read timeout=10)"
)
RAW_REFUSED = "refused: ats.internal resolves to 10.0.0.7, a private address"
DISCLOSURE = re.compile(r'<details class="integration"[^>]*>.*?</details>', re.S)
CODE_WORD = re.compile(r"\b[A-Z]{2,}(?:_[A-Z]+)+\b")  # STRONG_HIRE, ASSESSMENT_PENDING, ...


def outside_disclosures(html: str) -> str:
    """The page's visible text, less what the "Integration details" disclosures hold."""
    html = DISCLOSURE.sub("", html)
    html = re.sub(r"<(script|style)\b.*?</\1>", "", html, flags=re.S)
    return re.sub(r"<[^>]+>", " ", html)


def inside_disclosures(html: str) -> str:
    return "\n".join(DISCLOSURE.findall(html))


def test_codes_have_words():
    assert wording.say("STRONG_HIRE", "recommendation") == "Strong hire"
    assert wording.say("LEAN_NO_HIRE", "recommendation") == "Lean no hire"
    assert wording.say("ASSESSMENT_PENDING", "state") == "Assessment awaiting approval"
    assert wording.say("system_design", "kind") == "System design"
    assert wording.say("SOMETHING_NEW", "state") == "Something new"
    assert wording.actor("api-key:Demo ATS") == "Your ATS (through the API)"
    assert wording.actor("system") == "Automatically"
    assert wording.engine("heuristic") == "the built-in scoring rules (no AI model)"


@pytest.mark.parametrize(
    ("status", "attempts", "error", "code", "label", "reason"),
    [
        ("SUCCEEDED", 1, "", 200, "Delivered", ""),
        ("SENDING", 1, "", None, "Sending", ""),
        ("PENDING", 0, "", None, "Sending", ""),
        ("PENDING", 2, RAW_TIMEOUT, None, "Retrying", "The receiver did not answer within 10 s."),
        ("PENDING", 1, "HTTP 503", 503, "Retrying", "The receiver refused the request (HTTP 503)."),
        ("FAILED", 1, "HTTP 500 (gave up after 8 attempts)", 500, "Failed", "(HTTP 500). Gave up after 8"),
        ("FAILED", 1, RAW_REFUSED, None, "Failed", "Address not allowed"),
        ("FAILED", 3, "connection failed: Max retries exceeded", None, "Failed", "could not be reached"),
        ("FAILED", 1, "HTTP 410", 410, "Failed", "said this address is gone"),
    ],
)
def test_deliveries_in_words(status, attempts, error, code, label, reason):
    words = wording.delivery(status, attempts, error, code)
    assert words.label == label
    assert reason in words.reason
    assert "Pool" not in words.reason and "Pending" not in words.label


def _deliveries(interview) -> list[Delivery]:
    event = Event.objects.filter(interview=interview).first()
    rows = [
        ("SUCCEEDED", 1, "", 200),
        ("PENDING", 2, RAW_TIMEOUT, None),
        ("FAILED", 1, "HTTP 500", 500),
        ("FAILED", 1, RAW_REFUSED, None),
        ("SENDING", 1, "", None),
    ]
    deliveries = []
    for status, attempts, error, code in rows:
        delivery = Delivery.objects.create(
            event=event,
            url="https://ats.example.com/hook",
            status=status,
            attempt_count=attempts,
            last_error=error,
            last_status_code=code,
        )
        for number in range(1, attempts + 1):
            Attempt.objects.create(delivery=delivery, number=number, error=error, outcome="retry")
        deliveries.append(delivery)
    return deliveries


def test_the_interview_page_says_how_each_update_went(admin_web, pending):
    Delivery.objects.all().delete()
    _deliveries(pending)
    html = admin_web.get(f"/admin/interviews/{pending.run_id}").content.decode()
    statuses = re.findall(r'data-testid="delivery-status">([^<]+)<', html)
    assert sorted(statuses) == sorted(["Delivered", "Retrying", "Failed", "Failed", "Sending"])
    reasons = re.findall(r'data-testid="delivery-reason">([^<]+)<', html)
    assert "The receiver did not answer within 10 s." in reasons
    assert "The receiver refused the request (HTTP 500)." in reasons
    assert any(r.startswith("Address not allowed") for r in reasons)
    visible = outside_disclosures(html)
    assert "Pending" not in visible
    assert "Plan ready" in visible  # the event, in words
    # The raw errors, the event code and the URL are all there, for whoever needs them: in the disclosure.
    for raw in ("_GuardedHTTPSConnectionPool", "Read timed out", "10.0.0.7", "interview.plan_generated"):
        assert raw not in visible, raw
        assert raw in inside_disclosures(html), raw
    assert "https://ats.example.com/hook" not in visible


def test_a_failure_is_told_plainly_and_its_exception_kept_aside(web, pending):
    reason = "planning failed: ConnectionError: _GuardedHTTPSConnectionPool(host='llm.example.com'): boom"
    workflow.transition(pending, State.FAILED, actor=workflow.SYSTEM, reason=reason)
    html = web.get(f"/admin/interviews/{pending.run_id}").content.decode()
    visible = outside_disclosures(html)
    assert "Writing the plan stopped with an error." in visible
    assert "_GuardedHTTPSConnectionPool" not in visible and "ConnectionError" not in visible
    assert "_GuardedHTTPSConnectionPool(host=&#x27;llm.example.com&#x27;): boom" in inside_disclosures(html)


def test_what_the_api_calls_things_stays_behind_the_disclosure(web, info_needed, pending, assessed):
    pages = [
        f"/admin/interviews/{info_needed.run_id}",
        f"/admin/interviews/{pending.run_id}",
        f"/admin/interviews/{assessed.run_id}",
    ]
    for url in pages:
        html = web.get(url).content.decode()
        visible = outside_disclosures(html)
        for raw in ("jobDescription", "candidateName", "api-key:", " ms", "heuristic", "language en"):
            assert raw not in visible, (url, raw)
    detail = web.get(pages[0]).content.decode()
    assert "Missing: position, level, skills, job description." in outside_disclosures(detail)
    assert "api-key:ATS" in inside_disclosures(detail)
    assert StateChange.objects.filter(interview=info_needed, actor_label="api-key:ATS").exists()


def test_no_page_shows_a_code_where_a_word_belongs(web, pending, assessed, info_needed):
    urls = [
        "/admin/approvals",
        "/admin/interviews",
        "/admin/interviews/new",
        f"/admin/interviews/{pending.run_id}",
        f"/admin/interviews/{pending.run_id}/plan",
        f"/admin/interviews/{info_needed.run_id}",
        f"/admin/interviews/{assessed.run_id}",
        f"/admin/interviews/{assessed.run_id}/assessment",
        f"/admin/interviews/{assessed.run_id}/report",
    ]
    for url in urls:
        visible = outside_disclosures(web.get(url).content.decode())
        assert not CODE_WORD.findall(visible), (url, CODE_WORD.findall(visible))


def test_the_assessment_says_who_scored_it(web, assessed):
    html = web.get(f"/admin/interviews/{assessed.run_id}/assessment").content.decode()
    assert "Scored by the built-in scoring rules (no AI model)" in html
    assert "Scored by: heuristic" not in html
    state = re.search(r'data-testid="state">([^<]+)<', html)[1]
    assert state == "Assessment awaiting approval"


def test_question_kinds_are_not_said_twice(web, make_pending):
    interview = make_pending()
    plan = interview.current_plan
    behavioral = plan.questions.filter(kind="behavioral").first()
    assert behavioral is not None and behavioral.skill == "Behavioral"
    html = web.get(f"/admin/interviews/{interview.run_id}/plan").content.decode()
    head = re.search(
        rf'<article class="question" id="question-{behavioral.position + 1}".*?</div>', html, re.S
    )[0]
    assert head.count(">Behavioral<") == 1
    technical = plan.questions.filter(kind="technical").first()
    head = re.search(
        rf'<article class="question" id="question-{technical.position + 1}".*?</div>', html, re.S
    )[0]
    assert ">Technical<" in head

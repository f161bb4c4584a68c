"""An interview's page: missing details, cancel, timeline, webhook deliveries, engine steps."""

from __future__ import annotations

import ipaddress

import pytest

from interviews.models import Interview, State
from tests.pages import messages_of
from tests.receiver import Receiver
from webhooks.models import Delivery, DeliveryStatus, Endpoint

pytestmark = pytest.mark.django_db


def test_fill_in_an_info_needed_interview(web, info_needed, django_capture_on_commit_callbacks):
    url = f"/admin/interviews/{info_needed.run_id}/complete"
    page = web.get(f"/admin/interviews/{info_needed.run_id}").content.decode()
    assert 'id="complete"' in page

    # The API's serializer judges the values: same messages as a PATCH would get.
    response = web.post(url, {"position": "Backend Engineer", "level": "WIZARD", "durationMinutes": "5"})
    assert response.status_code == 400
    html = response.content.decode()
    assert "Unknown level." in html
    assert "greater than or equal to 15" in html
    assert Interview.objects.get(pk=info_needed.pk).position == ""

    response = web.post(url, {"position": "Backend Engineer"}, follow=True)
    interview = Interview.objects.get(pk=info_needed.pk)
    assert (interview.state, interview.position) == (State.INFO_NEEDED, "Backend Engineer")
    assert any("Still missing: level, skills, job description" in m for m in messages_of(response))

    with django_capture_on_commit_callbacks(execute=True):
        response = web.post(
            url,
            {
                "level": "mid",
                "skills": "Python, Django\nPostgreSQL",
                "jobDescription": "Build and run the APIs of our hiring platform with Python and Django.",
                "durationMinutes": "40",
            },
        )
    assert response.status_code == 302
    interview = Interview.objects.get(pk=info_needed.pk)
    assert interview.state == State.PENDING
    assert (interview.level, interview.skills, interview.duration_minutes) == (
        "MID",
        ["Python", "Django", "PostgreSQL"],
        40,
    )
    assert interview.current_plan is not None
    change = interview.state_changes.get(from_state=State.INFO_NEEDED)
    assert change.actor_user_id is not None


def test_a_duration_that_only_looks_like_a_number_is_a_form_error(web, info_needed):
    # "²" is a digit to str.isdigit() but not to int().
    response = web.post(f"/admin/interviews/{info_needed.run_id}/complete", {"durationMinutes": "²"})
    assert response.status_code == 400
    assert "Some values need correcting." in messages_of(response)
    assert response.context["details_form"].errors["durationMinutes"] == [
        "Must be a whole number of minutes."
    ]
    assert Interview.objects.get(pk=info_needed.pk).state == State.INFO_NEEDED


def test_cancel(web, pending):
    response = web.post(
        f"/admin/interviews/{pending.run_id}/cancel", {"reason": "Position filled"}, follow=True
    )
    interview = Interview.objects.get(pk=pending.pk)
    assert interview.state == State.CANCELLED
    assert interview.state_changes.last().reason == "Position filled"
    assert interview.events.order_by("-sequence").first().type == "interview.cancelled"
    assert "Cancel interview" not in response.content.decode()
    again = web.post(f"/admin/interviews/{pending.run_id}/cancel", {}, follow=True)
    assert any("cannot move to CANCELLED" in m for m in messages_of(again))


def test_the_detail_page_shows_the_timeline(web, pending):
    html = web.get(f"/admin/interviews/{pending.run_id}").content.decode()
    assert "Writing the plan → Plan awaiting approval" in html
    assert "Your ATS (through the API)" in html
    assert "Plan version 1 written." in html
    # The API key's name is an integration detail, behind the disclosure.
    assert html.index("api-key:ATS") > html.index('<details class="integration">')


def test_redeliver_a_webhook(admin_web, org, make_pending, settings, django_capture_on_commit_callbacks):
    settings.WEBHOOK_ALLOWED_NETWORKS = [ipaddress.ip_network("127.0.0.0/8")]
    with Receiver() as receiver:
        Endpoint.objects.create(organization=org, url=f"{receiver.url}/hook")
        interview = make_pending()
        delivery = Delivery.objects.get(event__interview=interview, event__type="interview.plan_generated")
        assert delivery.status == DeliveryStatus.SUCCEEDED

        page = admin_web.get(f"/admin/interviews/{interview.run_id}").content.decode()
        assert "interview.plan_generated" in page
        assert f"/deliveries/{delivery.id}/redeliver" in page

        with django_capture_on_commit_callbacks(execute=True):
            response = admin_web.post(
                f"/admin/interviews/{interview.run_id}/deliveries/{delivery.id}/redeliver"
            )
        assert response.status_code == 302
        assert response["Location"].endswith("#deliveries")
        again = Delivery.objects.get(redelivery_of=delivery)
        assert again.status == DeliveryStatus.SUCCEEDED
        received = receiver.wait_for(2)  # plan_generated, then its redelivery
        assert [r.path for r in received] == ["/hook", "/hook"]
        ids = [r.headers["webhook-id"] for r in received]
        assert ids[0] == ids[1]  # same event, same webhook-id


def test_redeliver_while_still_sending_is_a_message(admin_web, pending):
    from webhooks.models import Event

    event = Event.objects.filter(interview=pending).first()
    delivery = Delivery.objects.create(event=event, url="https://ats.example.com/hook", status="PENDING")
    response = admin_web.post(
        f"/admin/interviews/{pending.run_id}/deliveries/{delivery.id}/redeliver", follow=True
    )
    assert any("still being delivered" in m for m in messages_of(response))
    assert not Delivery.objects.filter(redelivery_of=delivery).exists()


def _failed_delivery(interview) -> Delivery:
    from webhooks.models import Event

    return Delivery.objects.create(
        event=Event.objects.filter(interview=interview).first(),
        url="https://ats.example.com/hooks/t0ken-in-the-path",
        status=DeliveryStatus.FAILED,
        attempt_count=1,
        last_status_code=500,
        last_error="HTTP 500: stack trace of the receiver",
    )


def test_recruiters_see_deliveries_without_urls_errors_or_redelivery(web, admin_web, pending):
    delivery = _failed_delivery(pending)
    # A per-interview callbackUrl is where its deliveries go: the same rule.
    Interview.objects.filter(pk=pending.pk).update(callback_url=delivery.url)
    redeliver = f"/admin/interviews/{pending.run_id}/deliveries/{delivery.id}/redeliver"

    html = web.get(f"/admin/interviews/{pending.run_id}").content.decode()
    section = html[html.index('id="deliveries"') :]
    assert delivery.event.type in section and "Failed" in section
    assert "t0ken-in-the-path" not in html
    assert "stack trace of the receiver" not in html
    assert redeliver not in html and "Redeliver" not in html

    # An admin of the organization sees them, as in the webhook API.
    html = admin_web.get(f"/admin/interviews/{pending.run_id}").content.decode()
    assert "t0ken-in-the-path" in html
    assert "stack trace of the receiver" in html
    assert redeliver in html


def test_a_recruiter_cannot_redeliver(web, pending):
    delivery = _failed_delivery(pending)
    response = web.post(f"/admin/interviews/{pending.run_id}/deliveries/{delivery.id}/redeliver", follow=True)
    assert response.status_code == 200
    assert "Only an admin of your organization can redeliver webhooks." in messages_of(response)
    assert not Delivery.objects.filter(redelivery_of=delivery).exists()


def test_a_delivery_of_another_interview_is_404(web, pending, make_pending):
    from webhooks.models import Event

    other = make_pending()
    event = Event.objects.filter(interview=other).first()
    delivery = Delivery.objects.create(event=event, url="https://ats.example.com/hook", status="FAILED")
    response = web.post(f"/admin/interviews/{pending.run_id}/deliveries/{delivery.id}/redeliver")
    assert response.status_code == 404


def test_recruiters_see_which_engine_ran_each_step(web, assessed):
    from interviews.models import AgentStep

    AgentStep.objects.create(
        interview=assessed,
        step="assess",
        engine="llm",
        provider="openai-like",
        model="local-model",
        outcome=AgentStep.Outcome.FALLBACK,
        latency_ms=1200,
        error="output failed validation twice",
    )
    detail = web.get(f"/admin/interviews/{assessed.run_id}").content.decode()
    assert "AI steps" in detail
    assert "Done by the built-in rules" in detail
    assert "local-model" in detail and "1200 ms" in detail  # the technical side, in the disclosure
    assert detail.index("local-model") > detail.index('data-testid="ai-integration"')
    page = web.get(f"/admin/interviews/{assessed.run_id}/assessment").content.decode()
    assert "Scored by the built-in scoring rules (no AI model)" in page
    assert "Scored by: heuristic" not in page

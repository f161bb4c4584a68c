"""What the join page offers for spoken answers: speech on or off, accommodation, the saved choice."""

from __future__ import annotations

import pytest

from interviews import joining
from interviews.models import CandidateSession
from tests.factories import approved_link, page_url


@pytest.fixture
def link(ats, recruiter_client, recruiter, django_capture_on_commit_callbacks):
    return approved_link(ats, recruiter_client, recruiter, django_capture_on_commit_callbacks)


@pytest.mark.django_db
def test_spoken_answers_are_offered_with_their_endpoints(client, link):
    interview, token = link
    response = client.get(page_url(token))
    html = response.content.decode()
    config = response.context["config"]
    assert config["voiceAvailable"] is True and config["answerMode"] is None
    assert config["interviewer"] == interview.organization.interviewer_name
    assert config["endpoints"]["audio"] == f"/api/v1/candidate/join/{token}/answers/QUESTION_ID/audio"
    assert config["endpoints"]["recording"] == f"/api/v1/candidate/join/{token}/recordings/RECORDING_ID"
    assert 'id="mode-voice" value="voice" aria-describedby' in html  # enabled
    assert "Speak or type your answers" in html
    assert "audio recordings and their text are kept" in html
    assert "Nothing is recorded from your camera" in html
    assert "Request an accommodation" not in html  # no contact email set


@pytest.mark.django_db
def test_without_speech_to_text_the_page_says_typing_only(client, link, settings):
    settings.STT_PROVIDER = "none"
    _interview, token = link
    response = client.get(page_url(token))
    html = response.content.decode()
    assert response.context["config"]["voiceAvailable"] is False
    assert 'id="mode-voice" value="voice" disabled' in html
    assert "Spoken answers are not available for this interview" in html
    assert "audio recordings" not in html  # the consent does not mention recordings that cannot happen


@pytest.mark.django_db
def test_accommodation_link_mails_the_organization(client, link):
    interview, token = link
    interview.organization.contact_email = "talent@acme.test"
    interview.organization.save(update_fields=["contact_email"])
    html = client.get(page_url(token)).content.decode()
    assert 'href="mailto:talent@acme.test?subject=Accommodation%20request%3A%20Senior%20Software' in html


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("stt", "chosen", "remembered"), [("pocketsphinx", "voice", "voice"), ("none", "voice", None)]
)
def test_the_choice_made_at_the_device_check_survives_a_reload(
    client, link, settings, stt, chosen, remembered
):
    interview, token = link
    session = client.session
    session[joining.SESSION_KEY] = str(interview.id)
    session.save()
    client.post(f"/api/v1/candidate/join/{token}/consent", content_type="application/json")
    response = client.post(
        f"/api/v1/candidate/join/{token}/device-check",
        {"camera": False, "microphone": True, "details": {"mode": chosen}},
        content_type="application/json",
    )
    assert response.json() == {"recorded": True, "ready": True}
    assert CandidateSession.objects.get(interview=interview).device_details["mode"] == chosen
    settings.STT_PROVIDER = stt
    config = client.get(page_url(token)).context["config"]
    assert config["deviceOk"] is True
    assert config["answerMode"] == remembered  # speech turned off since: the page falls back to typing

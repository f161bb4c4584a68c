"""What the welcome page tells the candidate about data, AI and their rights, and where it comes from."""

from __future__ import annotations

import pytest

from tests.factories import approved_link, page_url

pytestmark = pytest.mark.django_db


@pytest.fixture
def link(ats, recruiter_client, recruiter, capture):
    return approved_link(ats, recruiter_client, recruiter, capture)


def welcome(client, token) -> str:
    response = client.get(page_url(token))
    assert response.status_code == 200
    return response.content.decode()


def test_the_default_notice_ai_use_rights_and_retention(client, link, settings):
    settings.RECORDING_RETENTION_DAYS = 30
    _, token = link
    html = welcome(client, token)
    assert (
        "Acme uses this interview to assess your application for the Senior Software Engineer role." in html
    )
    assert "<strong>A person at Acme reviews every interview</strong>" in html
    assert "Nothing analyses your face, expressions or tone of voice." in html
    assert "Your right to a human review" in html
    assert "Audio recordings of spoken answers: deleted after 30 days." in html
    # The other windows, as the purges apply them (defaults).
    assert (
        "Your answers, their transcripts and the written assessment of them: deleted after 180 days." in html
    )
    assert "Your browser&#x27;s details from the device check: deleted after 30 days." in html
    # Without a contact address the candidate is told where to write instead.
    assert "reply to the email that invited you or contact the recruiter" in html
    assert 'id="help-toggle"' in html and "Having trouble?" in html


def test_the_organizations_notice_policy_link_contact_and_retention_settings(client, link, settings):
    settings.RETENTION_DAYS = {**settings.RETENTION_DAYS, "transcripts": 365}
    interview, token = link
    organization = interview.organization
    organization.privacy_notice = "We are Acme & Co.\nWe keep data in the EU."
    organization.privacy_url = "https://acme.test/privacy"
    organization.contact_email = "talent@acme.test"
    organization.save()
    html = welcome(client, token)
    assert "We are Acme &amp; Co.<br>We keep data in the EU." in html
    assert "Acme uses this interview to assess" not in html
    assert 'href="https://acme.test/privacy" target="_blank" rel="noopener noreferrer"' in html
    assert (
        "Your answers, their transcripts and the written assessment of them: deleted after 365 days." in html
    )
    assert 'href="mailto:talent@acme.test?subject=Accommodation%20request%3A%20Senior%20Software' in html
    assert 'href="mailto:talent@acme.test?subject=Human%20review%20request%3A%20Senior%20Software' in html
    assert 'id="support-contact" href="mailto:talent@acme.test?subject=Help%20with%20my' in html
    assert 'id="help-contact" href="mailto:talent@acme.test' in html


def test_operators_set_the_candidate_settings_in_ops(ops, org):
    url = f"/ops/accounts/organization/{org.id}/change/"
    form = ops.get(url).content.decode()
    for field in ("send_candidate_emails", "privacy_notice", "privacy_url", "contact_email"):
        assert f'name="{field}"' in form
    response = ops.post(
        url,
        {
            "name": "Acme",
            "slug": "acme",
            "interviewer_name": "Alex",
            "webhook_secret": org.webhook_secret,
            "contact_email": "talent@acme.test",
            "privacy_notice": "Our notice.",
            "privacy_url": "",
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    org.refresh_from_db()
    assert org.send_candidate_emails is False  # an unticked box: the ATS writes to candidates
    assert org.privacy_notice == "Our notice."

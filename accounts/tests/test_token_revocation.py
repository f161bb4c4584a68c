"""API tokens end when trust ends: sign-out, sign-out everywhere, new password, deactivation, replay."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
import time_machine
from django.core import mail
from django.utils import timezone

from tests.plugin import PASSWORD

pytestmark = pytest.mark.django_db

NEW_PASSWORD = "An0ther-secret-phrase"


def test_sign_out_ends_the_access_token_at_once_and_only_that_sign_in(api, org_admin):
    laptop, phone = api.sign_in(org_admin.email), api.sign_in(org_admin.email)
    assert api.probe(laptop["accessToken"]) == 200
    response = api.post(
        "/api/v1/auth/logout", laptop["accessToken"], {"refreshToken": laptop["refreshToken"]}
    )
    assert response.status_code == 204
    refused = api.get("/api/v1/webhooks/endpoints", laptop["accessToken"])
    assert refused.status_code == 401
    assert refused.json()["error"]["code"] == "invalid_token"
    assert api.refresh(laptop["refreshToken"]).status_code == 401
    # The phone's sign-in is another one, and goes on.
    assert api.probe(phone["accessToken"]) == 200
    assert api.refresh(phone["refreshToken"]).status_code == 200


def test_sign_out_everywhere_ends_every_sign_in_of_the_user_only(api, org_admin, make_user, org):
    colleague = make_user(org, "erin@acme.test", role="ADMIN")
    theirs = api.sign_in(colleague.email)
    sign_ins = [api.sign_in(org_admin.email) for _ in range(3)]
    fresh = sign_ins[0]
    refreshed = api.refresh(sign_ins[1]["refreshToken"]).json()

    response = api.post("/api/v1/auth/logout-everywhere", sign_ins[2]["accessToken"])
    assert response.status_code == 204

    for tokens in [*sign_ins, refreshed]:
        assert api.probe(tokens["accessToken"]) == 401
        assert api.refresh(tokens["refreshToken"]).status_code == 401
    assert api.probe(fresh["accessToken"]) == 401
    assert api.probe(theirs["accessToken"]) == 200
    # Signing in again works as before.
    assert api.probe(api.sign_in(org_admin.email)["accessToken"]) == 200


def test_sign_out_everywhere_needs_a_live_access_token(api, org_admin):
    assert api.client.post("/api/v1/auth/logout-everywhere").status_code == 401
    tokens = api.sign_in(org_admin.email)
    api.post("/api/v1/auth/logout-everywhere", tokens["accessToken"])
    assert api.post("/api/v1/auth/logout-everywhere", tokens["accessToken"]).status_code == 401


def test_a_password_reset_ends_api_access(api, client, org_admin, settings):
    before = api.sign_in(org_admin.email)
    client.post("/accounts/password-reset/", {"email": org_admin.email})
    link = re.search(r"https?://\S+/accounts/reset/\S+", mail.outbox[-1].body).group(0)
    path = link.removeprefix(settings.PUBLIC_BASE_URL)
    form = client.get(path, follow=True)
    response = client.post(
        form.redirect_chain[-1][0], {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD}
    )
    assert response["Location"] == "/accounts/reset/done/"

    assert api.probe(before["accessToken"]) == 401
    assert api.refresh(before["refreshToken"]).status_code == 401
    assert api.login(org_admin.email).status_code == 401
    assert api.probe(api.sign_in(org_admin.email, NEW_PASSWORD)["accessToken"]) == 200


def test_changing_the_password_through_the_api_ends_every_other_sign_in(api, client, org_admin):
    client.force_login(org_admin)
    other, this = api.sign_in(org_admin.email), api.sign_in(org_admin.email)
    body = {"currentPassword": PASSWORD, "newPassword": NEW_PASSWORD}
    response = api.post("/api/v1/auth/password", this["accessToken"], body)
    assert response.status_code == 200
    fresh = response.json()
    for tokens in (other, this):
        assert api.probe(tokens["accessToken"]) == 401
        assert api.refresh(tokens["refreshToken"]).status_code == 401
    assert api.probe(fresh["accessToken"]) == 200
    assert api.refresh(fresh["refreshToken"]).status_code == 200
    # The dashboard session that knew the old password has ended too.
    assert client.get("/admin/approvals").status_code == 302


@pytest.mark.parametrize(
    "body, field",
    [
        ({"currentPassword": "not-it", "newPassword": NEW_PASSWORD}, "currentPassword"),
        ({"currentPassword": PASSWORD, "newPassword": "12345678"}, "newPassword"),
        ({"currentPassword": PASSWORD}, "newPassword"),
    ],
)
def test_a_refused_password_change_says_which_field_and_ends_nothing(api, org_admin, body, field):
    tokens = api.sign_in(org_admin.email)
    response = api.post("/api/v1/auth/password", tokens["accessToken"], body)
    assert response.status_code == 400
    assert field in response.json()["error"]["fields"]
    assert api.probe(tokens["accessToken"]) == 200


def test_changing_the_password_on_the_dashboard_keeps_that_session_only(api, client, recruiter):
    tokens = api.sign_in(recruiter.email)
    assert (
        client.post("/accounts/login/", {"username": recruiter.email, "password": PASSWORD}).status_code
        == 302
    )
    assert "Change password" in client.get("/admin/approvals", follow=True).content.decode()
    response = client.post(
        "/accounts/password/",
        {"old_password": PASSWORD, "new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD},
        follow=True,
    )
    assert "Your password is changed." in response.content.decode()
    assert client.get("/admin/approvals").status_code == 200
    assert api.probe(tokens["accessToken"]) == 401


def test_wrong_current_passwords_on_the_dashboard_count_like_wrong_sign_ins(client, recruiter):
    client.force_login(recruiter)
    wrong = {"old_password": "not-it", "new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD}
    for _ in range(5):
        response = client.post("/accounts/password/", wrong)
        assert response.status_code == 200
        assert "Your old password was entered incorrectly" in response.content.decode()
    right = {**wrong, "old_password": PASSWORD}
    response = client.post("/accounts/password/", right)
    assert response.status_code == 429
    assert "Too many attempts." in response.content.decode()


def test_a_password_set_by_an_operator_ends_api_access(api, ops, org_admin):
    before = api.sign_in(org_admin.email)
    response = ops.post(
        f"/ops/accounts/user/{org_admin.pk}/password/",
        {"password1": NEW_PASSWORD, "password2": NEW_PASSWORD, "usable_password": "true"},
    )
    assert response.status_code == 302, response.content
    assert api.probe(before["accessToken"]) == 401
    assert api.refresh(before["refreshToken"]).status_code == 401


def test_an_operator_ends_one_sign_in_from_ops(api, ops, org_admin):
    from accounts.models import TokenFamily

    ended, kept = api.sign_in(org_admin.email), api.sign_in(org_admin.email)
    page = ops.get("/ops/accounts/tokenfamily/")
    assert page.status_code == 200
    assert org_admin.email in page.content.decode()
    family = TokenFamily.objects.order_by("created_at").first()
    response = ops.post(
        "/ops/accounts/tokenfamily/", {"action": "end", "_selected_action": [str(family.pk)]}, follow=True
    )
    assert "Ended 1 sign-in(s)." in response.content.decode()
    assert api.probe(ended["accessToken"]) == 401
    assert api.probe(kept["accessToken"]) == 200


def test_a_deactivated_account_keeps_no_tokens_even_when_reactivated(api, org_admin):
    before = api.sign_in(org_admin.email)
    org_admin.is_active = False
    org_admin.save()
    assert api.probe(before["accessToken"]) == 401
    org_admin.is_active = True
    org_admin.save()
    assert api.probe(before["accessToken"]) == 401
    assert api.refresh(before["refreshToken"]).status_code == 401


def test_a_hash_upgrade_at_sign_in_does_not_end_other_sign_ins(api, org_admin, settings):
    earlier = api.sign_in(org_admin.email)
    # A stronger hasher first: the next sign-in rehashes the stored password.
    settings.PASSWORD_HASHERS = [
        "django.contrib.auth.hashers.PBKDF2PasswordHasher",
        "django.contrib.auth.hashers.MD5PasswordHasher",
    ]
    api.sign_in(org_admin.email)
    org_admin.refresh_from_db()
    assert org_admin.password.startswith("pbkdf2_")
    assert api.probe(earlier["accessToken"]) == 200


def test_replaying_a_rotated_refresh_token_ends_its_whole_family(api, org_admin):
    first = api.sign_in(org_admin.email)
    other = api.sign_in(org_admin.email)
    second = api.refresh(first["refreshToken"]).json()
    third = api.refresh(second["refreshToken"]).json()
    assert api.probe(third["accessToken"]) == 200

    replay = api.refresh(first["refreshToken"])
    assert replay.status_code == 401
    assert "already used" in replay.json()["error"]["message"]
    # Everything minted from the replayed token is dead: the thief's copy and the owner's.
    assert api.refresh(third["refreshToken"]).status_code == 401
    assert api.probe(third["accessToken"]) == 401
    assert api.probe(second["accessToken"]) == 401
    # Another sign-in of the same person is a different family.
    assert api.probe(other["accessToken"]) == 200
    assert api.refresh(other["refreshToken"]).status_code == 200


def test_refreshing_cannot_extend_a_sign_in_past_its_absolute_end(api, org_admin, settings):
    assert timedelta(days=30) == settings.JWT_SIGN_IN_MAX_AGE
    with time_machine.travel(timezone.now(), tick=False) as traveller:
        tokens = api.sign_in(org_admin.email)
        for _ in range(4):  # every 6 days, each time within the refresh token's 7 days
            traveller.shift(timedelta(days=6))
            response = api.refresh(tokens["refreshToken"])
            assert response.status_code == 200
            tokens = response.json()
        traveller.shift(timedelta(days=6, seconds=1))  # 30 days and a second after signing in
        assert api.refresh(tokens["refreshToken"]).status_code == 401
        assert api.probe(tokens["accessToken"]) == 401


def test_a_token_without_a_sign_in_is_refused(api, org_admin):
    from rest_framework_simplejwt.tokens import RefreshToken

    # Signed with the right key, but minted outside a sign-in (as all tokens were before).
    legacy = RefreshToken.for_user(org_admin)
    assert api.probe(str(legacy.access_token)) == 401
    assert api.refresh(str(legacy)).status_code == 401


def test_the_schema_documents_sign_out_everywhere(client):
    schema = client.get("/api/schema/?format=json").json()
    operation = schema["paths"]["/api/v1/auth/logout-everywhere"]["post"]
    assert "204" in operation["responses"]
    assert "every API sign-in" in operation["description"]


def test_ended_sign_ins_are_purged_on_a_schedule(api, org_admin, settings):
    from accounts import tasks
    from accounts.models import TokenFamily

    assert "accounts.tasks.purge_ended_sign_ins" in {
        e["task"] for e in settings.CELERY_BEAT_SCHEDULE.values()
    }
    with time_machine.travel(timezone.now(), tick=False) as traveller:
        old = api.sign_in(org_admin.email)
        traveller.shift(timedelta(days=61))  # it ended 31 days ago
        live = api.sign_in(org_admin.email)
        assert tasks.purge_ended_sign_ins.delay().get() == 1
        assert TokenFamily.objects.count() == 1
        assert api.refresh(old["refreshToken"]).status_code == 401
        assert api.refresh(live["refreshToken"]).status_code == 200

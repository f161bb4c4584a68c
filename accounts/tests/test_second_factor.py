"""The second factor through the pages and the API: who must use it, signing in with a code, /ops/."""

from __future__ import annotations

import re
import time

import pytest
from django.core.management import call_command
from django.test import Client

from accounts import mfa
from accounts.models import Role, User
from tests.factories import CREATE, approved_link
from tests.plugin import PASSWORD
from tests.second_factor import enrol, next_code, verified_client
from tests.speech import Speaking, encode, private_recordings, tone_wav

pytestmark = pytest.mark.django_db

LOGIN = "/accounts/login/"
API_LOGIN = "/api/v1/auth/login"
SETUP = "/admin/account/two-factor"
CODE_PAGE = "/accounts/login/code/"


def password_step(client, user, next_url="/admin/approvals"):
    return client.post(f"{LOGIN}?next={next_url}", {"username": user.email, "password": PASSWORD})


def codes_on(html: str) -> list[str]:
    """The recovery codes a page shows."""
    return re.findall(r"<li><code>([a-z2-7]{4}-[a-z2-7]{4})</code></li>", html)


def wait_out_device_throttle():
    # django-otp refuses to check a device for 1 s after one wrong code (then 2, 4, ... s).
    time.sleep(1.1)


# --- who must use it ------------------------------------------------------------------------------


def test_an_admin_without_a_factor_is_sent_to_enrolment_and_kept_there(client, org_admin, pending):
    response = password_step(client, org_admin)
    assert response["Location"] == "/admin/approvals"
    for url in ("/admin/approvals", "/admin/interviews", f"/admin/interviews/{pending.run_id}/plan"):
        response = client.get(url)
        assert response.status_code == 302, url
        assert response["Location"] == f"{SETUP}?next={url}", url
    page = client.get(f"{SETUP}?next=/admin/approvals")
    assert page.status_code == 200
    html = page.content.decode()
    assert "<svg" in html and "must set up two-step sign-in" in html
    assert mfa.secret_for_people(mfa.app_device(org_admin, confirmed=False)) in html
    # The secret stays the same until it is confirmed (the QR code on a phone keeps working).
    assert client.get(SETUP).content.decode().count(mfa.secret_for_people(mfa.pending_device(org_admin))) == 1


def test_a_recruiter_may_go_without(client, recruiter):
    assert password_step(client, recruiter)["Location"] == "/admin/approvals"
    assert client.get("/admin/approvals").status_code == 200
    assert "Two-step sign-in" in client.get("/admin/approvals").content.decode()  # the user menu's link


def test_enrolment_confirms_with_a_current_code_and_shows_recovery_codes_once(client, org_admin):
    password_step(client, org_admin)
    client.get(SETUP)
    device = mfa.app_device(org_admin, confirmed=False)
    wrong = client.post(f"{SETUP}/confirm", {"code": "000000", "next": "/admin/interviews"})
    if wrong.status_code == 400:  # one in a million: 000000 is the current code
        assert "not right" in wrong.content.decode()
        assert client.get("/admin/interviews").status_code == 302
        wait_out_device_throttle()
    response = client.post(f"{SETUP}/confirm", {"code": next_code(device), "next": "/admin/interviews"})
    assert response["Location"] == f"{SETUP}/recovery-codes?next=/admin/interviews"
    html = client.get(response["Location"]).content.decode()
    codes = codes_on(html)
    assert len(codes) == mfa.RECOVERY_CODE_COUNT
    assert 'href="/admin/interviews"' in html
    # Shown once.
    assert client.get(f"{SETUP}/recovery-codes")["Location"] == SETUP
    # This session is verified: the dashboard opens.
    assert client.get("/admin/interviews").status_code == 200
    device.refresh_from_db()
    assert device.confirmed and mfa.recovery_codes_left(org_admin) == mfa.RECOVERY_CODE_COUNT


# --- signing in with a code -----------------------------------------------------------------------


def test_sign_in_asks_for_the_code_after_the_password(client, recruiter):
    device = enrol(recruiter)
    assert password_step(client, recruiter)["Location"] == "/admin/approvals"
    # Password alone: the dashboard is not open yet.
    response = client.get("/admin/approvals")
    assert response["Location"] == f"{CODE_PAGE}?next=/admin/approvals"
    assert client.get(SETUP)["Location"] == f"{CODE_PAGE}?next={SETUP}"  # nor the factor's settings
    page = client.get(response["Location"])
    assert "Enter your code" in page.content.decode()

    wrong = client.post(CODE_PAGE, {"code": "12345", "next": "/admin/approvals"})
    assert wrong.status_code == 400
    assert "not right" in wrong.content.decode()
    wait_out_device_throttle()
    right = client.post(CODE_PAGE, {"code": next_code(device), "next": "/admin/approvals"})
    assert right["Location"] == "/admin/approvals"
    assert client.get("/admin/approvals").status_code == 200


def test_a_recovery_code_signs_in_once(client, recruiter):
    enrol(recruiter)
    first, second, *_ = mfa.new_recovery_codes(recruiter)
    password_step(client, recruiter)
    assert client.post(CODE_PAGE, {"code": first.upper(), "next": "/admin/approvals"}).status_code == 302
    assert client.get("/admin/approvals").status_code == 200
    assert mfa.recovery_codes_left(recruiter) == mfa.RECOVERY_CODE_COUNT - 1

    client.post("/accounts/logout/")
    password_step(client, recruiter)
    again = client.post(CODE_PAGE, {"code": first, "next": "/admin/approvals"})
    assert again.status_code == 400
    assert "already been used" in again.content.decode()
    assert client.get("/admin/approvals").status_code == 302
    wait_out_device_throttle()
    assert (
        client.post(CODE_PAGE, {"code": second.replace("-", " "), "next": "/admin/approvals"}).status_code
        == 302
    )


def test_wrong_codes_count_toward_the_sign_in_limit(client, recruiter):
    device = enrol(recruiter)
    password_step(client, recruiter)
    for _ in range(10):
        response = client.post(CODE_PAGE, {"code": "99999999"})
        assert response.status_code in (400, 429)
    response = client.post(CODE_PAGE, {"code": next_code(device)})
    assert response.status_code == 429
    assert "Too many attempts" in response.content.decode()
    # The password page counts the same attempts.
    assert Client().post(LOGIN, {"username": recruiter.email, "password": PASSWORD}).status_code == 429


def test_recovery_codes_can_be_made_again_and_the_old_ones_stop_working(recruiter):
    enrol(recruiter)
    old = mfa.new_recovery_codes(recruiter)
    web = verified_client(recruiter)
    response = web.post(f"{SETUP}/recovery-codes/new")
    assert response["Location"] == f"{SETUP}/recovery-codes"
    new = [
        part.split("</code>")[0]
        for part in web.get(response["Location"]).content.decode().split("<code>")[1:]
    ]
    assert len(new) == mfa.RECOVERY_CODE_COUNT and not set(new) & set(old)
    with pytest.raises(mfa.CodeRefused):
        mfa.check(None, recruiter, old[0])
    wait_out_device_throttle()
    assert mfa.check(None, recruiter, new[0]).name == mfa.RECOVERY_DEVICE_NAME


def test_removing_the_factor_needs_a_code_or_the_password(org_admin):
    enrol(org_admin)
    mfa.new_recovery_codes(org_admin)
    web = verified_client(org_admin)
    refused = web.post(f"{SETUP}/remove", {"confirmation": "not my password"})
    assert refused.status_code == 400
    assert "neither a current code nor your password" in refused.content.decode()
    assert mfa.has_factor(org_admin)

    removed = web.post(f"{SETUP}/remove", {"confirmation": PASSWORD}, follow=True)
    assert not mfa.has_factor(org_admin) and mfa.recovery_codes_left(org_admin) == 0
    assert removed.redirect_chain[-1][0] == SETUP
    assert "Set up your authenticator app" in removed.content.decode()
    # An ADMIN cannot use the dashboard without it.
    assert web.get("/admin/approvals")["Location"] == f"{SETUP}?next=/admin/approvals"


def test_removing_with_a_current_code(recruiter):
    device = enrol(recruiter)
    web = verified_client(recruiter)
    assert web.post(f"{SETUP}/remove", {"confirmation": next_code(device)})["Location"] == SETUP
    assert not mfa.has_factor(recruiter)
    assert web.get("/admin/approvals").status_code == 200  # optional for recruiters


# --- /ops/ ----------------------------------------------------------------------------------------


@pytest.fixture
def operator(db):
    return User.objects.create_superuser("ops@platform.test", PASSWORD)


def test_ops_refuses_a_staff_user_without_a_verified_factor(operator):
    unenrolled = Client()
    unenrolled.force_login(operator)
    assert unenrolled.get("/ops/")["Location"] == f"{SETUP}?next=/ops/"
    assert unenrolled.get("/ops/accounts/user/")["Location"] == f"{SETUP}?next=/ops/accounts/user/"

    enrol(operator)
    unverified = Client()
    unverified.force_login(operator)
    assert unverified.get("/ops/")["Location"] == f"{CODE_PAGE}?next=/ops/"
    assert verified_client(operator).get("/ops/").status_code == 200


def test_operators_remove_devices_in_ops_but_never_see_their_secrets(ops, recruiter):
    device = enrol(recruiter)
    mfa.new_recovery_codes(recruiter)
    token = mfa.StaticToken.objects.filter(device__user=recruiter).first().token
    for url in (
        "/ops/otp_totp/totpdevice/",
        f"/ops/otp_totp/totpdevice/{device.pk}/change/",
        "/ops/otp_static/staticdevice/",
    ):
        page = ops.get(url)
        assert page.status_code == 200, url
        html = page.content.decode()
        assert device.key not in html and mfa.secret_for_people(device) not in html and token not in html
    assert ops.get(f"/ops/otp_totp/totpdevice/{device.pk}/qrcode/").status_code in (403, 404)
    ops.post(f"/ops/otp_totp/totpdevice/{device.pk}/delete/", {"post": "yes"})
    assert not mfa.has_factor(recruiter)


def test_ops_sign_in_takes_the_code_with_the_password(client, operator):
    device = enrol(operator)
    form = client.get("/ops/login/").content.decode()
    assert 'name="otp_token"' in form
    without = client.post("/ops/login/?next=/ops/", {"username": operator.email, "password": PASSWORD})
    assert without.status_code == 200
    assert "Enter the code from your authenticator app" in without.content.decode()
    assert "_auth_user_id" not in client.session
    wrong = client.post("/ops/login/", {"username": operator.email, "password": PASSWORD, "otp_token": "1"})
    assert "not right" in wrong.content.decode()
    wait_out_device_throttle()
    data = {"username": operator.email, "password": PASSWORD, "otp_token": next_code(device), "next": "/ops/"}
    assert client.post("/ops/login/?next=/ops/", data)["Location"] == "/ops/"
    assert client.get("/ops/").status_code == 200


def test_an_operator_without_a_factor_enrols_after_ops_sign_in(client, operator):
    response = client.post(
        "/ops/login/?next=/ops/", {"username": operator.email, "password": PASSWORD, "next": "/ops/"}
    )
    assert response["Location"] == "/ops/"
    assert client.get("/ops/")["Location"] == f"{SETUP}?next=/ops/"
    html = client.get(f"{SETUP}?next=/ops/").content.decode()
    assert "Set up your authenticator app" in html  # no organization needed
    device = mfa.app_device(operator, confirmed=False)
    response = client.post(f"{SETUP}/confirm", {"code": next_code(device), "next": "/ops/"})
    assert 'href="/ops/"' in client.get(response["Location"]).content.decode()
    assert client.get("/ops/").status_code == 200


# --- the API --------------------------------------------------------------------------------------


def api_login(client, user, otp=None, **headers):
    body = {"email": user.email, "password": PASSWORD, **({"otp": otp} if otp is not None else {})}
    return client.post(API_LOGIN, body, content_type="application/json", **headers)


def test_api_sign_in_takes_the_code_as_otp(client, org_admin):
    device = enrol(org_admin)
    missing = api_login(client, org_admin)
    assert missing.status_code == 401
    assert missing.json()["error"]["code"] == "otp_required"
    assert "otp" in missing.json()["error"]["fields"]
    assert api_login(client, org_admin, otp="").json()["error"]["code"] == "otp_required"

    wrong = api_login(client, org_admin, otp="000001" if next_code(device) != "000001" else "000002")
    assert wrong.status_code == 401
    assert wrong.json()["error"]["code"] == "otp_invalid"
    wait_out_device_throttle()

    right = api_login(client, org_admin, otp=next_code(device))
    assert right.status_code == 200
    assert right.json()["user"]["email"] == org_admin.email and right.json()["accessToken"]


def test_api_sign_in_with_a_recovery_code_works_once(client, recruiter):
    enrol(recruiter)
    code = mfa.new_recovery_codes(recruiter)[0]
    assert api_login(client, recruiter, otp=code).status_code == 200
    again = api_login(client, recruiter, otp=code)
    assert again.status_code == 401 and again.json()["error"]["code"] == "otp_invalid"


def test_api_sign_in_without_a_factor_is_unchanged(client, org_admin, recruiter):
    assert api_login(client, org_admin).status_code == 200
    # An otp sent by an account without a factor is not needed and does no harm.
    assert api_login(client, recruiter, otp="123456").status_code == 200


def test_wrong_api_codes_count_toward_the_sign_in_limit(client, recruiter):
    enrol(recruiter)
    statuses = [api_login(client, recruiter, otp="99999999").status_code for _ in range(10)]
    assert statuses[0] == 401 and set(statuses[1:]) == {429}  # the device waits longer after each
    # From another address (the API's own per-address limit does not apply), the account
    # is still over the limit: even a right recovery code is not checked.
    other = api_login(client, recruiter, otp=mfa.new_recovery_codes(recruiter)[0], REMOTE_ADDR="10.9.9.9")
    assert other.status_code == 429
    assert other.json()["error"]["code"] == "throttled"


# --- the demo admin -------------------------------------------------------------------------------


def test_the_demo_admin_is_an_admin_but_not_an_operator(capsys):
    call_command("seed_demo")
    # A database seeded before: the demo admin was a superuser and staff.
    User.objects.filter(email="admin@demo.ai-interview.com").update(is_superuser=True, is_staff=True)
    call_command("seed_demo")
    admin = User.objects.get(email="admin@demo.ai-interview.com")
    assert admin.role == Role.ADMIN
    assert not admin.is_superuser and not admin.is_staff
    assert "two-step sign-in" in capsys.readouterr().out

    client = Client()
    body = {"email": "admin@demo.ai-interview.com", "password": "Admin123!"}
    assert client.post(API_LOGIN, body, content_type="application/json").status_code == 200
    client.post(LOGIN, {"username": body["email"], "password": body["password"]})
    assert client.get("/ops/")["Location"].startswith(SETUP)  # must enrol first ...
    verified = verified_client(admin)
    assert verified.get("/ops/")["Location"].startswith("/ops/login/")  # ... and is not staff anyway


def test_a_session_that_owes_a_code_is_nobody_elsewhere(
    ats, recruiter_client, recruiter, capture, settings, monkeypatch, tmp_path
):
    """The recordings endpoint accepts the dashboard's session: not one that has only the password."""
    private_recordings(monkeypatch, tmp_path)
    settings.STT_PROVIDER = "pocketsphinx"
    interview, token = approved_link(ats, recruiter_client, recruiter, capture)
    speaking = Speaking(interview, token, capture, settings)
    uploaded = speaking.upload(encode(tone_wav(1.0), "mp4"), content_type="audio/mp4")
    recording_id = uploaded.json()["recordingId"]
    url = f"{CREATE}/{interview.run_id}/recordings/{recording_id}"

    enrol(recruiter)
    web = Client()
    password_step(web, recruiter)
    assert web.get(url).status_code == 401
    assert verified_client(recruiter, web).get(url).status_code == 200

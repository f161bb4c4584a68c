import pytest
from django.core.management import call_command

from accounts.models import ApiKey, Organization, User, hash_api_key

pytestmark = pytest.mark.django_db

LOGIN = "/api/v1/auth/login"


def test_seed_demo_is_idempotent_and_prints_credentials(capsys):
    call_command("seed_demo")
    call_command("seed_demo")
    out = capsys.readouterr().out
    assert Organization.objects.filter(slug="demo").count() == 1
    assert User.objects.filter(email="admin@demo.ai-interview.com").count() == 1
    key = "demo_api_key_12345678901234567890123456789012345678901234567890123456"
    assert ApiKey.objects.get().key_hash == hash_api_key(key)
    assert key in out and "whsec_" in out and "Admin123!" in out
    # The raw key is never stored.
    assert not ApiKey.objects.filter(key_hash=key).exists()


def test_login_returns_tokens_and_user(client):
    call_command("seed_demo")
    response = client.post(
        LOGIN,
        {"email": "admin@demo.ai-interview.com", "password": "Admin123!"},
        content_type="application/json",
    )
    assert response.status_code == 200
    body = response.json()
    assert body["accessToken"].startswith("eyJ")
    assert body["refreshToken"]
    user = User.objects.get(email="admin@demo.ai-interview.com")
    assert body["user"]["id"] == str(user.id)
    assert body["user"]["email"] == "admin@demo.ai-interview.com"
    assert body["user"]["role"] == "ADMIN"


@pytest.mark.parametrize(
    "payload, status, field",
    [
        ({"email": "admin@demo.ai-interview.com", "password": "wrong"}, 401, None),
        ({"email": "nobody@demo.ai-interview.com", "password": "Admin123!"}, 401, None),
        ({"email": "not-an-email", "password": "x"}, 400, "email"),
        ({"password": "x"}, 400, "email"),
    ],
)
def test_login_errors(client, payload, status, field):
    call_command("seed_demo")
    response = client.post(LOGIN, payload, content_type="application/json")
    assert response.status_code == status
    error = response.json()["error"]
    assert error["message"]
    if field:
        assert field in error["fields"]


def demo_login(client) -> dict:
    call_command("seed_demo")
    response = client.post(
        LOGIN,
        {"email": "admin@demo.ai-interview.com", "password": "Admin123!"},
        content_type="application/json",
    )
    assert response.status_code == 200
    return response.json()


def test_refresh_rotates_and_blacklists(client):
    tokens = demo_login(client)
    first = client.post(
        "/api/v1/auth/refresh", {"refreshToken": tokens["refreshToken"]}, content_type="application/json"
    )
    assert first.status_code == 200
    assert first.json()["refreshToken"] != tokens["refreshToken"]
    again = client.post(
        "/api/v1/auth/refresh", {"refreshToken": tokens["refreshToken"]}, content_type="application/json"
    )
    assert again.status_code == 401


def test_logout_blacklists_refresh_token(client):
    tokens = demo_login(client)
    response = client.post(
        "/api/v1/auth/logout",
        {"refreshToken": tokens["refreshToken"]},
        content_type="application/json",
        HTTP_AUTHORIZATION=f"Bearer {tokens['accessToken']}",
    )
    assert response.status_code == 204
    after = client.post(
        "/api/v1/auth/refresh", {"refreshToken": tokens["refreshToken"]}, content_type="application/json"
    )
    assert after.status_code == 401


def test_wrong_passwords_from_one_address_back_off(client):
    call_command("seed_demo")
    responses = [
        client.post(
            LOGIN,
            {"email": "admin@demo.ai-interview.com", "password": "bad"},
            content_type="application/json",
        )
        for _ in range(7)
    ]
    assert [r.status_code for r in responses] == [401] * 5 + [429] * 2
    assert responses[-1]["Retry-After"] == "30"
    assert responses[-1].json()["error"]["retryAfterSeconds"] == 30

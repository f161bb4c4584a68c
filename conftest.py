from __future__ import annotations

import pytest
from rest_framework.test import APIClient


@pytest.fixture(autouse=True)
def _eager_jobs(settings, request):
    """Background jobs run synchronously in tests, unless a test brings a real worker."""
    from interview_platform.celery import app

    eager = "integration" not in request.keywords
    settings.CELERY_TASK_ALWAYS_EAGER = eager
    previous = app.conf.task_always_eager
    app.conf.task_always_eager = eager
    yield
    app.conf.task_always_eager = previous


@pytest.fixture(autouse=True)
def _no_throttle(settings, request):
    from django.core.cache import cache

    cache.clear()
    yield


@pytest.fixture
def make_org(db):
    from accounts.models import Organization

    def make(name: str = "Acme", slug: str | None = None):
        return Organization.objects.create(name=name, slug=slug or name.lower())

    return make


@pytest.fixture
def org(make_org):
    return make_org("Acme", "acme")


@pytest.fixture
def other_org(make_org):
    return make_org("Outsider", "outsider")


@pytest.fixture
def make_user(db):
    from accounts.models import Role, User

    def make(org, email: str, role: str = Role.RECRUITER, password: str = "S3cure-pass!"):
        return User.objects.create_user(email, password, organization=org, role=role)

    return make


@pytest.fixture
def recruiter(org, make_user):
    return make_user(org, "alice@acme.test")


@pytest.fixture
def outsider(other_org, make_user):
    return make_user(other_org, "charlie@outsider.test")


@pytest.fixture
def api_key(org):
    from accounts.models import ApiKey

    _, raw = ApiKey.create_with_raw(org, "ATS")
    return raw


@pytest.fixture
def other_api_key(other_org):
    from accounts.models import ApiKey

    _, raw = ApiKey.create_with_raw(other_org, "Outsider ATS")
    return raw


@pytest.fixture
def ats(api_key):
    """An API client authenticated as the organization's ATS."""
    client = APIClient()
    client.credentials(HTTP_X_API_KEY=api_key)
    return client


def bearer_client(user) -> APIClient:
    from rest_framework_simplejwt.tokens import RefreshToken

    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {RefreshToken.for_user(user).access_token}")
    return client


@pytest.fixture
def recruiter_client(recruiter):
    return bearer_client(recruiter)


@pytest.fixture
def outsider_client(outsider):
    return bearer_client(outsider)

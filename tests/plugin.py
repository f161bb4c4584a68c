"""The shared test fixtures: people, clients, interviews in each state, a webhook receiver.

Registered from the root ``conftest.py``; an app's own ``tests/conftest.py``
holds only what is local to that app.
"""

from __future__ import annotations

import pytest

from accounts.models import ApiKey, Organization, Role, User
from approvals.services import plan_approve
from interview_platform.celery import app as celery_app
from interviews import assessing
from interviews import effects as interview_effects
from interviews.models import Interview, State
from tests import factories
from tests.factories import CREATE, SEED_BODY, PlanTemplates, answer_all, api_key_client, waiting_interview
from tests.receiver import LOOPBACK, Receiver
from tests.second_factor import verified_client

PASSWORD = "S3cure-pass!"

# --- the test run -----------------------------------------------------------------------


@pytest.fixture(autouse=True)
def _eager_jobs(settings, request):
    """Background jobs run synchronously in tests, unless a test brings a real worker."""
    eager = "integration" not in request.keywords
    settings.CELERY_TASK_ALWAYS_EAGER = eager
    previous = celery_app.conf.task_always_eager
    celery_app.conf.task_always_eager = eager
    yield
    celery_app.conf.task_always_eager = previous


@pytest.fixture(autouse=True)
def _no_throttle():
    """Every test starts with empty rate-limit counters."""
    from django.core.cache import cache

    cache.clear()


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings):
    # Every user a test makes hashes a password; the production hasher takes
    # ~0.2 s per hash by design. No test depends on which hasher runs.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def capture(django_capture_on_commit_callbacks):
    """Run (or collect) what the code under test queues for after the commit."""
    return django_capture_on_commit_callbacks


# --- organizations and people -------------------------------------------------------------


@pytest.fixture
def make_org(db):
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
    def make(org, email: str, role: str = Role.RECRUITER, password: str = PASSWORD):
        return User.objects.create_user(email, password, organization=org, role=role)

    return make


@pytest.fixture
def recruiter(org, make_user):
    return make_user(org, "alice@acme.test")


@pytest.fixture
def outsider(other_org, make_user):
    return make_user(other_org, "charlie@outsider.test")


@pytest.fixture
def org_admin(org, make_user):
    return make_user(org, "dana@acme.test", role=Role.ADMIN)


# --- API keys and clients -------------------------------------------------------------------


@pytest.fixture
def ats_key(org) -> tuple[ApiKey, str]:
    """The organization's ATS key: the row and the raw key (shown once in real life)."""
    return ApiKey.create_with_raw(org, "ATS")


@pytest.fixture
def api_key(ats_key) -> str:
    return ats_key[1]


@pytest.fixture
def other_api_key(other_org) -> str:
    _, raw = ApiKey.create_with_raw(other_org, "Outsider ATS")
    return raw


@pytest.fixture
def ats(api_key):
    """An API client authenticated as the organization's ATS."""
    return api_key_client(api_key)


@pytest.fixture
def bearer_client():
    """``bearer_client(user)``: an API client signed in as ``user`` with a JWT."""
    return factories.bearer_client


@pytest.fixture
def recruiter_client(recruiter):
    return factories.bearer_client(recruiter)


@pytest.fixture
def outsider_client(outsider):
    return factories.bearer_client(outsider)


@pytest.fixture
def ops(db):
    """A client signed in to the operators' admin as a superuser, second factor verified."""
    return verified_client(User.objects.create_superuser("ops@acme.test", PASSWORD))


# --- interviews in each state -------------------------------------------------------------------


@pytest.fixture(scope="session")
def plan_templates() -> PlanTemplates:
    """The offline engine's plans, made once per request body for the whole run."""
    return PlanTemplates()


@pytest.fixture
def make_pending(ats_key, plan_templates, capture):
    """``make_pending(**body)``: PENDING with plan v1, built from the session's plans (fast).

    The rows are those intake and planning write; ``body`` takes the intake
    API's field names. For tests about the planning itself use ``make_planned``.
    """
    key, _ = ats_key

    def make(**body):
        with capture(execute=True):
            interview = waiting_interview(plan_templates, key, **body)
        return Interview.objects.get(pk=interview.pk)

    return make


@pytest.fixture
def pending(make_pending):
    return make_pending()


@pytest.fixture
def make_planned(ats, capture):
    """``make_planned(**body)``: requested through the API and planned by the engine's job."""

    def make(**body):
        with capture(execute=True):
            response = ats.post(CREATE, {**SEED_BODY, **body}, format="json")
        assert response.status_code == 201, response.content
        interview = Interview.objects.get(run_id=response.json()["runId"])
        assert interview.state == State.PENDING, interview.state
        return interview

    return make


@pytest.fixture
def info_needed(ats):
    response = ats.post(
        CREATE, {"candidateName": "Sam Lee", "candidateEmail": "sam@example.com"}, format="json"
    )
    assert response.json()["state"] == "INFO_NEEDED"
    return Interview.objects.get(run_id=response.json()["runId"])


@pytest.fixture
def make_assessed(make_pending, recruiter, capture):
    """An interview the candidate has finished and the engine has scored: ASSESSMENT_PENDING."""

    def make(**body):
        interview = make_pending(**body)
        with capture(execute=True):
            plan_approve(recruiter, interview)
        interview.refresh_from_db()
        answer_all(interview)
        with capture(execute=True):
            assessing.assess(interview.id)
        interview = Interview.objects.get(pk=interview.pk)
        assert interview.state == State.ASSESSMENT_PENDING, interview.state
        return interview

    return make


@pytest.fixture
def assessed(make_assessed):
    return make_assessed(candidateName="Ada Lovelace", candidateEmail="ada@example.com")


# --- webhooks -------------------------------------------------------------------------------------


@pytest.fixture
def allow_loopback(settings):
    """Let deliveries reach a local receiver; everything else stays refused."""
    settings.WEBHOOK_ALLOWED_NETWORKS = LOOPBACK


@pytest.fixture
def receiver(allow_loopback):
    """A local webhook receiver the deliveries may reach."""
    with Receiver() as r:
        yield r


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup, django_db_blocker):
    """The test database, dropped at the end without "being accessed by other users".

    Sessions that outlive the tests using them (a live server's subprocess just
    stopped, a thread pool's connection) would make the drop fail; they are ended first.
    """
    yield
    from django.db import connection

    if connection.vendor != "postgresql":
        return
    with django_db_blocker.unblock(), connection.cursor() as cursor:
        cursor.execute(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity"
            " WHERE datname = current_database() AND pid <> pg_backend_pid()"
        )


@pytest.fixture
def watch_jobs(monkeypatch):
    """``watch_jobs()``: from now on, the interview jobs queued are listed (by name), not run."""

    def watch() -> list[str]:
        names: list[str] = []
        monkeypatch.setattr(interview_effects, "enqueue", lambda name, *args: names.append(name))
        return names

    return watch

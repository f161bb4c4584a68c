"""Clients signed in to the recruiters' pages, and a real browser for the dashboard's browser tests."""

from __future__ import annotations

import os

import pytest
from django.test import Client

from tests.second_factor import verified_client
from tests.services import chromium_path


@pytest.fixture
def web(client, recruiter):
    """The Django test client, signed in as the organization's recruiter."""
    client.force_login(recruiter)
    return client


@pytest.fixture
def outsider_web(outsider):
    client = Client()
    client.force_login(outsider)
    return client


@pytest.fixture
def admin_web(org_admin):
    """A client signed in as an ADMIN of the organization (webhooks are theirs to manage).

    ADMINs must use a second factor: this one has an authenticator app and a verified session.
    """
    return verified_client(org_admin)


@pytest.fixture(scope="module")
def _allow_orm_beside_playwright():
    """Playwright's sync API runs an event loop in this thread, and Django refuses ORM
    calls from a thread with a running loop unless told it is deliberate. Only for
    the modules that drive a browser: the variable must not leak into other tests (or their subprocesses)."""
    previous = os.environ.get("DJANGO_ALLOW_ASYNC_UNSAFE")
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    yield
    if previous is None:
        os.environ.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
    else:
        os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = previous


@pytest.fixture(scope="module")
def browser(_allow_orm_beside_playwright):
    executable = chromium_path()
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=executable, args=["--no-sandbox", "--disable-background-networking"]
        )
        yield browser
        browser.close()


@pytest.fixture
def page(browser, live_server):
    context = browser.new_context(base_url=live_server.url, viewport={"width": 1366, "height": 900})
    context.set_default_timeout(10_000)
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    yield page
    context.close()
    assert not errors, f"JavaScript errors on the pages: {errors}"

"""Run inside the shape's settings: how many interviews the dashboard holds and how many SQL
queries each of its pages takes, printed as one JSON line for the load test's dashboard phase."""

from __future__ import annotations

import json

from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from accounts.models import User
from interviews.models import Interview

PAGES = ("/admin/approvals", "/admin/approvals/poll", "/admin/interviews")


def main(email: str) -> None:
    user = User.objects.get(email=email)
    interviews = Interview.objects.filter(organization=user.organization)
    client = Client(SERVER_NAME="127.0.0.1")
    client.force_login(user)
    queries = {}
    for path in PAGES:
        client.get(path)  # warm: the first request fills caches a long-running process keeps
        with CaptureQueriesContext(connection) as captured:
            status = client.get(path).status_code
        queries[path] = len(captured) if status == 200 else f"HTTP {status}"
    print(json.dumps({"interviews": interviews.count(), "queries per page": queries}))

"""The recruiters' busiest pages at 25,000 interviews: milliseconds and queries per request.

    make bench-dashboard       # PostgreSQL; a database of its own, created and dropped here

The database is the server of DATABASE_URL (default postgres://postgres@127.0.0.1:5432)
with the name ``bench_dashboard`` (BENCH_DATABASE_NAME; it must start with "bench", as it is
dropped first and last). One organization gets 25,000 interviews over a year, 8,000 of them
waiting for a decision, with plans, questions and assessments behind them. Each page is
requested through Django's test client as a signed-in recruiter, and the median of
BENCH_RUNS requests (default 30, after 3 warm-ups) is printed beside its target.

Arguments: ``--keep`` leaves the database for a look with psql; ``--interviews N`` and
``--waiting N`` change the sizes.
"""

from __future__ import annotations

import argparse
import os
import secrets
import statistics
import sys
import tempfile
import time
from urllib.parse import urlparse, urlunparse

TARGETS_MS = {"approvals": 80, "poll": 20, "interviews": 50}


def bench_url() -> str:
    base = os.environ.get("DATABASE_URL") or "postgres://postgres@127.0.0.1:5432/postgres"
    parsed = urlparse(base)
    if parsed.scheme not in ("postgres", "postgresql"):
        sys.exit(f"The dashboard benchmark needs PostgreSQL; DATABASE_URL is {parsed.scheme}://…")
    name = os.environ.get("BENCH_DATABASE_NAME", "bench_dashboard")
    if not name.startswith("bench"):
        sys.exit(f"Refusing to use the database {name!r}: its name must start with 'bench' (it is dropped).")
    return urlunparse(parsed._replace(path=f"/{name}"))


def recreate(url: str, *, drop_only: bool = False) -> None:
    """Drop the benchmark's database and (unless ``drop_only``) create it empty."""
    import psycopg
    from psycopg import sql

    parsed = urlparse(url)
    name = parsed.path.lstrip("/")
    assert name.startswith("bench"), name
    maintenance = urlunparse(parsed._replace(path="/postgres"))
    with psycopg.connect(maintenance, autocommit=True) as conn:
        conn.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))
        if not drop_only:
            conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))


def setup(url: str) -> None:
    """Django as production runs it (DEBUG off: no query log, templates without debug data,
    hashed static files), on the benchmark's database; BENCH_DEBUG=true measures DEBUG on."""
    os.environ["DATABASE_URL"] = url
    debug = os.environ.get("BENCH_DEBUG", "false")
    os.environ["DEBUG"] = debug
    if debug != "true":
        os.environ.update(
            SECRET_KEY=secrets.token_urlsafe(48),
            ALLOWED_HOSTS="testserver",
            DATA_DIR=tempfile.mkdtemp(prefix="bench-dashboard-"),
            SECURE_SSL_REDIRECT="false",
            SECURE_COOKIES="false",
            SECURE_HSTS_SECONDS="0",
        )
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "interview_platform.settings")
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    if debug != "true":
        call_command("collectstatic", "--noinput", verbosity=0)


def populate(total: int, waiting: int):
    from django.db import connection

    from accounts.models import Organization, Role, User
    from benchmarks.dashboard_data import build

    organization = Organization.objects.create(name="Bench", slug="bench")
    other = Organization.objects.create(name="Neighbour", slug="neighbour")
    user = User.objects.create_user("recruiter@bench.test", "Bench-pass-123", organization=organization)
    user.role = Role.RECRUITER
    user.save(update_fields=["role"])
    started = time.perf_counter()
    build(organization, total, waiting=waiting)
    build(other, 2000, waiting=500, seed=11)  # another organization's rows share the tables
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE")  # what autovacuum does to a table this size
    print(f"built {total:,} interviews ({waiting:,} waiting) in {time.perf_counter() - started:.1f} s")
    return user


def measure(client, url: str, runs: int, headers: dict | None = None) -> tuple[float, int, int]:
    """Median milliseconds, queries of one request, and its status."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    headers = headers or {}
    for _ in range(3):
        client.get(url, headers=headers)
    samples = []
    for _ in range(runs):
        start = time.perf_counter()
        response = client.get(url, headers=headers)
        samples.append((time.perf_counter() - start) * 1000)
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url, headers=headers)
    assert response.status_code in (200, 304), (url, response.status_code)
    return statistics.median(samples), len(queries.captured_queries), response.status_code


def run(user, runs: int) -> bool:
    from django.conf import settings
    from django.core import signals
    from django.db import close_old_connections
    from django.test import Client

    from benchmarks.dashboard_data import POSITIONS

    settings.ALLOWED_HOSTS = ["testserver", *settings.ALLOWED_HOSTS]
    # One connection for all requests, as a pooled deployment keeps it.
    signals.request_started.disconnect(close_old_connections)
    signals.request_finished.disconnect(close_old_connections)
    client = Client()
    client.force_login(user)
    etag = client.get("/admin/approvals/poll")["ETag"]
    position = POSITIONS[0].replace(" ", "+")
    pages = [
        ("approvals", "/admin/approvals", None),
        ("approvals", "/admin/approvals?kind=assessment&page=40", None),
        ("poll", "/admin/approvals/poll", None),
        ("poll", "/admin/approvals/poll (If-None-Match → 304)", {"If-None-Match": etag}),
        ("interviews", "/admin/interviews", None),
        ("interviews", "/admin/interviews?sort=score&dir=desc", None),
        ("", "/admin/interviews?sort=score&dir=asc", None),
        ("", "/admin/interviews?sort=recommendation&dir=desc", None),
        ("", "/admin/interviews?sort=state", None),
        ("", f"/admin/interviews?position={position}&sort=score&dir=desc", None),
        ("", "/admin/interviews?page=39", None),
        ("", f"/admin/interviews/compare?position={position}", None),
    ]
    print(f"\n{'page':<62} {'median':>9} {'queries':>8}  target")
    ok = True
    for kind, label, headers in pages:
        url = label.split(" ")[0]
        ms, queries, status = measure(client, url, runs, headers)
        target = TARGETS_MS.get(kind)
        verdict = ""
        if target:
            verdict = f"≤ {target} ms {'met' if ms <= target else 'MISSED'}"
            ok = ok and ms <= target
        shown = label if status == 200 else f"{label} [{status}]"
        print(f"{shown:<62} {ms:7.1f} ms {queries:>8}  {verdict}")
    return ok


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--interviews", type=int, default=25_000)
    parser.add_argument("--waiting", type=int, default=8_000)
    parser.add_argument("--keep", action="store_true", help="leave the database afterwards")
    args = parser.parse_args()
    runs = int(os.environ.get("BENCH_RUNS", "30"))
    url = bench_url()
    name = urlparse(url).path.lstrip("/")
    print(f"database {name} (created for this run); python {sys.version.split()[0]}")
    print(f"cores {os.cpu_count()}, load average {os.getloadavg()[0]:.2f}: on a shared machine, expect noise")
    recreate(url)
    try:
        setup(url)
        user = populate(args.interviews, args.waiting)
        met = run(user, runs)
    finally:
        from django.db import connections

        connections.close_all()
        if not args.keep:
            recreate(url, drop_only=True)
    print("\nall targets met" if met else "\nsome targets missed (see above)")


if __name__ == "__main__":
    main()

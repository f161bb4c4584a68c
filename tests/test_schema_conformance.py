"""Every operation in /api/schema/ answers as the schema says (schemathesis against a live server).

Run alone with ``pytest tests/test_schema_conformance.py``. A failure lists each
operation and check that disagreed, with the request that showed it.
"""

from __future__ import annotations

import pytest
from rest_framework_simplejwt.tokens import RefreshToken

from approvals.services import plan_approve
from tests.conformance import Report, load_schema, run_operation
from webhooks import services as webhook_services
from webhooks.models import Delivery

# Examples per operation, per generation mode (valid and invalid input), per credential.
EXAMPLES = 6

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.timeout(300)]


@pytest.fixture
def world(org, org_admin, api_key, make_pending, make_assessed, info_needed, receiver, capture):
    """Real objects for the path parameters: a pool of each kind, so that state-changing calls
    (approve, cancel, decide) meet both a fresh interview and one they already changed."""
    endpoint = webhook_services.endpoint_create(organization_id=org.id, url=f"{receiver.url}/endpoint")
    pending = [make_pending(callbackUrl=f"{receiver.url}/hook") for _ in range(3)]
    assessed = make_assessed()
    with capture(execute=True):
        link = plan_approve(org_admin, pending[0]).interview_link
    deliveries = Delivery.objects.filter(event__organization=org).values_list("id", flat=True)
    known = [{"run_id": str(interview.run_id)} for interview in (*pending, assessed, info_needed)]
    known.append({"token": link.rsplit("/", 1)[1], "question_id": "q1"})
    known.append({"endpoint_id": str(endpoint.id)})
    known.extend({"delivery_id": str(delivery)} for delivery in deliveries[:3])
    return {"known": known, "webhook_url": f"{receiver.url}/generated"}


def _run(base_url: str, headers: dict[str, str], world: dict) -> Report:
    schema = load_schema(base_url)
    report = Report()
    for result in schema.get_all_operations():
        operation = result.ok()
        run_operation(
            operation,
            base_url=base_url,
            headers=headers,
            known=world["known"],
            webhook_url=world["webhook_url"],
            report=report,
            examples=EXAMPLES,
        )
    print(f"{report.requests} requests; slowest: {report.slowest()}")
    return report


def test_api_key_caller(live_server, world, api_key):
    report = _run(live_server.url, {"X-API-Key": api_key}, world)
    assert len(report.operations) >= 28
    assert not report.findings, report.summary()


def test_admin_token_caller(live_server, world, org_admin):
    token = str(RefreshToken.for_user(org_admin).access_token)
    report = _run(live_server.url, {"Authorization": f"Bearer {token}"}, world)
    assert len(report.operations) >= 28
    assert not report.findings, report.summary()

"""What the ATS's most frequent calls cost in SQL: status, and creating an interview.

Measured before the change, with the same requests: status took 6 statements
(the key, the interview, the latest assessment, the link's event, the erasure,
the history) and a complete create 7 (the key, BEGIN, SAVEPOINT, the two rows,
RELEASE, COMMIT). Now the key comes from the cache, status reads the interview
with its facts in one query plus the history, and create writes its two rows.
"""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from approvals.services import plan_approve
from interview_platform import api
from interview_platform.api import represent
from interview_platform.prepared import Prepared
from interviews import selectors
from interviews.models import Erasure, Interview
from interviews.serializers import InterviewRequestIn, StatusOut
from tests.factories import CREATE, SEED_BODY

pytestmark = pytest.mark.django_db

STATUS = CREATE + "/{}/status"
TRANSACTION_CONTROL = ("BEGIN", "COMMIT", "SAVEPOINT", "RELEASE SAVEPOINT")
# The rows an intake must write, whatever the request path costs around them.
WORKFLOW_WRITES = (
    'INSERT INTO "interviews_interview"',
    'INSERT INTO "interviews_statechange"',
    'UPDATE "interviews_interview" SET "event_sequence"',
    'INSERT INTO "webhooks_event"',
    'SELECT "webhooks_endpoint"',
    'INSERT INTO "webhooks_delivery"',
)


def measured(fn):
    """``fn()``'s result and the SQL statements it ran."""
    with CaptureQueriesContext(connection) as captured:
        result = fn()
    return result, [q["sql"] for q in captured.captured_queries]


def beyond_the_workflow(sql: list[str]) -> list[str]:
    return [s for s in sql if not s.startswith(WORKFLOW_WRITES)]


def test_status_with_a_cached_key_takes_two_queries(ats, make_pending):
    interview = make_pending()
    url = STATUS.format(interview.run_id)
    _, cold = measured(lambda: ats.get(url))
    # A cold cache: the key is read (and its use recorded) once.
    assert sum('"accounts_apikey"' in s for s in cold) == 2, cold
    response, sql = measured(lambda: ats.get(url))
    assert response.status_code == 200
    assert len(sql) == 2, sql
    assert sql[0].startswith('SELECT "interviews_interview"') and '"interviews_statechange"' in sql[1]
    assert [h["state"] for h in response.json()["history"]] == ["VALIDATING_SKILLS", "PENDING"]


def test_the_two_query_status_says_what_the_full_reads_say(
    recruiter, make_pending, make_assessed, info_needed
):
    approved = make_pending(candidateEmail="approved@example.com")
    plan_approve(recruiter, approved)
    assessed = make_assessed()
    erased = make_assessed(candidateEmail="erased@example.com")
    Erasure.objects.create(interview=erased, actor_label="api-key:ATS")
    bodies = {}
    for interview in (make_pending(), approved, assessed, erased, info_needed):
        fast = StatusOut(selectors.status_for(recruiter, interview.run_id)).data
        full = StatusOut(selectors.status_body(Interview.objects.get(pk=interview.pk))).data
        assert fast == full
        # The view's output, its serializer built once, is the same body.
        assert represent(StatusOut, selectors.status_for(recruiter, interview.run_id)) == fast
        bodies[fast["state"]] = fast
    assert bodies["APPROVED"]["interviewLink"].startswith("http")
    assert bodies["ASSESSMENT_PENDING"]["assessmentId"] is not None
    assert StatusOut(selectors.status_for(recruiter, erased.run_id)).data["erasedAt"] is not None
    assert bodies["INFO_NEEDED"]["missingFields"]


@pytest.mark.parametrize(
    ("headers", "allowed"),
    [
        ({}, 2),  # the transaction around the two rows
        ({"HTTP_IDEMPOTENCY_KEY": "order-1"}, 4),  # and the key's record: looked for, then written
    ],
)
def test_create_costs_at_most_four_statements_beyond_the_workflow(ats, headers, allowed):
    ats.get(STATUS.format("00000000-0000-0000-0000-000000000000"))  # the key is cached by any request
    response, sql = measured(lambda: ats.post(CREATE, SEED_BODY, format="json", **headers))
    assert response.status_code == 201, response.content
    extra = beyond_the_workflow(sql)
    assert len(extra) == allowed <= 4, extra
    assert len(sql) - len(extra) == 2  # the interview and its first state change
    assert sum(s.startswith(TRANSACTION_CONTROL) for s in extra) == 2  # one transaction


def test_an_incomplete_create_writes_its_event_in_the_same_transaction(ats):
    ats.get(STATUS.format("00000000-0000-0000-0000-000000000000"))
    body = {"candidateName": "Sam Lee", "candidateEmail": "sam@example.com"}
    response, sql = measured(lambda: ats.post(CREATE, body, format="json"))
    assert response.json()["state"] == "INFO_NEEDED"
    assert len(beyond_the_workflow(sql)) == 2, sql


def test_the_request_serializer_builds_its_fields_once_not_per_request(ats, monkeypatch):
    monkeypatch.setattr(api, "_BUILT_FIELDS", {})
    built = []
    original = InterviewRequestIn.get_fields

    def counting(self):
        built.append(self)
        return original(self)

    monkeypatch.setattr(InterviewRequestIn, "get_fields", counting)
    assert ats.post(CREATE, SEED_BODY, format="json").status_code == 201
    assert ats.post(CREATE, {**SEED_BODY, "level": "bogus"}, format="json").status_code == 400
    assert ats.post(CREATE, {**SEED_BODY, "externalId": "second"}, format="json").status_code == 201
    assert len(built) == 1  # once, for every request after it


def test_a_prepared_query_runs_its_sql_with_the_callers_values(recruiter, outsider, make_pending):
    mine = make_pending()
    by_run = Prepared(
        lambda org, run: Interview.objects.filter(organization_id=org, run_id=run).values("id"), 2
    )
    assert by_run.rows(recruiter.organization_id, mine.run_id) == [{"id": mine.id}]
    assert by_run.rows(str(recruiter.organization_id), str(mine.run_id)) == [{"id": mine.id}]
    # Another organization does not find it.
    assert by_run.rows(outsider.organization_id, mine.run_id) == []
    assert by_run.rows(None, mine.run_id) == []
    twice = Prepared(lambda run: Interview.objects.filter(run_id=run, id=run).values("id"), 1)
    with pytest.raises(ValueError, match="each argument once"):
        twice.rows(mine.run_id)

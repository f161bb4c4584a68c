"""The README's Webhooks section: its verification snippet and its event catalogue match the code."""

from __future__ import annotations

import json
import re
import uuid
from datetime import timedelta

import pytest
from django.conf import settings

from accounts.models import new_webhook_secret
from webhooks import secrets

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("allow_loopback")]


def _section() -> str:
    text = (settings.BASE_DIR / "README.md").read_text()
    section = re.search(r"^## Webhooks\n(.*?)(?=^## )", text, re.S | re.M)
    assert section, "README.md has no '## Webhooks' section"
    return section.group(1)


def _readme_verify():
    blocks = re.findall(r"```python\n(.*?)```", _section(), re.S)
    [snippet] = [b for b in blocks if "def verify(" in b]
    # Short enough to copy by hand, as the README promises.
    assert len(snippet.strip().splitlines()) <= 12
    namespace: dict = {}
    exec(compile(snippet, "README.md", "exec"), namespace)  # noqa: S102 - our own README, on purpose
    return namespace["verify"]


def test_readme_snippet_verifies_a_real_delivery(org, receiver, make_interview, emit_event):
    verify = _readme_verify()
    emit_event(make_interview(receiver.url + "/hook"))
    [request] = receiver.requests
    assert verify(org.webhook_secret, request.headers, request.body) is True

    # And it is not a function that says yes to everything.
    assert verify(org.webhook_secret, request.headers, request.body.replace(b"PENDING", b"APPROVED")) is False
    other = new_webhook_secret()
    assert verify(other, request.headers, request.body) is False
    stale = {**request.headers, "webhook-timestamp": str(int(request.headers["webhook-timestamp"]) - 600)}
    assert verify(org.webhook_secret, stale, request.body) is False


def test_readme_snippet_accepts_either_secret_during_a_rotation(org, receiver, make_interview, emit_event):
    verify = _readme_verify()
    old = org.webhook_secret
    rotation = secrets.rotate_organization_secret(org, expires_in=timedelta(hours=1))
    emit_event(make_interview(receiver.url + "/hook"))
    [request] = receiver.requests
    assert len(request.headers["webhook-signature"].split()) == 2
    assert verify(rotation.secret, request.headers, request.body) is True
    assert verify(old, request.headers, request.body) is True


def test_readme_has_one_example_of_every_event_in_the_real_shape(org, receiver, make_interview, emit_event):
    from interviews.events import EVENTS
    from interviews.models import State

    section = _section()
    [block] = [b for b in re.findall(r"```json\n(.*?)```", section, re.S) if '"event":"interview.' in b]
    examples = [json.loads(line) for line in block.splitlines() if line.strip()]
    documented: dict[str, set[str]] = {}
    for events_cell, data_cell in re.findall(r"^\| (`interview\.[^|]+)\|[^|]*\|([^|]*)\|$", section, re.M):
        for name in re.findall(r"`(interview\.\w+)`", events_cell):
            documented[name] = set(re.findall(r"`(\w+)`", data_cell))

    emitted = set(EVENTS.values()) | {"interview.completed", "interview.erased"}
    assert set(documented) == emitted
    assert {e["event"] for e in examples} == emitted

    # A real event, for the envelope's keys, their order and the timestamp format.
    emit_event(make_interview(receiver.url + "/hook"))
    real = json.loads(receiver.requests[0].body)
    for example in examples:
        assert list(example) == list(real), example["event"]
        assert set(example["data"]) - {"sequence"} <= documented[example["event"]], example["event"]
        assert list(example["data"])[-1] == "sequence"  # emit() appends it last
        assert example["state"] in State.values
        assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z", example["timestamp"])
        uuid.UUID(example["runId"])
        uuid.UUID(example["interviewId"])
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z", real["timestamp"])

    # Per interview, the examples count 1, 2, 3, ... in order.
    by_run: dict[str, list[int]] = {}
    for example in examples:
        by_run.setdefault(example["runId"], []).append(example["data"]["sequence"])
    for sequences in by_run.values():
        assert sequences == sorted(sequences) and len(set(sequences)) == len(sequences)


def test_every_documented_event_has_one_builder_with_the_documented_keys():
    """The README's event table and ``interviews.events`` describe the same contract."""
    import inspect

    from interviews import events

    section = _section()
    documented: dict[str, set[str]] = {}
    for events_cell, data_cell in re.findall(r"^\| (`interview\.[^|]+)\|[^|]*\|([^|]*)\|$", section, re.M):
        for name in re.findall(r"`(interview\.\w+)`", events_cell):
            documented[name] = set(re.findall(r"`(\w+)`", data_cell))
    builders = {
        f"interview.{name}": fn
        for name, fn in inspect.getmembers(events, inspect.isfunction)
        if fn.__module__ == events.__name__
    }
    assert set(builders) == set(documented)

    class Row:
        id = uuid.uuid4()
        version = 2
        overall, recommendation = 80, "HIRE"
        final_score, final_recommendation, is_overridden = 70, "NO_HIRE", True

    from datetime import UTC, datetime

    class Erased:
        erased_at = datetime.now(UTC)
        actor_label = "api-key:ATS"

    samples = {
        "interview.info_needed": events.info_needed(["skills"], "no skill recognised"),
        "interview.plan_generated": events.plan_generated(Row),
        "interview.plan_approved": events.plan_approved(Row.id, "https://x/join/t", datetime.now(UTC)),
        "interview.plan_rejected": events.plan_rejected(Row.id, "more SQL", True),
        "interview.started": events.started(),
        "interview.completed": events.completed(3, abandoned=True),
        "interview.assessment_generated": events.assessment_generated(Row),
        "interview.assessment_approved": events.assessment_approved(Row, report_url="u"),
        "interview.cancelled": events.cancelled("Position filled"),
        "interview.expired": events.expired(),
        "interview.failed": events.failed("planning failed"),
        "interview.erased": events.erased(Erased),
    }
    assert set(samples) == set(documented)
    for name, data in samples.items():
        assert set(data) == documented[name] or (set(data) < documented[name]), name
    # Optional keys appear only when they carry something.
    assert events.info_needed(["jobDescription"]) == {"missingFields": ["jobDescription"]}
    assert events.completed(3) == {"answeredQuestions": 3}
    assert events.cancelled() == {}

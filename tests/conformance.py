"""Schema conformance: every operation of /api/schema/ exercised by schemathesis against a live server.

The run is deterministic (Hypothesis derandomized, a fixed number of examples
per operation) and collects every failure instead of stopping at the first, so
one run lists each operation and check that disagrees with the schema.
"""

from __future__ import annotations

import time
from collections.abc import Iterable
from dataclasses import dataclass, field

import requests
import schemathesis
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from hypothesis.errors import Unsatisfiable
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    ignored_auth,
    negative_data_rejection,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)

CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
    response_headers_conformance,
]
# A 2xx with credentials is re-sent without them and with wrong ones: both must be refused.
POSITIVE_CHECKS = [*CHECKS, ignored_auth]
# Schema-invalid input must be refused with a 4xx (the envelope says which field).
NEGATIVE_CHECKS = [*CHECKS, negative_data_rejection]
MODES = ((GenerationMode.POSITIVE, POSITIVE_CHECKS), (GenerationMode.NEGATIVE, NEGATIVE_CHECKS))
# The candidate's endpoints are CSRF-protected like the page that calls them: send
# the same token as cookie and header, as the page does, so the requests reach them.
CSRF_TOKEN = "schemaconformancecsrftoken012345"
# Body fields naming where webhooks go (the interview's callbackUrl, an endpoint's url).
URL_FIELDS = ("callbackUrl", "url")
AUDIO = st.binary(min_size=0, max_size=2048)
for _media in ("audio/webm", "audio/ogg", "audio/mp4", "audio/wav"):
    schemathesis.openapi.media_type(_media, AUDIO)


@dataclass
class Finding:
    operation: str
    check: str
    status: int | None
    detail: str

    def line(self) -> str:
        return f"{self.operation}: {self.check} (status {self.status})\n    {self.detail}"


@dataclass
class Report:
    findings: dict[tuple[str, str], Finding] = field(default_factory=dict)
    requests: int = 0
    operations: set[str] = field(default_factory=set)
    seconds: dict[str, float] = field(default_factory=dict)

    def add(self, finding: Finding) -> None:
        # One line per operation and check: the first example that shows it.
        self.findings.setdefault((finding.operation, finding.check), finding)

    def summary(self) -> str:
        lines = [finding.line() for finding in self.findings.values()]
        return f"{len(lines)} conformance failure(s) in {self.requests} requests:\n" + "\n".join(lines)

    def slowest(self, count: int = 5) -> str:
        ranked = sorted(self.seconds.items(), key=lambda item: -item[1])[:count]
        return ", ".join(f"{label} {seconds:.1f}s" for label, seconds in ranked)


def load_schema(base_url: str):
    return schemathesis.openapi.from_url(f"{base_url}/api/schema/")


def _case_strategy(operation, mode: GenerationMode, known: Iterable[dict]):
    """Generated path parameters, or ones naming real objects (so the 2xx answers are checked too)."""
    generated = operation.as_strategy(generation_mode=mode)
    combos = [combo for combo in known if set(combo) >= set(_path_names(operation))]
    if not combos:
        return generated
    narrowed = [{name: combo[name] for name in _path_names(operation)} for combo in combos]
    real = st.sampled_from(narrowed).flatmap(
        lambda params: operation.as_strategy(generation_mode=mode, path_parameters=params)
    )
    return st.one_of(real, generated)


def _keep_webhooks_local(case, webhook_url: str) -> None:
    """Valid generated URLs are real hosts: the webhooks they would get go to the local receiver."""
    if isinstance(case.body, dict):
        for key in URL_FIELDS:
            if isinstance(case.body.get(key), str):
                case.body[key] = webhook_url


def _path_names(operation) -> list[str]:
    return [parameter.name for parameter in operation.path_parameters]


def run_operation(
    operation,
    *,
    base_url: str,
    headers: dict[str, str],
    known: list[dict],
    report: Report,
    examples: int,
    webhook_url: str,
) -> None:
    label = operation.label
    report.operations.add(label)
    started = time.monotonic()
    for mode, checks in MODES:
        try:
            strategy = _case_strategy(operation, mode, known)
        except Exception:  # nothing to negate (no parameters, no body)
            continue

        @settings(
            max_examples=examples,
            derandomize=True,
            database=None,
            deadline=None,
            phases=[Phase.explicit, Phase.generate],
            suppress_health_check=list(HealthCheck),
            report_multiple_bugs=False,
        )
        @given(case=strategy)
        def exercise(case):
            report.requests += 1
            if mode is GenerationMode.POSITIVE:
                _keep_webhooks_local(case, webhook_url)
            with requests.Session() as session:
                try:
                    response = case.call(
                        base_url=base_url,
                        session=session,
                        headers={**headers, "X-CSRFToken": CSRF_TOKEN},
                        cookies={"csrftoken": CSRF_TOKEN},
                        timeout=30,
                    )
                except requests.RequestException as exc:
                    report.add(Finding(label, "transport", None, str(exc)))
                    return
            try:
                case.validate_response(response, checks=checks, headers=headers)
            except BaseExceptionGroup as group:
                for failure in group.exceptions:
                    title = getattr(failure, "title", type(failure).__name__)
                    message = " ".join(str(getattr(failure, "message", failure)).split())[:300]
                    body = response.text[:200].replace("\n", " ")
                    curl = case.as_curl_command(headers=dict(response.request.headers))[:600]
                    detail = f"{message}\n    body: {body}\n    {curl}"
                    report.add(Finding(label, title, response.status_code, detail))
            except AssertionError as exc:
                report.add(Finding(label, type(exc).__name__, response.status_code, str(exc)[:300]))

        try:
            exercise()
        except Unsatisfiable:
            if mode is GenerationMode.POSITIVE:
                report.add(Finding(label, "generation (positive)", None, "no valid request could be made"))
            # Negative: every input the schema allows is valid (e.g. a free-form string), nothing to negate.
        except Exception as exc:  # generation refused by Hypothesis: say so, do not hide it
            report.add(Finding(label, f"generation ({mode.value})", None, repr(exc)[:300]))
    report.seconds[label] = report.seconds.get(label, 0.0) + time.monotonic() - started

"""What the benchmarks send: one complete interview request, as an ATS would."""

from __future__ import annotations

from interviews.agents.base import InterviewRequest

INTAKE_BODY = {
    "candidateName": "Jane Smith",
    "candidateEmail": "jane@example.com",
    "position": "Senior Software Engineer",
    "level": "SENIOR",
    "skills": ["TypeScript", "React", "Node.js", "PostgreSQL"],
    "jobDescription": (
        "Join our platform team to build scalable web applications with a modern tech stack. "
        "You will architect and own key services."
    ),
}


def intake_body(i: int) -> dict:
    """The ``i``-th request: the same interview, told apart by its external id."""
    return {**INTAKE_BODY, "externalId": f"bench-{i}"}


def engine_request() -> InterviewRequest:
    """The same request as the engine sees it (no candidate name or email)."""
    return InterviewRequest(
        position=INTAKE_BODY["position"],
        level=INTAKE_BODY["level"],
        skills=INTAKE_BODY["skills"],
        job_description=INTAKE_BODY["jobDescription"],
    )

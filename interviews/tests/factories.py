"""Building interviews through the real API and services, for tests."""

from __future__ import annotations

from rest_framework.test import APIClient

from conftest import bearer_client

SEED_BODY = {
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


def approved_interview(api_key: str, recruiter, capture, **overrides) -> tuple[str, str]:
    """Create (through the API) and approve an interview; returns (run_id, join token)."""
    ats = APIClient()
    ats.credentials(HTTP_X_API_KEY=api_key)
    with capture(execute=True):
        created = ats.post("/api/v1/a2a/interview", {**SEED_BODY, **overrides}, format="json")
    assert created.status_code == 201, created.content
    run_id = created.json()["runId"]
    with capture(execute=True):
        approved = bearer_client(recruiter).post(
            f"/api/v1/a2a/interview/{run_id}/approve", {"approved": True}, format="json"
        )
    assert approved.status_code == 200, approved.content
    token = approved.json()["interviewLink"].rsplit("/", 1)[1]
    return run_id, token

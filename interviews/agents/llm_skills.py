"""The LLM engine's skill step: what the model is shown, and how its verdicts join the taxonomy's."""

from __future__ import annotations

import re

from interviews.agents.base import InterviewRequest, SkillValidation, ValidatedSkill
from interviews.agents.schemas import SkillReview
from interviews.agents.taxonomy import canonical_skill, taxonomy

MAX_INFERRED_SKILLS = 3
_CATEGORY_RE = re.compile(r"^[a-z][a-z-]{0,29}$")


def review_request(request: InterviewRequest, listed: list[ValidatedSkill]) -> dict:
    """The model's input: the request and the taxonomy's verdict on each listed skill."""
    return {
        "position": request.position,
        "level": request.level,
        "job_description": request.job_description,
        "skills": [
            {
                "original": s.original,
                "taxonomy": (
                    {"recognised": True, "name": s.name, "category": s.category}
                    if s.status == "VALID"
                    else {"recognised": False}
                ),
            }
            for s in listed
        ],
    }


def merge_skills(
    taxonomy_result: SkillValidation, listed: list[ValidatedSkill], review: SkillReview
) -> SkillValidation:
    """The taxonomy's recognition, plus the model's verdicts on what it did not recognise."""
    verdicts = {
        v.original.strip().lower(): v for v in review.skills if v.status != "INFERRED" and v.original.strip()
    }
    result: list[ValidatedSkill] = []
    seen: set[str] = set()

    def add(skill: ValidatedSkill) -> None:
        key = skill.name.lower() if skill.status != "UNKNOWN" else "?" + skill.original.lower()
        if key not in seen:
            seen.add(key)
            result.append(skill)

    for skill in listed:
        verdict = verdicts.get(skill.original.strip().lower())
        if skill.status == "VALID" or verdict is None or verdict.status != "VALID":
            # The taxonomy's recognition stands; an entry the model did not
            # vouch for stays UNKNOWN.
            add(skill)
            continue
        name, category = _canonical(verdict.name, verdict.category)
        add(ValidatedSkill(name, skill.original, "VALID", category))
    for skill in taxonomy_result.skills:
        if skill.status == "INFERRED":
            add(skill)
    for verdict in [v for v in review.skills if v.status == "INFERRED"][:MAX_INFERRED_SKILLS]:
        name, category = _canonical(verdict.name, verdict.category)
        add(ValidatedSkill(name, "", "INFERRED", category))

    if any(s.status in ("VALID", "INFERRED") for s in result):
        return SkillValidation(skills=result, ok=True)
    return SkillValidation(skills=result, ok=False, reason=taxonomy_result.reason)


def _canonical(name: str, category: str) -> tuple[str, str]:
    known = canonical_skill(name, taxonomy())
    if known is not None:
        return known.name, known.category
    category = category.strip().lower()
    return name.strip(), category if _CATEGORY_RE.match(category) else ""

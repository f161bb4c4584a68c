"""An assessment in a few numbers: what the summary at the top of its page, the confirmation
page and the comparison show."""

from __future__ import annotations

RECOMMENDATION_WORDS = {
    "STRONG_HIRE": "Strong hire",
    "HIRE": "Hire",
    "LEAN_NO_HIRE": "Lean no hire",
    "NO_HIRE": "No hire",
}


def skill_rows(result: dict) -> list[dict]:
    """The per-skill averages (1..5) by name, each with its share of the scale for the bars."""
    return [
        {"skill": skill, "score": float(score), "percent": round(float(score) / 5 * 100)}
        for skill, score in sorted((result.get("skill_scores") or {}).items())
    ]


def extremes(skills: list[dict]) -> tuple[dict | None, dict | None]:
    """The strongest and the weakest skill; the weakest is left out when there is only one."""
    if not skills:
        return None, None
    # Ties go to the first skill by name, in both directions.
    strongest = min(skills, key=lambda s: (-s["score"], s["skill"]))
    weakest = min(skills, key=lambda s: (s["score"], s["skill"]))
    return strongest, (weakest if weakest is not strongest else None)


def flag_kinds(result: dict) -> list[str]:
    """The kinds of flags raised, each once, in the order they were first raised."""
    kinds: list[str] = []
    for flag in result.get("flags") or []:
        kind = flag.get("kind", "")
        if kind and kind not in kinds:
            kinds.append(kind)
    return kinds


def at_a_glance(assessment) -> dict:
    result = assessment.result or {}
    skills = skill_rows(result)
    strongest, weakest = extremes(skills)
    return {
        "skills": skills,
        "strongest": strongest,
        "weakest": weakest,
        "flag_count": len(result.get("flags") or []),
        "flag_kinds": flag_kinds(result),
    }

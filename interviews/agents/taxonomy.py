"""The skill taxonomy (``data/skills.json``): canonical names, aliases, and skills a job description implies.

Both engines validate skills against it first, so a recognised skill always
gets the same canonical name ("reactjs" -> React) and can never be dropped.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

from interviews.agents.base import InterviewRequest, SkillValidation, ValidatedSkill
from interviews.agents.text import alias_key, phrase_pattern

DATA_DIR = Path(__file__).resolve().parent / "data"

BEHAVIORAL = "Behavioral"
SYSTEM_DESIGN = "System Design"
# Pseudo-skills of the bank that are not in the taxonomy, with the question
# kind each one must carry.
SPECIAL_SKILLS = {BEHAVIORAL: "behavioral", SYSTEM_DESIGN: "system_design"}
KINDS = ("technical", "behavioral", "system_design")

# "Python 3", "Vue v3.4", "Java 17", "Angular 2+": a trailing version number.
_VERSION_SUFFIX_RE = re.compile(r"[\s\-]*v?\d+(?:\.(?:\d+|x))*\+?$")


class BankError(ValueError):
    """The skill taxonomy or the question bank on disk is inconsistent."""


def kind_of(skill: str) -> str:
    """The question kind a skill's questions carry: its own for the pseudo-skills, else technical."""
    return SPECIAL_SKILLS.get(skill, "technical")


@dataclass(frozen=True)
class SkillDef:
    name: str
    category: str
    aliases: tuple[str, ...]
    infer: tuple[str, ...]
    # An everyday English word ("Go", "Swift", "Rust"): never inferred from the
    # bare word and only recognised in feedback when capitalised.
    ambiguous: bool = False
    # (pattern, case_sensitive) pairs compiled from ``infer``.
    infer_patterns: tuple[tuple[re.Pattern[str], bool], ...] = field(default=(), compare=False, repr=False)


@dataclass(frozen=True)
class Taxonomy:
    skills: tuple[SkillDef, ...]
    by_key: dict[str, SkillDef]

    def skill(self, name: str) -> SkillDef | None:
        return next((s for s in self.skills if s.name == name), None)


def _skill_from_json(raw: dict) -> SkillDef:
    # An infer phrase starting with "=" is matched case-sensitively: "React"
    # names the library, "react to incidents" does not.
    infer = tuple(str(p) if str(p).startswith("=") else str(p).lower() for p in raw["infer"])
    return SkillDef(
        name=str(raw["name"]),
        category=str(raw.get("category", "")),
        aliases=tuple(str(a) for a in raw.get("aliases", [])),
        infer=infer,
        ambiguous=bool(raw.get("ambiguous", False)),
        infer_patterns=tuple(
            (phrase_pattern(p[1:], case_sensitive=True), True)
            if p.startswith("=")
            else (phrase_pattern(p), False)
            for p in infer
        ),
    )


def load_taxonomy(data_dir: Path = DATA_DIR) -> Taxonomy:
    """Read and check ``skills.json`` (no caching)."""
    try:
        raw_skills = json.loads((data_dir / "skills.json").read_text(encoding="utf-8"))["skills"]
    except (OSError, ValueError, KeyError) as exc:
        raise BankError(f"cannot read {data_dir / 'skills.json'}: {exc}") from exc

    skills: list[SkillDef] = []
    by_key: dict[str, SkillDef] = {}
    for raw in raw_skills:
        skill = _skill_from_json(raw)
        if skill.name in SPECIAL_SKILLS:
            raise BankError(f"skills.json: {skill.name!r} is reserved")
        for alias in (skill.name, *skill.aliases):
            key = alias_key(alias)
            if not key:
                raise BankError(f"skills.json: empty alias for {skill.name!r}")
            other = by_key.get(key)
            if other is not None and other.name != skill.name:
                raise BankError(
                    f"skills.json: alias {alias!r} maps to both {other.name!r} and {skill.name!r}"
                )
            by_key[key] = skill
        skills.append(skill)
    names = [s.name for s in skills]
    if len(set(names)) != len(names):
        raise BankError("skills.json: duplicate skill names")
    return Taxonomy(skills=tuple(skills), by_key=by_key)


@lru_cache(maxsize=1)
def taxonomy() -> Taxonomy:
    """The process-wide taxonomy, read once."""
    return load_taxonomy()


def canonical_skill(text: str, known: Taxonomy) -> SkillDef | None:
    """The taxonomy entry ``text`` names, if any ("reactjs" -> React)."""
    key = alias_key(text)
    if not key:
        return None
    found = known.by_key.get(key)
    if found is None and key.endswith("s"):
        found = known.by_key.get(key[:-1])  # "REST APIs", "Microservices"
    if found is None:
        # Versions are not part of the name: "Python 3", "Vue 3.4", "Java 17".
        stripped = alias_key(_VERSION_SUFFIX_RE.sub("", text.strip().lower()))
        if stripped and stripped != key:
            found = known.by_key.get(stripped)
    return found


def _listed_skills(
    request: InterviewRequest, known: Taxonomy
) -> tuple[list[ValidatedSkill], set[str], list[str]]:
    # The request's own entries, canonicalised and without duplicates; the
    # keys seen; and the entries the taxonomy does not know.
    result: list[ValidatedSkill] = []
    seen: set[str] = set()
    unknown: list[str] = []
    for raw in request.skills:
        original = str(raw)
        text = original.strip()
        if not text:
            continue  # an empty entry is noise, not a skill
        sd = canonical_skill(text, known)
        if sd is not None:
            if sd.name in seen:
                continue
            seen.add(sd.name)
            result.append(ValidatedSkill(sd.name, original, "VALID", sd.category))
        else:
            key = "?" + (alias_key(text) or text.lower())
            if key in seen:
                continue
            seen.add(key)
            unknown.append(text)
            result.append(ValidatedSkill(text, original, "UNKNOWN", ""))
    return result, seen, unknown


def validate_skills(request: InterviewRequest, known: Taxonomy) -> SkillValidation:
    """The request's skills by canonical name, plus those the position and job description name."""
    result, seen, unknown = _listed_skills(request, known)
    description = f"{request.position}\n{request.job_description}"
    lowered = description.lower()
    for sd in known.skills:
        if sd.name in seen:
            continue
        if any(p.search(description if exact else lowered) for p, exact in sd.infer_patterns):
            seen.add(sd.name)
            result.append(ValidatedSkill(sd.name, "", "INFERRED", sd.category))

    if any(s.status in ("VALID", "INFERRED") for s in result):
        return SkillValidation(skills=result, ok=True)
    if unknown:
        listed = ", ".join(f"'{u}'" for u in unknown)
        reason = f"None of the skills could be matched to a known skill: {listed}."
    else:
        reason = "No skills were given and none could be inferred from the job description."
    reason += " Send at least one recognised skill (for example: Python, React, PostgreSQL)."
    return SkillValidation(skills=result, ok=False, reason=reason)

"""Score a transcript file offline, to check and calibrate the assessor.

    python manage.py assess_transcript transcript.json [--format text]

The file format is documented in the README ("Checking the assessor offline").
"""

from __future__ import annotations

import json
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from interviews.agents import get_engine
from interviews.agents.base import IntegrityEvent, Turn, plan_from_dict, to_dict


def load_transcript(data: dict):
    if not isinstance(data, dict) or not isinstance(data.get("questions"), list):
        raise CommandError('The file must be a JSON object with a "questions" list and an "answers" list.')
    questions = data["questions"]
    try:
        plan = plan_from_dict(
            {
                "questions": questions,
                "duration_minutes": data.get("durationMinutes", sum(q.get("minutes", 5) for q in questions)),
                "summary": "",
            }
        )
    except (KeyError, TypeError) as exc:
        raise CommandError(f"A question is missing a field: {exc}") from None
    turns = []
    for position, answer in enumerate(data.get("answers", [])):
        try:
            index = int(answer["questionIndex"])
            text = str(answer["text"])
        except (KeyError, TypeError, ValueError):
            raise CommandError(f'Answer {position} needs "questionIndex" (a number) and "text".') from None
        if not 0 <= index < len(plan.questions):
            raise CommandError(f"Answer {position} points at question {index}, which does not exist.")
        kind = answer.get("kind", "main")
        if kind not in ("main", "followup"):
            raise CommandError(f'Answer {position}: "kind" must be "main" or "followup".')
        turns.append(
            Turn(
                question_index=index,
                kind=kind,
                question_text=answer.get("question", plan.questions[index].text),
                answer_text=text,
            )
        )
    integrity = [
        IntegrityEvent(event=str(e["event"]), at=str(e.get("at", ""))) for e in data.get("integrity", [])
    ]
    return plan, turns, integrity


class Command(BaseCommand):
    help = "Print the assessment of a transcript file (plan questions with rubric, and the answers)."

    def add_arguments(self, parser):
        parser.add_argument("file", type=Path)
        parser.add_argument("--format", choices=["json", "text"], default="json")

    def handle(self, *args, **options):
        path: Path = options["file"]
        try:
            data = json.loads(path.read_text())
        except FileNotFoundError:
            raise CommandError(f"No such file: {path}") from None
        except json.JSONDecodeError as exc:
            raise CommandError(f"{path} is not valid JSON: {exc}") from None
        plan, turns, integrity = load_transcript(data)
        assessment = get_engine().assess(plan, turns, integrity)
        if options["format"] == "json":
            self.stdout.write(json.dumps(to_dict(assessment), indent=2))
            return
        self.stdout.write(f"Overall {assessment.overall}/100 — {assessment.recommendation}")
        for score in assessment.question_scores:
            question = plan.questions[score.question_index]
            flag = f"  NEEDS REVIEW ({', '.join(score.review_reasons)})" if score.needs_review else ""
            self.stdout.write(
                f"\n[{score.score}/5, {score.points:g} points] {question.skill}: {question.text}{flag}"
            )
            if score.review_reasons and not score.needs_review:
                self.stdout.write(f"  notes: {', '.join(score.review_reasons)}")
            self.stdout.write(f"  matched: {', '.join(score.matched_concepts) or '—'}")
            self.stdout.write(f"  missing: {', '.join(score.missing_concepts) or '—'}")
            for quote in score.evidence:
                self.stdout.write(f'  "{quote}"')
        if assessment.strengths:
            self.stdout.write("\nStrengths: " + "; ".join(assessment.strengths))
        if assessment.concerns:
            self.stdout.write("Concerns: " + "; ".join(assessment.concerns))

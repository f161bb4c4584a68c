"""Measure the assessor on strong/weak answer pairs.

    python manage.py evaluate_assessor PAIRS.json [--format text|json] [--show-wrong]

The pairs format is documented in the README ("Checking the assessor offline").
"""

from __future__ import annotations

import json
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from interviews.agents import get_engine
from interviews.agents.bank import bank
from interviews.agents.evaluation import PairsError, accuracy, evaluate, parse_pairs


class Command(BaseCommand):
    help = "Print the assessor's accuracy per kind and overall on a strong/weak pairs file."

    def add_arguments(self, parser):
        parser.add_argument("file", type=Path)
        parser.add_argument("--format", choices=["json", "text"], default="text")
        parser.add_argument(
            "--show-wrong", action="store_true", help="List the pairs the assessor got wrong."
        )

    def handle(self, *args, **options):
        path: Path = options["file"]
        try:
            data = json.loads(path.read_text())
        except FileNotFoundError:
            raise CommandError(f"No such file: {path}") from None
        except json.JSONDecodeError as exc:
            raise CommandError(f"{path} is not valid JSON: {exc}") from None
        try:
            pairs = parse_pairs(data, bank())
        except PairsError as exc:
            raise CommandError(str(exc)) from None
        # The configured engine without its recorder: a measurement is not an
        # interview, so it leaves no AgentStep rows behind.
        outcomes = evaluate(get_engine().engine, bank(), pairs)
        result = accuracy(outcomes)
        if options["format"] == "json":
            counts = {k: sum(1 for o in outcomes if k in ("overall", o.pair.kind)) for k in result}
            payload = {k: {"accuracy": round(v, 4), "pairs": counts[k]} for k, v in result.items()}
            self.stdout.write(json.dumps(payload, indent=2))
            return
        for kind, share in result.items():
            count = sum(1 for o in outcomes if kind in ("overall", o.pair.kind))
            right = round(share * count)
            self.stdout.write(f"{kind:<20} {share * 100:6.1f}%  ({right}/{count})")
        if options["show_wrong"]:
            for o in outcomes:
                if not o.right:
                    self.stdout.write(
                        f"WRONG {o.pair.kind} {o.pair.question}: strong {o.strong.points} "
                        f"{o.strong.review_reasons} vs weak {o.weak.points} {o.weak.review_reasons}"
                    )

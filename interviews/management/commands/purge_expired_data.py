"""Show (``--dry-run``) or remove what has outlived its retention window.

    python manage.py purge_expired_data --dry-run
    python manage.py purge_expired_data [--kind transcripts --kind agent_steps]

The windows are the RETENTION_DAYS_* settings and RECORDING_RETENTION_DAYS (README,
"Erasure and retention"); the hourly jobs do the same without being asked.
"""

from __future__ import annotations

from django.core.management.base import BaseCommand

from interviews import retention


class Command(BaseCommand):
    help = "Preview (--dry-run) or purge the data that is older than its retention window."

    def add_arguments(self, parser):
        parser.add_argument("--dry-run", action="store_true", help="Only count what would be purged.")
        parser.add_argument(
            "--kind",
            action="append",
            choices=list(retention.BY_NAME),
            help="Purge only this kind (repeatable); all kinds by default.",
        )

    def handle(self, *args, dry_run: bool = False, kind=None, **options):
        kinds = kind or list(retention.BY_NAME)
        rows = [row for row in retention.preview() if row["kind"] in kinds]
        if dry_run:
            self.stdout.write("Dry run: nothing is removed.")
            for row in rows:
                self.stdout.write(
                    f"{row['kind']:<17} {row['count']:>7} older than {row['days']} days "
                    f"({row['variable']}): {row['description']}"
                )
            return
        purged = retention.purge(kinds)
        for name in kinds:
            self.stdout.write(f"{name:<17} {purged[name]:>7} purged")
        self.stdout.write(self.style.SUCCESS(f"Purged {sum(purged.values())} in all."))

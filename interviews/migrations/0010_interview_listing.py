# The lists' copies on Interview (interviews/listing.py), their indexes, an index of decision
# times, and a backfill of the existing rows: what workflow.transition would have set had it
# kept the copies from the start.

import django.db.models.functions.comparison
from django.db import migrations, models
from django.db.models import F, OuterRef, Subquery
from django.db.models.functions import Coalesce

WAITING = ("PENDING", "ASSESSMENT_PENDING")
BATCH = 500


def backfill(apps, schema_editor):
    Interview = apps.get_model("interviews", "Interview")
    Assessment = apps.get_model("interviews", "Assessment")
    StateChange = apps.get_model("interviews", "StateChange")
    # When each waiting interview entered its current state (its last StateChange to it).
    entered = (
        StateChange.objects.filter(interview=OuterRef("pk"), to_state=OuterRef("state"))
        .order_by("-created_at", "-id")
        .values("created_at")[:1]
    )
    Interview.objects.filter(state__in=WAITING).update(
        waiting_since=Coalesce(Subquery(entered), F("updated_at"))
    )
    # The newest assessment of each interview, with the recruiter's final values once decided.
    rows, seen = [], None
    for assessment in Assessment.objects.order_by("interview_id", "-created_at").iterator(chunk_size=BATCH):
        if assessment.interview_id == seen:
            continue  # an older assessment of the same interview
        seen = assessment.interview_id
        score = assessment.decided_score if assessment.decided_score is not None else assessment.overall
        rows.append(
            Interview(
                pk=assessment.interview_id,
                score=score,
                recommendation=assessment.decided_recommendation or assessment.recommendation,
                flag_count=len((assessment.result or {}).get("flags") or []),
            )
        )
        if len(rows) >= BATCH:
            Interview.objects.bulk_update(rows, ["score", "recommendation", "flag_count"])
            rows = []
    Interview.objects.bulk_update(rows, ["score", "recommendation", "flag_count"])


class Migration(migrations.Migration):

    dependencies = [
        ('accounts', '0004_organization_candidate_emails_privacy'),
        ('interviews', '0009_candidate_session_integrity_events_dropped'),
    ]

    operations = [
        migrations.AddField(
            model_name='interview',
            name='flag_count',
            field=models.PositiveSmallIntegerField(blank=True, null=True),
        ),
        migrations.AddField(
            model_name='interview',
            name='recommendation',
            field=models.CharField(blank=True, max_length=16, null=True),
        ),
        migrations.AddField(
            model_name='interview',
            name='score',
            field=models.FloatField(blank=True, null=True),
        ),
        migrations.AddField(
            model_name='interview',
            name='waiting_since',
            field=models.DateTimeField(blank=True, null=True),
        ),
        migrations.AddIndex(
            model_name='interview',
            index=models.Index(condition=models.Q(('waiting_since__isnull', False)), fields=['organization', 'waiting_since', 'id', 'state', 'updated_at'], name='interview_queue_idx'),
        ),
        migrations.AddIndex(
            model_name='interview',
            index=models.Index(fields=['organization', 'created_at', 'id'], name='interview_created_idx'),
        ),
        migrations.AddIndex(
            model_name='interview',
            index=models.Index(models.F('organization'), models.F('position'), django.db.models.functions.comparison.Coalesce(models.F('score'), models.Value(-1.0)), models.F('created_at'), models.F('id'), name='interview_position_idx'),
        ),
        migrations.AddIndex(
            model_name='interview',
            index=models.Index(models.F('organization'), django.db.models.functions.comparison.Coalesce(models.F('score'), models.Value(-1.0)), models.F('created_at'), models.F('id'), name='interview_score_idx'),
        ),
        migrations.AddIndex(
            model_name='interview',
            index=models.Index(models.F('organization'), models.Case(models.When(recommendation='STRONG_HIRE', then=models.Value(4)), models.When(recommendation='HIRE', then=models.Value(3)), models.When(recommendation='LEAN_NO_HIRE', then=models.Value(2)), models.When(recommendation='NO_HIRE', then=models.Value(1)), default=models.Value(0), output_field=models.SmallIntegerField()), django.db.models.functions.comparison.Coalesce(models.F('score'), models.Value(-1.0)), models.F('created_at'), models.F('id'), name='interview_recommendation_idx'),
        ),
        migrations.AddIndex(
            model_name='assessment',
            index=models.Index(fields=['approved_at'], name='assessment_decided_idx'),
        ),
        migrations.RunPython(backfill, migrations.RunPython.noop),
    ]

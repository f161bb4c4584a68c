# The planners' claim on an interview waiting to be planned (interviews/plan_queue.py), and the
# index they and the stalled-work sweep read the waiting interviews through, oldest first.

from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('accounts', '0004_organization_candidate_emails_privacy'),
        ('interviews', '0010_interview_listing'),
    ]

    operations = [
        migrations.AddField(
            model_name='interview',
            name='planning_claimed_at',
            field=models.DateTimeField(blank=True, editable=False, null=True),
        ),
        migrations.AddIndex(
            model_name='interview',
            index=models.Index(condition=models.Q(('state', 'VALIDATING_SKILLS')), fields=['updated_at'], name='interview_planning_idx'),
        ),
    ]

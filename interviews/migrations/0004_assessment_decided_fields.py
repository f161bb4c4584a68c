from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("interviews", "0003_interview_plan_feedback"),
    ]

    operations = [
        migrations.RenameField(model_name="assessment", old_name="final_overall", new_name="decided_score"),
        migrations.RenameField(
            model_name="assessment", old_name="final_recommendation", new_name="decided_recommendation"
        ),
        migrations.AlterField(
            model_name="assessment",
            name="decided_score",
            field=models.PositiveSmallIntegerField(blank=True, null=True, verbose_name="final score"),
        ),
        migrations.AlterField(
            model_name="assessment",
            name="decided_recommendation",
            field=models.CharField(
                blank=True,
                choices=[
                    ("STRONG_HIRE", "Strong Hire"),
                    ("HIRE", "Hire"),
                    ("LEAN_NO_HIRE", "Lean No Hire"),
                    ("NO_HIRE", "No Hire"),
                ],
                max_length=16,
                verbose_name="final recommendation",
            ),
        ),
    ]

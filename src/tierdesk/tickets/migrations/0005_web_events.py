# The desk (issue 5): event kinds for merges and logged phone calls or visits (choices only).

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("tickets", "0004_sla_clocks"),
    ]

    operations = [
        migrations.AlterField(
            model_name="ticketevent",
            name="kind",
            field=models.CharField(
                choices=[
                    ("opened", "Opened"),
                    ("replied", "Replied"),
                    ("noted", "Internal note"),
                    ("assigned", "Assigned"),
                    ("priority_changed", "Priority changed"),
                    ("impact_set", "Impact set"),
                    ("escalated", "Escalated"),
                    ("handed_back", "Handed back"),
                    ("pended", "Pending"),
                    ("resumed", "Resumed"),
                    ("resolved", "Resolved"),
                    ("closed", "Closed"),
                    ("reopened", "Reopened"),
                    ("followed_up", "Follow-up opened"),
                    ("updated", "Updated"),
                    ("attached", "Attachment added"),
                    ("plan_changed", "Support plan changed"),
                    ("sla_warning", "SLA warning"),
                    ("sla_breached", "SLA breached"),
                    ("sla_escalated", "SLA escalation"),
                    ("merged", "Merged"),
                    ("contact_logged", "Phone call or visit logged"),
                ],
                max_length=30,
            ),
        ),
    ]

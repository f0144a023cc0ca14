# The desk (issue 5): "breaching soon" for a vendor agent, read per visibility branch (a team, the
# agent's own tickets) in due order, stopping at a page instead of sorting every ticket due soon.

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("tickets", "0006_open_queue_index"),
    ]

    operations = [
        migrations.AddIndex(
            model_name="ticket",
            index=models.Index(
                condition=models.Q(("status__in", ["new", "open", "pending"])),
                fields=["team", "sla_next_check_at", "id"],
                name="ticket_team_due_idx",
            ),
        ),
        migrations.AddIndex(
            model_name="ticket",
            index=models.Index(
                condition=models.Q(("status__in", ["new", "open", "pending"])),
                fields=["assignee", "sla_next_check_at", "id"],
                name="ticket_assignee_due_idx",
            ),
        ),
    ]

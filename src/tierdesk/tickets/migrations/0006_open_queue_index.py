# The desk (issue 5): the managers' "all open tickets" queue, most urgent then oldest, read in
# index order instead of sorting every open ticket.

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("tickets", "0005_web_events"),
    ]

    operations = [
        migrations.AddIndex(
            model_name="ticket",
            index=models.Index(
                condition=models.Q(("status__in", ["new", "open", "pending"])),
                fields=["priority", "created_at", "id"],
                name="ticket_open_queue_idx",
            ),
        ),
    ]

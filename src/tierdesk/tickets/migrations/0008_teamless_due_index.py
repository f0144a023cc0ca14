# The desk (issue 5): "breaching soon" for a vendor agent reads team-less tickets one level at a
# time in due order, stopping at a page; the index holds only open team-less tickets (few).

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("tickets", "0007_breaching_queue_indexes"),
    ]

    operations = [
        migrations.AddIndex(
            model_name="ticket",
            index=models.Index(
                condition=models.Q(
                    ("status__in", ["new", "open", "pending"]), ("team__isnull", True)
                ),
                fields=["support_level", "sla_next_check_at", "id"],
                name="ticket_teamless_due_idx",
            ),
        ),
    ]

# Fewer indexes to update on every new ticket, message and event: the plain foreign-key indexes
# that a composite index already leads with go, and product / follow-up get partial indexes
# (most tickets have neither). Measured in docs/benchmarks.md (API ticket creation).

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0003_notifications"),
        ("crm", "0002_historicalsubscription_subscription"),
        ("sla", "0002_seed_plans"),
        ("tickets", "0008_teamless_due_index"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.AlterField(
            model_name="message",
            name="ticket",
            field=models.ForeignKey(
                db_index=False,
                on_delete=django.db.models.deletion.CASCADE,
                related_name="messages",
                to="tickets.ticket",
            ),
        ),
        migrations.AlterField(
            model_name="ticket",
            name="follow_up_of",
            field=models.ForeignKey(
                blank=True,
                db_index=False,
                help_text="The closed ticket this one continues.",
                null=True,
                on_delete=django.db.models.deletion.SET_NULL,
                related_name="follow_ups",
                to="tickets.ticket",
            ),
        ),
        migrations.AlterField(
            model_name="ticket",
            name="organization",
            field=models.ForeignKey(
                db_index=False,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="tickets",
                to="crm.organization",
            ),
        ),
        migrations.AlterField(
            model_name="ticket",
            name="product",
            field=models.ForeignKey(
                blank=True,
                db_index=False,
                null=True,
                on_delete=django.db.models.deletion.SET_NULL,
                related_name="tickets",
                to="crm.product",
            ),
        ),
        migrations.AlterField(
            model_name="ticket",
            name="reporter",
            field=models.ForeignKey(
                blank=True,
                db_index=False,
                null=True,
                on_delete=django.db.models.deletion.SET_NULL,
                related_name="tickets",
                to="crm.contact",
            ),
        ),
        migrations.AlterField(
            model_name="ticketevent",
            name="ticket",
            field=models.ForeignKey(
                db_index=False,
                on_delete=django.db.models.deletion.CASCADE,
                related_name="events",
                to="tickets.ticket",
            ),
        ),
        migrations.AddIndex(
            model_name="ticket",
            index=models.Index(
                condition=models.Q(("product__isnull", False)),
                fields=["product"],
                name="ticket_product_idx",
            ),
        ),
        migrations.AddIndex(
            model_name="ticket",
            index=models.Index(
                condition=models.Q(("follow_up_of__isnull", False)),
                fields=["follow_up_of"],
                name="ticket_follow_up_idx",
            ),
        ),
    ]

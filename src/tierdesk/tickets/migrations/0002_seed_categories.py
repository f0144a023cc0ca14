from django.db import migrations

from tierdesk.tickets.seed import seed_categories


def forwards(apps, schema_editor):
    seed_categories(apps.get_model("tickets", "Category"))


class Migration(migrations.Migration):
    dependencies = [("tickets", "0001_initial")]
    operations = [migrations.RunPython(forwards, migrations.RunPython.noop)]

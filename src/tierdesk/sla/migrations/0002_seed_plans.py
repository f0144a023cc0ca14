from django.db import migrations

from tierdesk.sla.seed import seed_plans


def forwards(apps, schema_editor):
    seed_plans(apps)


class Migration(migrations.Migration):
    dependencies = [("sla", "0001_initial")]
    operations = [migrations.RunPython(forwards, migrations.RunPython.noop)]

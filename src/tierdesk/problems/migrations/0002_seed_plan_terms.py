"""The Premium plan includes root-cause reports and asks its customers to approve changes
(``tierdesk.problems.seed``)."""

from django.db import migrations

from tierdesk.problems.seed import seed_plan_terms


def forwards(apps, schema_editor):
    seed_plan_terms(apps)


class Migration(migrations.Migration):
    dependencies = [("problems", "0001_initial"), ("sla", "0002_seed_plans")]
    operations = [migrations.RunPython(forwards, migrations.RunPython.noop)]

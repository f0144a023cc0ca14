"""The cells' duration lists become text, ``30,1800`` instead of the JSON ``[30, 1800]``
(``models.DurationsField`` says why). The column's type changes first (PostgreSQL casts jsonb
to its text, ``[30, 1800]``; SQLite already holds that text), then the brackets and spaces go,
in one UPDATE per table."""

from django.db import migrations
from django.db.models import F, TextField, Value
from django.db.models.functions import Concat, Replace

import tierdesk.reports.models

TABLES = ("dailyrollup", "dailyteamrollup")
COLUMNS = ("response_seconds", "resolution_seconds")


def _as_text(column: str):
    stripped = F(column)
    for mark in ("[", "]", " "):
        stripped = Replace(stripped, Value(mark), Value(""), output_field=TextField())
    return stripped


def lists_to_text(apps, schema_editor):
    for table in TABLES:
        model = apps.get_model("reports", table)
        model.objects.update(**{column: _as_text(column) for column in COLUMNS})


def text_to_lists(apps, schema_editor):
    for table in TABLES:
        model = apps.get_model("reports", table)
        model.objects.update(
            **{
                column: Concat(Value("["), F(column), Value("]"), output_field=TextField())
                for column in COLUMNS
            }
        )


def _durations(table: str, column: str) -> migrations.AlterField:
    return migrations.AlterField(
        model_name=table,
        name=column,
        field=tierdesk.reports.models.DurationsField(blank=True, default=list),
    )


class Migration(migrations.Migration):
    dependencies = [
        ("reports", "0006_category_indexes"),
    ]

    operations = [
        *(_durations(table, column) for table in TABLES for column in COLUMNS),
        migrations.RunPython(lists_to_text, text_to_lists),
    ]

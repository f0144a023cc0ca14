"""The ticket search index: an FTS5 table on SQLite, tsvector columns with GIN on PostgreSQL.

Django's state knows only the shared key (``TicketSearchDocument``); the table itself is built
per engine here. See ``tierdesk.core.search`` for what the columns hold.
"""

import django.db.models.deletion
from django.db import migrations, models
from django.db.utils import OperationalError

SQLITE = [
    """CREATE VIRTUAL TABLE tickets_search USING fts5(
        ticket_id UNINDEXED, public, internal,
        tokenize = 'unicode61 remove_diacritics 2'
    )""",
]
POSTGRESQL = [
    """CREATE TABLE tickets_search (
        ticket_id bigint PRIMARY KEY,
        public_vector tsvector NOT NULL DEFAULT '',
        staff_vector tsvector
    )""",
    "CREATE INDEX tickets_search_public_idx ON tickets_search USING gin (public_vector)",
    # Only tickets with internal notes have a staff_vector; `staff_vector @@ q` implies NOT NULL,
    # so the planner uses this partial index.
    """CREATE INDEX tickets_search_staff_idx ON tickets_search USING gin (staff_vector)
        WHERE staff_vector IS NOT NULL""",
]
ENGINES = {"sqlite": SQLITE, "postgresql": POSTGRESQL}


def create_index(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    if vendor not in ENGINES:
        raise NotImplementedError(f"Tierdesk search has no engine for {vendor}.")
    try:
        for statement in ENGINES[vendor]:
            schema_editor.execute(statement)
        if vendor == "postgresql" and _has_lz4(schema_editor):
            # Searches walk the table newest first and test each row's vectors: lz4 unpacks
            # cheaper than the default pglz (figures: docs/benchmarks.md).
            schema_editor.execute(
                "ALTER TABLE tickets_search ALTER COLUMN public_vector SET COMPRESSION lz4, "
                "ALTER COLUMN staff_vector SET COMPRESSION lz4"
            )
    except OperationalError as exc:
        if "fts5" in str(exc):
            raise OperationalError(
                "This Python's SQLite lacks FTS5, which Tierdesk's search needs."
            ) from exc
        raise
    # Index the tickets an upgraded installation already has. This uses today's search code;
    # if a later migration changes tickets or messages so it no longer fits, freeze SQL here.
    from tierdesk.core import search

    search.rebuild_index()


def _has_lz4(schema_editor):
    with schema_editor.connection.cursor() as cursor:
        cursor.execute(
            "SELECT 'lz4' = ANY(enumvals) FROM pg_settings WHERE name = 'default_toast_compression'"
        )
        row = cursor.fetchone()
    return bool(row and row[0])


def drop_index(apps, schema_editor):
    schema_editor.execute("DROP TABLE tickets_search")


class Migration(migrations.Migration):
    dependencies = [("tickets", "0002_seed_categories")]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.CreateModel(
                    name="TicketSearchDocument",
                    fields=[
                        (
                            "ticket",
                            models.OneToOneField(
                                db_constraint=False,
                                on_delete=django.db.models.deletion.CASCADE,
                                primary_key=True,
                                related_name="+",
                                serialize=False,
                                to="tickets.ticket",
                            ),
                        ),
                    ],
                    options={"db_table": "tickets_search"},
                ),
            ],
            database_operations=[migrations.RunPython(create_index, drop_index)],
        ),
    ]

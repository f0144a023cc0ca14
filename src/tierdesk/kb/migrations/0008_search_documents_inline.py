"""PostgreSQL: the articles' search documents stay in the table's own pages (``STORAGE MAIN``),
compressed with lz4 where the server has it.

A document (about 250 words of body with positions) is 2-3 kB: stored out of line (the default),
the planner costed a sequential scan as reading the table's few pages only, chose it over the
GIN index, and then unpacked every document from the TOAST table to test and rank it. Kept in
line, the table's size says what a scan costs (the GIN index is chosen), and ranking the matches
reads their pages directly; lz4 unpacks faster than the default pglz. Figures:
docs/benchmarks.md (issue 15). The table is rebuilt so that existing documents move too.
"""

from django.db import migrations

REBUILD = [
    "ALTER TABLE kb_search RENAME TO kb_search_old",
    "DROP INDEX kb_search_document",
    "CREATE TABLE kb_search (article_id bigint PRIMARY KEY, document tsvector NOT NULL)",
    "ALTER TABLE kb_search ALTER COLUMN document SET STORAGE MAIN",
    "INSERT INTO kb_search (article_id, document) SELECT article_id, document FROM kb_search_old",
    "DROP TABLE kb_search_old",
    "CREATE INDEX kb_search_document ON kb_search USING gin (document)",
    "ANALYZE kb_search",
]
LZ4 = "ALTER TABLE kb_search ALTER COLUMN document SET COMPRESSION lz4"


def inline(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    statements = list(REBUILD)
    if _has_lz4(schema_editor):
        statements.insert(4, LZ4)  # before the rows are copied in
    for statement in statements:
        schema_editor.execute(statement)


def out_of_line(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute("ALTER TABLE kb_search ALTER COLUMN document SET STORAGE EXTENDED")


def _has_lz4(schema_editor):
    with schema_editor.connection.cursor() as cursor:
        cursor.execute(
            "SELECT 'lz4' = ANY(enumvals) FROM pg_settings WHERE name = 'default_toast_compression'"
        )
        row = cursor.fetchone()
    return bool(row and row[0])


class Migration(migrations.Migration):
    atomic = True
    dependencies = [("kb", "0007_article_source_index")]

    operations = [migrations.RunPython(inline, out_of_line)]

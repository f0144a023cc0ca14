"""The search table gets fields of their own (see tierdesk/kb/search.py): FTS5 columns
``title, headings, tags, body, asked``; on PostgreSQL the same weighted ``tsvector`` (title A,
headings and tags B, asked C, body D). The table is rebuilt and every published article indexed
again.
"""

from django.db import migrations

from tierdesk.kb.search import index_article

ENGINES = {
    "sqlite": [
        "DROP TABLE IF EXISTS kb_search",
        "CREATE VIRTUAL TABLE kb_search USING fts5("
        "title, headings, tags, body, asked, tokenize = 'porter unicode61 remove_diacritics 2')",
    ],
    "postgresql": ["DELETE FROM kb_search"],  # same table; new documents
}


def rebuild(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    for statement in ENGINES.get(vendor, []):
        schema_editor.execute(statement)
    Article = apps.get_model("kb", "Article")
    published = Article.objects.filter(published_revision__isnull=False)
    for article in published.select_related("published_revision").iterator():
        index_article(article)


def back(apps, schema_editor):
    if schema_editor.connection.vendor == "sqlite":
        schema_editor.execute("DROP TABLE IF EXISTS kb_search")
        schema_editor.execute(
            "CREATE VIRTUAL TABLE kb_search USING fts5("
            "title, body, tokenize = 'porter unicode61 remove_diacritics 2')"
        )


class Migration(migrations.Migration):
    dependencies = [("kb", "0005_reader_signals")]

    operations = [migrations.RunPython(rebuild, back)]

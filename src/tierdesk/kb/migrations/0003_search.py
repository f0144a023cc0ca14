"""The articles' search table, per engine (see tierdesk/kb/search.py).

SQLite: an FTS5 table whose rowid is the article's id, columns ``title`` and ``body``, with the
Porter stemmer. PostgreSQL: one weighted ``tsvector`` per article (title A, body D) with a GIN
index, the ``english`` configuration (stemming: readers ask in their own words).
"""

from django.db import migrations

ENGINES = {
    "sqlite": [
        "CREATE VIRTUAL TABLE kb_search USING fts5("
        "title, body, tokenize = 'porter unicode61 remove_diacritics 2')",
    ],
    "postgresql": [
        # No foreign key: Django does not know this table, so a key to kb_article would stop
        # it from truncating kb_article (flush, the tests). A row of a deleted article is
        # never found: every search joins the article.
        "CREATE TABLE kb_search (article_id bigint PRIMARY KEY, document tsvector NOT NULL)",
        "CREATE INDEX kb_search_document ON kb_search USING gin (document)",
    ],
}


def create(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    if vendor not in ENGINES:
        raise NotImplementedError(f"Tierdesk's knowledge-base search has no engine for {vendor}.")
    for statement in ENGINES[vendor]:
        schema_editor.execute(statement)


def drop(apps, schema_editor):
    schema_editor.execute("DROP TABLE IF EXISTS kb_search")


class Migration(migrations.Migration):
    dependencies = [("kb", "0002_seed_sections")]

    operations = [migrations.RunPython(create, drop)]

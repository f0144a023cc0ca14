"""Full-text search over published articles, ranked, title above body (M4).

Its own table, not the core engine: that engine keeps one registration (the tickets'), orders
by id and matches every term, while help-centre readers ask questions in their own words and want
the best answer first. So: any term may match (OR), words are stemmed, and the rank weighs the
title ten times the body (SQLite: ``bm25`` with column weights; PostgreSQL: ``ts_rank`` over a
vector weighted A for the title, D for the body). User input is split into terms by us
(``core.search.search_terms``) and never reaches a query parser as syntax.

Only the published revision is indexed; an article gets its document when it is published and
keeps it (readers' scope comes from ``policies.visible``, which hides archived articles).
"""

from __future__ import annotations

from django.db import connection
from django.db.models import FloatField, QuerySet
from django.db.models.expressions import RawSQL

from tierdesk.core.search import document_text, search_terms
from tierdesk.kb.models import Article

MAX_TERMS = 32
TITLE_WEIGHT = 10.0


def index_article(article: Article) -> None:
    """Write the article's document from its published revision (none: remove it)."""
    revision = article.published_revision
    with connection.cursor() as cursor:
        cursor.execute(f"DELETE FROM kb_search WHERE {_key()} = %s", [article.pk])
        if revision is None:
            return
        title = revision.title
        body = document_text(" ".join([revision.summary, " ".join(article.tags), revision.body]))
        if connection.vendor == "postgresql":
            cursor.execute(
                "INSERT INTO kb_search (article_id, document) VALUES (%s,"
                " setweight(to_tsvector('english', %s), 'A')"
                " || setweight(to_tsvector('english', %s), 'D'))",
                [article.pk, title, body],
            )
        else:
            cursor.execute(
                "INSERT INTO kb_search (rowid, title, body) VALUES (%s, %s, %s)",
                [article.pk, title, body],
            )


def matching(queryset: QuerySet[Article], query: str) -> QuerySet[Article]:
    """The articles of ``queryset`` that match ``query``, best first, annotated ``score``
    (higher is better). No searchable term: none."""
    terms = search_terms(query)[:MAX_TERMS]
    if not terms:
        return queryset.none()
    table = Article._meta.db_table
    if connection.vendor == "postgresql":
        tsquery = " | ".join(terms)
        score = RawSQL(
            f"SELECT ts_rank(s.document, to_tsquery('english', %s)) FROM kb_search s"
            f" WHERE s.article_id = {table}.id AND s.document @@ to_tsquery('english', %s)",
            [tsquery, tsquery],
            output_field=FloatField(),
        )
    else:
        match = " OR ".join('"' + term.replace('"', "") + '"' for term in terms)
        score = RawSQL(
            f"SELECT -bm25(kb_search, {TITLE_WEIGHT}, 1.0) FROM kb_search"
            f" WHERE kb_search.rowid = {table}.id AND kb_search MATCH %s",
            [match],
            output_field=FloatField(),
        )
    return queryset.annotate(score=score).filter(score__isnull=False).order_by("-score", "pk")


def _key() -> str:
    return "article_id" if connection.vendor == "postgresql" else "rowid"

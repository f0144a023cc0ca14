"""Full-text search over published articles, ranked to answer questions (M4).

Its own table, not the core engine: that engine keeps one registration (the tickets'), orders
by id and matches every term, while help-centre readers ask questions in their own words and want
the best answer first. So:

- **Fields with weights**: the title weighs most, then the tags and the body's headings, then
  what people asked when the article solved their problem (``asked``: the subjects of tickets it
  was sent on and the questions it deflected), then the summary and body. SQLite: an FTS5 table
  with ``bm25`` column weights; PostgreSQL: one ``tsvector`` weighted A (title), B (headings,
  tags), C (asked) and D (summary, body) ranked by ``ts_rank`` with those weights.
- **Words**: stemmed (FTS5's Porter tokenizer, PostgreSQL's ``english``); the query drops stop
  words, adds synonyms (``kb.vocabulary``) and matches any word (OR). User input is split into
  terms by us (``core.search.search_terms``) and never reaches a query parser as syntax.
  PostgreSQL: the question's rarest words choose which articles are ranked
  (``distinctive_words``), every word counts in the rank; FTS5's ``bm25`` weighs rarity itself.
- **Signals**: the text score is raised by up to half for articles readers found useful
  (deflections, tickets it was sent on, helpful votes, views), saturating so text comes first.

Only the published revision is indexed; an article gets its document when it is published and
keeps it (readers' scope comes from ``policies.visible``, which hides archived articles).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from django.db import connection
from django.db.models import F, FloatField, QuerySet, Value
from django.db.models.expressions import ExpressionWrapper, RawSQL
from django.db.models.functions import Greatest
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

from tierdesk.core.search import document_text, search_terms
from tierdesk.kb import vocabulary
from tierdesk.kb.models import Article, Revision

MAX_TERMS = 32
MAX_ASKED = 50  # the most recent questions kept per article
# FTS5 columns and their bm25 weights, in table order.
SQLITE_COLUMNS = {"title": 10.0, "headings": 5.0, "tags": 6.0, "body": 1.0, "asked": 3.0}
# ts_rank's weights for D, C, B, A: body, asked, headings and tags, title.
PG_WEIGHTS = "{0.1, 0.3, 0.5, 1.0}"
SIGNAL_HALF = 20.0  # the signal at which an article gets half its possible boost
SIGNAL_BOOST = 0.5  # at most +50 % over the text score

_HEADING = re.compile(r"^\s{0,3}#{1,6}\s+(.+?)\s*#*\s*$")
_SETEXT = re.compile(r"^\s{0,3}(=+|-+)\s*$")


def split_headings(body: str) -> tuple[str, str]:
    """The body's headings (one per line) and the rest of it."""
    headings: list[str] = []
    rest: list[str] = []
    for line in body.split("\n"):
        atx = _HEADING.match(line)
        if atx:
            headings.append(atx[1])
        elif _SETEXT.match(line) and rest and rest[-1].strip():
            headings.append(rest.pop().strip())
        else:
            rest.append(line)
    return "\n".join(headings), "\n".join(rest)


def index_article(article: Article, asked: Iterable[str] = ()) -> None:
    """Write the article's document from its published revision (none: remove it).

    ``asked``: what readers asked when it solved their problem (``services`` passes the
    subjects of tickets it was sent on and deflected questions)."""
    index_articles([article], {article.pk: list(asked)})


def index_articles(
    articles: Sequence[Article], asked: Mapping[int, Iterable[str]] | None = None
) -> None:
    """``index_article`` for many: one DELETE and one INSERT however many articles (an
    import's batch), the published revisions already loaded."""
    asked = asked or {}
    ids = [article.pk for article in articles]
    rows = [
        _fields(article, article.published_revision, asked.get(article.pk, ()))
        for article in articles
        if article.published_revision is not None
    ]
    with connection.cursor() as cursor:
        for start in range(0, len(ids), CHUNK):
            chunk = ids[start : start + CHUNK]
            marks = ", ".join(["%s"] * len(chunk))
            cursor.execute(f"DELETE FROM kb_search WHERE {_key()} IN ({marks})", chunk)
        if not rows:
            return
        if connection.vendor == "postgresql":
            # One statement for the batch: its columns as arrays, unnested into rows.
            columns = list(zip(*rows, strict=True))
            cursor.execute(PG_INSERT, [list(column) for column in columns])
        else:
            names = ", ".join(SQLITE_COLUMNS)
            cursor.executemany(
                f"INSERT INTO kb_search (rowid, {names}) VALUES (%s, %s, %s, %s, %s, %s)", rows
            )


CHUNK = 500
# The weighted document of each row of the arrays: title A, headings and tags B, asked C,
# summary and body D.
PG_INSERT = (
    "INSERT INTO kb_search (article_id, document)"
    " SELECT u.id, setweight(to_tsvector('english', u.title), 'A')"
    " || setweight(to_tsvector('english', u.headings || E'\\n' || u.tags), 'B')"
    " || setweight(to_tsvector('english', u.asked), 'C')"
    " || setweight(to_tsvector('english', u.body), 'D')"
    " FROM unnest(%s::bigint[], %s::text[], %s::text[], %s::text[], %s::text[], %s::text[])"
    " AS u(id, title, headings, tags, body, asked)"
)


def _fields(article: Article, revision: Revision, asked: Iterable[str]) -> tuple[Any, ...]:
    """The article's id and its texts in ``SQLITE_COLUMNS`` order."""
    headings, body = split_headings(revision.body)
    return (
        article.pk,
        revision.title,
        headings,
        " ".join(article.tags),
        document_text(f"{revision.summary}\n{body}"),
        document_text("\n".join(list(asked)[:MAX_ASKED])),
    )


def query_words(query: str) -> list[str]:
    """The words a query searches for: its content words, then their synonyms."""
    words = vocabulary.content_words(search_terms(query))
    return vocabulary.expand(words)[:MAX_TERMS]


def matching(queryset: QuerySet[Article], query: str) -> QuerySet[Article]:
    """The articles of ``queryset`` that match ``query``, best first, annotated ``score``
    (higher is better). No searchable word: none."""
    words = query_words(query)
    if not words:
        return queryset.annotate(score=Value(0.0, output_field=FloatField())).none()
    table = Article._meta.db_table
    if connection.vendor == "postgresql":
        tsquery = " | ".join(words)
        found = RawSQL(
            "SELECT article_id FROM kb_search WHERE document @@ to_tsquery('english', %s)",
            [" | ".join(distinctive_words(words))],
        )
        text = RawSQL(
            f"SELECT ts_rank('{PG_WEIGHTS}', s.document, to_tsquery('english', %s), 1)"
            f" FROM kb_search s WHERE s.article_id = {table}.id",
            [tsquery],
            output_field=FloatField(),
        )
    else:
        match = " OR ".join(f'"{word}"' for word in words)
        weights = ", ".join(str(w) for w in SQLITE_COLUMNS.values())
        found = RawSQL("SELECT rowid FROM kb_search WHERE kb_search MATCH %s", [match])
        text = RawSQL(
            f"SELECT -bm25(kb_search, {weights}) FROM kb_search"
            f" WHERE kb_search.rowid = {table}.id AND kb_search MATCH %s",
            [match],
            output_field=FloatField(),
        )
    return (
        queryset.filter(pk__in=found)
        .annotate(text_score=text)
        .annotate(score=ExpressionWrapper(F("text_score") * _boost(), output_field=FloatField()))
        .order_by("-score", "pk")
    )


CANDIDATE_BUDGET = 1000  # about how many documents a question's rank may read (PostgreSQL)
# Each word's share of the documents, from the statistics ANALYZE (autovacuum) keeps of the
# document column: its most common lexemes with their shares, then the least of those shares. A
# word missing from the list is rarer than that least share, which is taken as its (upper) bound.
PG_WORD_SHARES = (
    "WITH stats AS (SELECT most_common_elems::text::text[] AS lexemes,"
    "  most_common_elem_freqs AS shares FROM pg_stats WHERE schemaname = current_schema()"
    "  AND tablename = 'kb_search' AND attname = 'document'),"
    " words AS (SELECT word, unnest(tsvector_to_array(to_tsvector('english', word))) AS lexeme"
    "  FROM unnest(%s::text[]) AS word)"
    " SELECT w.word,"
    "  coalesce(e.share, (SELECT shares[array_length(lexemes, 1) + 1] FROM stats), 0),"
    "  (SELECT reltuples FROM pg_class WHERE oid = 'kb_search'::regclass)"
    " FROM words w LEFT JOIN (SELECT e.lexeme, e.share FROM stats,"
    "  unnest(stats.lexemes, stats.shares) AS e(lexeme, share)) e ON e.lexeme = w.lexeme"
)


def distinctive_words(words: list[str]) -> list[str]:
    """The words that choose which articles are ranked (PostgreSQL): the rarest first (the
    question's own words before their synonyms among equals), as many as keep the documents to
    rank about ``CANDIDATE_BUDGET``; at least one. The rank then weighs every word.
    ``ts_rank`` has no inverse document frequency: a word in most articles ("server", "error")
    would put most of them in the rank, and ranking costs per article; leaving it out of the
    choice is the frequency's weight. Few documents, or no statistics yet: every word."""
    if len(words) < 2:
        return words
    with connection.cursor() as cursor:
        cursor.execute(PG_WORD_SHARES, [words])
        rows = cursor.fetchall()
    share: dict[str, float] = {}
    for word, word_share, _ in rows:  # a word of two lexemes ("e-mail"): the commoner
        share[word] = max(share.get(word, 0.0), float(word_share))
    documents = max((float(total) for _, _, total in rows), default=0.0)
    chosen: list[str] = []
    expected = 0.0
    for word in sorted(words, key=lambda w: share.get(w, 0.0)):
        expected += share.get(word, 0.0) * documents
        if chosen and expected > CANDIDATE_BUDGET:
            break
        chosen.append(word)
    return chosen


def _boost() -> ExpressionWrapper:
    """1 to 1 + SIGNAL_BOOST, from what readers did with the article."""
    signal = Greatest(
        F("deflection_count") * 3.0 + F("ticket_count") * 3.0 + F("helpful_yes") * 2.0
        - F("helpful_no") * 2.0 + F("view_count") / 50.0,
        Value(0.0),
    )  # fmt: skip
    return ExpressionWrapper(
        1.0 + SIGNAL_BOOST * signal / (signal + SIGNAL_HALF), output_field=FloatField()
    )


def _key() -> str:
    return "article_id" if connection.vendor == "postgresql" else "rowid"


# ---- highlighted snippets -----------------------------------------------------------------

SNIPPET_CHARS = 220
_MARKUP = re.compile(r"[`*_>#|\[\]]+|\(https?://[^)]*\)|!\[[^\]]*\]\([^)]*\)")
_SPACE = re.compile(r"\s+")


def snippet(text: str, query: str) -> SafeString:
    """A short passage of ``text`` (Markdown) around the query's words, escaped, with those
    words in ``<mark>``. Words match by their stem-ish prefix, as the search does by stems."""
    plain = _SPACE.sub(" ", _MARKUP.sub(" ", text)).strip()
    stems = [_stem(w) for w in query_words(query)]
    pattern = _word_pattern(stems)
    start = 0
    if pattern is not None:
        first = pattern.search(plain)
        start = max(0, first.start() - 60) if first else 0
    passage = plain[start : start + SNIPPET_CHARS]
    prefix = "… " if start else ""
    suffix = " …" if start + SNIPPET_CHARS < len(plain) else ""
    if pattern is None:
        return mark_safe(escape(prefix + passage + suffix))  # every part escaped
    parts: list[str] = []
    last = 0
    for hit in pattern.finditer(passage):
        parts += [escape(passage[last : hit.start()]), f"<mark>{escape(hit[0])}</mark>"]
        last = hit.end()
    parts.append(escape(passage[last:]))
    return mark_safe(escape(prefix) + "".join(parts) + escape(suffix))  # every part escaped


def _stem(word: str) -> str:
    return word[: max(4, len(word) - 2)] if len(word) > 4 else word


def _word_pattern(stems: list[str]) -> re.Pattern[str] | None:
    if not stems:
        return None
    alternatives = "|".join(re.escape(s) for s in sorted(set(stems), key=len, reverse=True))
    return re.compile(rf"\b(?:{alternatives})\w*", re.IGNORECASE)

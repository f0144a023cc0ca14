"""Full-text search: one interface, two engines, over the documents an app registers.

The engine knows no model of the apps above it: an app registers its searchable rows at start-up
(``register``; the tickets do, in ``TicketsConfig.ready``) with the index model (one document
per indexed row; its table built per engine by the app's migration) and the SELECT of each
row's two texts. The *public* text is what everyone who sees the row may search; the
*internal* text only the support side may (for a ticket: its subject and public replies, and
its internal notes). Contacts never match a ticket by a word that appears only in an internal
note.

- **SQLite** (embedded): an FTS5 table, ``unicode61`` tokenizer with ``remove_diacritics 2``,
  columns ``public`` and ``internal``. User input is never FTS5 syntax: we split it into terms
  ourselves and quote each one as an FTS5 string, all terms ANDed.
- **PostgreSQL** (scale-out): ``public_vector`` and ``staff_vector`` tsvector columns with GIN
  indexes. ``staff_vector`` (the whole document) is NULL for a row without internal text,
  where it would equal ``public_vector``: most tickets have none, so the index stays half the
  size. The query's text goes through ``to_tsvector`` (all input is text, never operators) and
  its lexemes, quoted, become the prefix terms of a ``tsquery`` (``_PostgreSQL.TSQUERY``).

  Configuration ``simple``, not ``english``: tickets are written in the customers' languages and
  are full of product names, error codes, host names and versions that stemming and stop words
  would mangle; and ``simple`` (lower-casing, no stemming, no stop words) finds the same tickets
  as the SQLite engine, so embedded and scale-out installations behave alike. (One difference
  remains: PostgreSQL does not fold diacritics, so ``cafe`` does not find ``café`` there.)

Search semantics on both: every term must occur in the document (AND), case-folded, each term
as the **start of a word** (``prin`` finds "printer"): what a person types into a search box is
often a word half written. A term shorter than ``PREFIX_CHARS`` matches whole words only (``a``
would otherwise match nearly every document). FTS5 writes a prefix as ``"term"*``; PostgreSQL
as ``'lexeme':*``, each lexeme as its own parser gives it from the query text (``7.1`` or
``db01.acme.test`` stay one lexeme, as they are in the documents). A
query without a searchable term (empty, blanks, only punctuation) matches **no** row: an API
client asking for ``q=""`` or ``q="?!"`` gets an empty page, not every ticket unfiltered.

Only the first ``MESSAGE_CHARS`` characters of each message and ``DOCUMENT_CHARS`` of each text
are indexed: a pasted megabyte of log must not break indexing (PostgreSQL refuses tsvectors over
1 MB) nor swell the index.

Documents are built set-based in SQL from the registered texts, the same statement for a few
rows (``index_documents``, run by the services inside their transaction, once per change or
once per unit of work) and a full rebuild (``rebuild_index``, batched by id range): no Python
work per row.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from contextlib import nullcontext
from dataclasses import dataclass
from typing import Any

from django.db import connections, models, router, transaction
from django.db.backends.base.base import BaseDatabaseWrapper
from django.db.models import QuerySet
from django.db.models.expressions import RawSQL

MESSAGE_CHARS = 20_000
DOCUMENT_CHARS = 150_000
TS_CONFIG = "simple"
REBUILD_BATCH = 50_000
IDS_BATCH = 500
# A term this long or longer also matches the longer words it begins.
PREFIX_CHARS = 2

# A term is a run of letters and digits: what FTS5's unicode61 tokenizer keeps (categories L*,
# N*); everything else, FTS5 operators and punctuation included, only separates terms.
_TERM = re.compile(r"[^\W_]+")

Progress = Callable[[int, int], None]
# ``where(column)``: the condition on an id column that picks the rows a statement indexes.
Where = Callable[[str], str]


@dataclass(frozen=True)
class Documents:
    """A searchable kind of row, as its app registers it.

    ``model``: the index model, one document per indexed row; its primary key is a one-to-one
    key to that row (its table and column give the statements their names), and its table is
    built per engine by the app's migration. ``texts(vendor, where)``: a SELECT of ``id``,
    ``public`` and ``internal`` (NULL when the row has none) for the indexed rows that
    ``where`` picks. Call ``where`` once per condition, in the order the conditions appear in
    the statement: it collects their parameters in that order."""

    model: type[models.Model]
    texts: Callable[[str, Where], str]

    @property
    def table(self) -> str:
        return self.model._meta.db_table

    @property
    def key(self) -> str:
        return str(self.model._meta.pk.column)

    @property
    def source(self) -> type[models.Model]:
        """The model of the indexed rows."""
        return self.model._meta.pk.related_model  # type: ignore[return-value]


_registered: list[Documents] = []


def register(documents: Documents) -> None:
    """Make ``documents`` the searchable rows (an app's ``AppConfig.ready()``; again: replaced)."""
    _registered[:] = [documents]


def _documents() -> Documents:
    if not _registered:
        raise RuntimeError("No searchable documents are registered (tickets register theirs).")
    return _registered[0]


class _Conditions:
    """``where`` for ``Documents.texts``: the same condition on each column it is asked for,
    its parameters collected in the order asked."""

    def __init__(self, template: str, params: list[Any]) -> None:
        self.template, self.params = template, params
        self.collected: list[Any] = []

    def __call__(self, column: str) -> str:
        self.collected += self.params
        return self.template.format(column=column)


def search_terms(query: str) -> list[str]:
    """The words of a user's query, in order; empty when there is nothing to search for."""
    return _TERM.findall(query)


def document_text(text: str) -> str:
    """A text as a document keeps it (``DOCUMENT_CHARS``)."""
    return text[:DOCUMENT_CHARS]


def new_document_sql(id_sql: str) -> str:
    """PostgreSQL only: an INSERT of the document of a row being inserted by the same statement
    (its rows are not visible to the registered texts' SELECT yet), whose text is all public.
    ``id_sql`` yields the new row's id; the one parameter is its ``document_text``, which must
    be what the registered texts would give."""
    documents = _documents()
    return (
        f"INSERT INTO {documents.table} ({documents.key}, public_vector, staff_vector)"
        f" VALUES (({id_sql}), to_tsvector('{TS_CONFIG}', %s), NULL)"
    )


def index_documents(ids: Iterable[int], *, prune: bool = True) -> int:
    """Rewrite the documents of these rows (with ``prune``, dropping those of deleted ones;
    without, the rows exist: the services' own, in their transaction); returns the count
    written. A row whose INSERT was rolled back gets none."""
    ids = sorted(set(ids))
    connection = _connection()
    engine = _engine(connection)
    documents = _documents()
    written = 0
    for start in range(0, len(ids), IDS_BATCH):
        batch = ids[start : start + IDS_BATCH]
        # Inside a service's transaction the batch needs no savepoint of its own.
        atomic = (
            nullcontext()
            if connection.in_atomic_block
            else transaction.atomic(using=connection.alias)
        )
        with atomic, connection.cursor() as cursor:
            written += engine.write_ids(cursor, documents, batch, prune=prune)
    return written


def rebuild_index(*, progress: Progress | None = None, batch_size: int = REBUILD_BATCH) -> int:
    """Rebuild every document, ``batch_size`` row ids per transaction; returns the count.

    ``progress(done, total)`` is called after each batch. Documents of deleted rows go too.
    Search keeps working meanwhile: each batch replaces its documents in one transaction. When
    the index starts empty (a bulk load, an upgrade) PostgreSQL builds its GIN indexes once at
    the end instead of row by row.
    """
    connection = _connection()
    engine = _engine(connection)
    documents = _documents()
    source = documents.source._meta
    quote = connection.ops.quote_name
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT min({quote(str(source.pk.column))}), max({quote(str(source.pk.column))}),"
            f" count(*) FROM {quote(source.db_table)}"
        )
        low, high, total = cursor.fetchone()
        bulk = engine.is_empty(cursor, documents)
    with transaction.atomic(using=connection.alias), connection.cursor() as cursor:
        engine.delete_outside(cursor, documents, low, high)
        if bulk:
            engine.drop_indexes(cursor, documents)
    try:
        return _rebuild_batches(connection, engine, low, high, total, batch_size, progress)
    finally:
        # Also repairs indexes that an interrupted bulk rebuild left dropped.
        with transaction.atomic(using=connection.alias), connection.cursor() as cursor:
            engine.create_indexes(cursor, documents)


def _rebuild_batches(
    connection: BaseDatabaseWrapper,
    engine: _SQLite | _PostgreSQL,
    low: int | None,
    high: int | None,
    total: int,
    batch_size: int,
    progress: Progress | None,
) -> int:
    done = 0
    if low is None or high is None:
        return done
    documents = _documents()
    for start in range(low, high + 1, batch_size):
        with transaction.atomic(using=connection.alias), connection.cursor() as cursor:
            done += engine.write_range(cursor, documents, start, start + batch_size - 1)
        if progress:
            progress(done, total)
    return done


def filter_matching(queryset: QuerySet, query: str, *, include_internal: bool) -> QuerySet:
    """Narrow an already scoped queryset of the indexed rows to those matching ``query``.

    A semi-join (``id IN (matching ids)``) against the indexed table: the caller's scope,
    ordering and ``select_related`` stay as they were, and the planner picks the join order.
    ``include_internal`` also searches the internal text (notes): only for the support side.
    """
    query = query.replace("\x00", " ")
    terms = search_terms(query)
    if not terms:
        return queryset.none()
    engine = _engine(connections[queryset.db])
    return queryset.filter(pk__in=engine.matching(_documents(), query, terms, include_internal))


# The name the ticket selectors call it by.
filter_tickets = filter_matching


# ---- engines -----------------------------------------------------------------------------


class _SQLite:
    """FTS5: the indexed row's id is the rowid (and, for Django, the UNINDEXED key column)."""

    def insert(self, documents: Documents, where: Where) -> str:
        return f"""
            INSERT INTO {documents.table} (rowid, {documents.key}, public, internal)
            SELECT d.id, d.id, substr(d.public, 1, {DOCUMENT_CHARS}),
                   substr(coalesce(d.internal, ''), 1, {DOCUMENT_CHARS})
            FROM ({documents.texts("sqlite", where)}) d
        """

    def write_ids(
        self, cursor: Any, documents: Documents, ids: list[int], *, prune: bool = True
    ) -> int:
        # FTS5 rows are replaced by delete-then-insert, which prunes deleted rows anyway.
        marks = ", ".join(["%s"] * len(ids))
        cursor.execute(f"DELETE FROM {documents.table} WHERE rowid IN ({marks})", ids)
        where = _Conditions(f"{{column}} IN ({marks})", ids)
        cursor.execute(self.insert(documents, where), where.collected)
        return int(cursor.rowcount)

    def write_range(self, cursor: Any, documents: Documents, low: int, high: int) -> int:
        table = documents.table
        cursor.execute(f"DELETE FROM {table} WHERE rowid BETWEEN %s AND %s", [low, high])
        where = _Conditions("{column} BETWEEN %s AND %s", [low, high])
        cursor.execute(self.insert(documents, where), where.collected)
        return int(cursor.rowcount)

    def delete_outside(
        self, cursor: Any, documents: Documents, low: int | None, high: int | None
    ) -> None:
        table = documents.table
        if low is None:
            cursor.execute(f"DELETE FROM {table}")
        else:
            cursor.execute(f"DELETE FROM {table} WHERE rowid < %s OR rowid > %s", [low, high])

    def is_empty(self, cursor: Any, documents: Documents) -> bool:
        return False  # FTS5 keeps its own index: nothing to gain from a bulk path

    def drop_indexes(self, cursor: Any, documents: Documents) -> None:
        pass

    def create_indexes(self, cursor: Any, documents: Documents) -> None:
        pass

    def matching(
        self, documents: Documents, query: str, terms: list[str], include_internal: bool
    ) -> RawSQL:
        # Each term becomes an FTS5 string ("..." with quotes doubled), so AND, OR, NOT, NEAR,
        # *, ^, : and parentheses in the input are only ever words or separators.
        column = "" if include_internal else "public : "
        expression = " AND ".join(
            f'{column}"{term.replace('"', '""')}"{"*" if len(term) >= PREFIX_CHARS else ""}'
            for term in terms
        )
        table = documents.table
        return RawSQL(f"SELECT rowid FROM {table} WHERE {table} MATCH %s", [expression])


class _PostgreSQL:
    """tsvector columns with GIN indexes; the input goes to ``to_tsvector`` as plain text and
    its lexemes become the prefix terms of the query (``TSQUERY``)."""

    # As the app's migration creates them (named after the table); a bulk rebuild drops and
    # recreates them.
    indexes = {
        "public_idx": "USING gin (public_vector)",
        "staff_idx": "USING gin (staff_vector) WHERE staff_vector IS NOT NULL",
    }

    def insert(self, documents: Documents, where: Where) -> str:
        # Upsert, not delete-then-insert: a rebuild batch and a service's indexing may write
        # the same row at once, and neither may fail on the primary key.
        public = f"left(d.public, {DOCUMENT_CHARS})"
        everything = f"left(d.public || ' ' || d.internal, {DOCUMENT_CHARS})"
        return f"""
            INSERT INTO {documents.table} ({documents.key}, public_vector, staff_vector)
            SELECT d.id, to_tsvector('{TS_CONFIG}', {public}),
                   CASE WHEN d.internal IS NOT NULL THEN to_tsvector('{TS_CONFIG}', {everything})
                   END
            FROM ({documents.texts("postgresql", where)}) d
            ON CONFLICT ({documents.key}) DO UPDATE
            SET public_vector = EXCLUDED.public_vector, staff_vector = EXCLUDED.staff_vector
        """

    def prune(self, cursor: Any, documents: Documents, where: str, params: list[Any]) -> None:
        """Drop the documents of deleted rows among those ``where`` picks."""
        source = documents.source._meta
        cursor.execute(
            f"DELETE FROM {documents.table} s WHERE {where.format(column=f's.{documents.key}')}"
            f" AND NOT EXISTS (SELECT FROM {source.db_table} r"
            f" WHERE r.{source.pk.column} = s.{documents.key})",
            params,
        )

    def write_ids(
        self, cursor: Any, documents: Documents, ids: list[int], *, prune: bool = True
    ) -> int:
        if prune:
            self.prune(cursor, documents, "{column} = ANY(%s)", [ids])
        where = _Conditions("{column} = ANY(%s)", [ids])
        cursor.execute(self.insert(documents, where), where.collected)
        return int(cursor.rowcount)

    def write_range(self, cursor: Any, documents: Documents, low: int, high: int) -> int:
        self.prune(cursor, documents, "{column} BETWEEN %s AND %s", [low, high])
        where = _Conditions("{column} BETWEEN %s AND %s", [low, high])
        cursor.execute(self.insert(documents, where), where.collected)
        return int(cursor.rowcount)

    def is_empty(self, cursor: Any, documents: Documents) -> bool:
        cursor.execute(f"SELECT NOT EXISTS (SELECT FROM {documents.table})")
        return bool(cursor.fetchone()[0])

    def drop_indexes(self, cursor: Any, documents: Documents) -> None:
        for suffix in self.indexes:
            cursor.execute(f"DROP INDEX IF EXISTS {documents.table}_{suffix}")

    def create_indexes(self, cursor: Any, documents: Documents) -> None:
        cursor.execute("SET LOCAL maintenance_work_mem = '512MB'")
        table = documents.table
        for suffix, definition in self.indexes.items():
            cursor.execute(f"CREATE INDEX IF NOT EXISTS {table}_{suffix} ON {table} {definition}")

    def delete_outside(
        self, cursor: Any, documents: Documents, low: int | None, high: int | None
    ) -> None:
        table, key = documents.table, documents.key
        if low is None:
            cursor.execute(f"TRUNCATE {table}")
        else:
            cursor.execute(f"DELETE FROM {table} WHERE {key} < %s OR {key} > %s", [low, high])

    # The query's own lexemes (as ``to_tsvector`` gives them: the documents' parser), each
    # quoted as a tsquery lexeme (backslashes escaped, quotes doubled) and, from
    # ``PREFIX_CHARS`` characters on, marked as a prefix; all ANDed. No lexeme: NULL, no match.
    TSQUERY = (
        f"(SELECT to_tsquery('{TS_CONFIG}', string_agg("
        r"'''' || replace(replace(lexeme, '\', '\\'), '''', '''''') || ''''"
        f" || CASE WHEN length(lexeme) >= {PREFIX_CHARS} THEN ':*' ELSE '' END, ' & '))"
        f" FROM unnest(tsvector_to_array(to_tsvector('{TS_CONFIG}', %s))) AS lexeme)"
    )

    def matching(
        self, documents: Documents, query: str, terms: list[str], include_internal: bool
    ) -> RawSQL:
        tsquery = self.TSQUERY
        table, key = documents.table, documents.key
        if not include_internal:
            return RawSQL(f"SELECT {key} FROM {table} WHERE public_vector @@ {tsquery}", [query])
        # A row with internal text matches on staff_vector (the whole document); one without
        # has a NULL staff_vector and matches on public_vector. Both sides can use their GIN
        # index.
        return RawSQL(
            f"SELECT {key} FROM {table}"
            f" WHERE public_vector @@ {tsquery} OR staff_vector @@ {tsquery}",
            [query, query],
        )


_ENGINES: dict[str, _SQLite | _PostgreSQL] = {"sqlite": _SQLite(), "postgresql": _PostgreSQL()}


def _connection() -> BaseDatabaseWrapper:
    return connections[router.db_for_write(_documents().model)]


def _engine(connection: BaseDatabaseWrapper) -> _SQLite | _PostgreSQL:
    try:
        return _ENGINES[connection.vendor]
    except KeyError:
        raise NotImplementedError(f"No search engine for {connection.vendor}.") from None

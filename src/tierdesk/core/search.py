"""Full-text search over tickets: one interface, two engines.

Each ticket has one search document (table ``tickets_search``, migration tickets 0003) with two
searchable texts: the *public* text (subject and public replies) that everyone who sees the
ticket may search, and the text including *internal* notes that only the support side may.
Contacts never match a ticket by a word that appears only in an internal note.

- **SQLite** (embedded): an FTS5 table, ``unicode61`` tokenizer with ``remove_diacritics 2``,
  columns ``public`` and ``internal``. User input is never FTS5 syntax: we split it into terms
  ourselves and quote each one as an FTS5 string, all terms ANDed.
- **PostgreSQL** (scale-out): ``public_vector`` and ``staff_vector`` tsvector columns with GIN
  indexes. ``staff_vector`` (the whole ticket) is NULL for a ticket without internal notes, where
  it would equal ``public_vector``: most tickets have none, so the index stays half the size.
  Queries use ``plainto_tsquery``, which treats all input as text (never operators).

  Configuration ``simple``, not ``english``: tickets are written in the customers' languages and
  are full of product names, error codes, host names and versions that stemming and stop words
  would mangle; and ``simple`` (lower-casing, no stemming, no stop words) finds the same tickets
  as the SQLite engine, so embedded and scale-out installations behave alike. (One difference
  remains: PostgreSQL does not fold diacritics, so ``cafe`` does not find ``café`` there.)

Search semantics on both: every term must occur in the ticket (AND), whole words, case-folded,
no prefix matching (``plainto_tsquery`` cannot express it, and the engines should agree). A
query without a searchable term (empty, blanks, only punctuation) matches **no** ticket: an API
client asking for ``q=""`` or ``q="?!"`` gets an empty page, not every ticket unfiltered.

Only the first ``MESSAGE_CHARS`` characters of each message and ``DOCUMENT_CHARS`` of each text
are indexed: a pasted megabyte of log must not break indexing (PostgreSQL refuses tsvectors over
1 MB) nor swell the index.

Documents are built set-based in SQL from the tickets and messages tables, the same statement
for one ticket (``index_ticket``, run by the services inside their transaction), a batch
(``index_tickets``) and a full rebuild (``rebuild_index``, batched by id range): no Python work
per ticket.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager, nullcontext
from contextvars import ContextVar
from typing import Any

from django.db import connections, router, transaction
from django.db.backends.base.base import BaseDatabaseWrapper
from django.db.models import QuerySet
from django.db.models.expressions import RawSQL

MESSAGE_CHARS = 20_000
DOCUMENT_CHARS = 150_000
TS_CONFIG = "simple"
REBUILD_BATCH = 50_000
IDS_BATCH = 500

# A term is a run of letters and digits: what FTS5's unicode61 tokenizer keeps (categories L*,
# N*); everything else, FTS5 operators and punctuation included, only separates terms.
_TERM = re.compile(r"[^\W_]+")

Progress = Callable[[int, int], None]


def search_terms(query: str) -> list[str]:
    """The words of a user's query, in order; empty when there is nothing to search for."""
    return _TERM.findall(query)


def opening_document_sql(ticket_id_sql: str) -> str:
    """PostgreSQL only: an INSERT of the search document of a ticket being opened, whose only
    message is public, for a statement that inserts the ticket too (its rows are not visible to
    the ``documents`` query yet). ``ticket_id_sql`` yields the new id; the one parameter is
    ``opening_public_text(subject, body)``. Same document as ``documents`` would build."""
    return (
        "INSERT INTO tickets_search (ticket_id, public_vector, staff_vector)"
        f" VALUES (({ticket_id_sql}), to_tsvector('{TS_CONFIG}', %s), NULL)"
    )


def opening_public_text(subject: str, body: str) -> str:
    """The public text of a ticket with one public message (``documents`` in Python)."""
    return (subject + " " + body[:MESSAGE_CHARS])[:DOCUMENT_CHARS]


# The tickets noted while indexing is deferred (``indexing_deferred``); None: not deferred.
_deferred: ContextVar[set[int] | None] = ContextVar("search_deferred", default=None)


def index_ticket(ticket_id: int) -> None:
    """Bring the ticket's search document up to date (the services call it in their
    transaction, for a ticket that exists: nothing to prune). While indexing is deferred the
    ticket is only noted, and written with the others when the deferral ends."""
    noted = _deferred.get()
    if noted is not None:
        noted.add(ticket_id)
        return
    index_tickets([ticket_id], prune=False)


@contextmanager
def indexing_deferred() -> Iterator[None]:
    """Index the tickets the block's services touch once, set-based, when the block ends,
    instead of once per change: a batch that appends 25 messages pays one statement.

    Run it inside the transaction that makes the changes, so the documents still commit with
    them. A ticket noted in a savepoint that was rolled back costs nothing: its document is
    rebuilt from what the tables hold (a ticket whose INSERT was rolled back gets none). As for
    ``index_ticket``, the services' tickets exist: nothing to prune. If the block raises,
    nothing is written: the transaction is failing anyway.
    """
    if _deferred.get() is not None:  # already deferred by an enclosing block
        yield
        return
    noted: set[int] = set()
    token = _deferred.set(noted)
    try:
        yield
    finally:
        _deferred.reset(token)
    if noted:
        index_tickets(noted, prune=False)


def index_tickets(ticket_ids: Iterable[int], *, prune: bool = True) -> int:
    """Rewrite the documents of these tickets (with ``prune``, dropping those of deleted ones);
    returns the count written."""
    ids = sorted(set(ticket_ids))
    connection = _connection()
    engine = _engine(connection)
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
            written += engine.write_ids(cursor, batch, prune=prune)
    return written


def rebuild_index(*, progress: Progress | None = None, batch_size: int = REBUILD_BATCH) -> int:
    """Rebuild every document, ``batch_size`` ticket ids per transaction; returns the count.

    ``progress(done, total)`` is called after each batch. Documents of deleted tickets go too.
    Search keeps working meanwhile: each batch replaces its documents in one transaction. When
    the index starts empty (a bulk load, an upgrade) PostgreSQL builds its GIN indexes once at
    the end instead of row by row, several times faster.
    """
    connection = _connection()
    engine = _engine(connection)
    with connection.cursor() as cursor:
        cursor.execute("SELECT min(id), max(id), count(*) FROM tickets_ticket")
        low, high, total = cursor.fetchone()
        bulk = engine.is_empty(cursor)
    with transaction.atomic(using=connection.alias), connection.cursor() as cursor:
        engine.delete_outside(cursor, low, high)
        if bulk:
            engine.drop_indexes(cursor)
    try:
        return _rebuild_batches(connection, engine, low, high, total, batch_size, progress)
    finally:
        # Also repairs indexes that an interrupted bulk rebuild left dropped.
        with transaction.atomic(using=connection.alias), connection.cursor() as cursor:
            engine.create_indexes(cursor)


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
    for start in range(low, high + 1, batch_size):
        with transaction.atomic(using=connection.alias), connection.cursor() as cursor:
            done += engine.write_range(cursor, start, start + batch_size - 1)
        if progress:
            progress(done, total)
    return done


def filter_tickets(queryset: QuerySet, query: str, *, include_internal: bool) -> QuerySet:
    """Narrow an already scoped ticket queryset to the tickets matching ``query``.

    A semi-join (``id IN (matching ids)``) against the indexed table: the caller's scope,
    ordering and ``select_related`` stay as they were, and the planner picks the join order.
    ``include_internal`` also searches internal notes: only for the support side.
    """
    query = query.replace("\x00", " ")
    terms = search_terms(query)
    if not terms:
        return queryset.none()
    engine = _engine(connections[queryset.db])
    return queryset.filter(pk__in=engine.matching(query, terms, include_internal))


# ---- engines -----------------------------------------------------------------------------


class _SQLite:
    """FTS5: the ticket id is the rowid (and, for Django, the UNINDEXED ``ticket_id``)."""

    documents = f"""
        INSERT INTO tickets_search (rowid, ticket_id, public, internal)
        SELECT t.id, t.id,
               substr(t.subject || ' ' || coalesce((
                   SELECT group_concat(substr(m.body, 1, {MESSAGE_CHARS}), ' ')
                   FROM tickets_message m WHERE m.ticket_id = t.id AND m.kind = 'public'
               ), ''), 1, {DOCUMENT_CHARS}),
               substr(coalesce((
                   SELECT group_concat(substr(m.body, 1, {MESSAGE_CHARS}), ' ')
                   FROM tickets_message m WHERE m.ticket_id = t.id AND m.kind = 'internal'
               ), ''), 1, {DOCUMENT_CHARS})
        FROM tickets_ticket t
    """

    def write_ids(self, cursor: Any, ids: list[int], *, prune: bool = True) -> int:
        # FTS5 rows are replaced by delete-then-insert, which prunes deleted tickets anyway.
        marks = ", ".join(["%s"] * len(ids))
        cursor.execute(f"DELETE FROM tickets_search WHERE rowid IN ({marks})", ids)
        cursor.execute(f"{self.documents} WHERE t.id IN ({marks})", ids)
        return int(cursor.rowcount)

    def write_range(self, cursor: Any, low: int, high: int) -> int:
        cursor.execute("DELETE FROM tickets_search WHERE rowid BETWEEN %s AND %s", [low, high])
        cursor.execute(f"{self.documents} WHERE t.id BETWEEN %s AND %s", [low, high])
        return int(cursor.rowcount)

    def delete_outside(self, cursor: Any, low: int | None, high: int | None) -> None:
        if low is None:
            cursor.execute("DELETE FROM tickets_search")
        else:
            cursor.execute("DELETE FROM tickets_search WHERE rowid < %s OR rowid > %s", [low, high])

    def is_empty(self, cursor: Any) -> bool:
        return False  # FTS5 keeps its own index: nothing to gain from a bulk path

    def drop_indexes(self, cursor: Any) -> None:
        pass

    def create_indexes(self, cursor: Any) -> None:
        pass

    def matching(self, query: str, terms: list[str], include_internal: bool) -> RawSQL:
        # Each term becomes an FTS5 string ("..." with quotes doubled), so AND, OR, NOT, NEAR,
        # *, ^, : and parentheses in the input are only ever words or separators.
        column = "" if include_internal else "public : "
        expression = " AND ".join(column + '"' + term.replace('"', '""') + '"' for term in terms)
        return RawSQL(
            "SELECT rowid FROM tickets_search WHERE tickets_search MATCH %s", [expression]
        )


class _PostgreSQL:
    """tsvector columns with GIN indexes; the input goes to ``plainto_tsquery`` as plain text."""

    # As created by migration tickets 0003; a bulk rebuild drops and recreates them.
    indexes = {
        "tickets_search_public_idx": "USING gin (public_vector)",
        "tickets_search_staff_idx": "USING gin (staff_vector) WHERE staff_vector IS NOT NULL",
    }

    def documents(self, tickets_where: str, messages_where: str) -> str:
        public = "t.subject || ' ' || coalesce(m.public_text, '')"
        return f"""
            INSERT INTO tickets_search (ticket_id, public_vector, staff_vector)
            SELECT t.id,
                   to_tsvector('{TS_CONFIG}', left({public}, {DOCUMENT_CHARS})),
                   CASE WHEN m.internal_text IS NOT NULL THEN to_tsvector('{TS_CONFIG}',
                       left({public} || ' ' || m.internal_text, {DOCUMENT_CHARS})) END
            FROM tickets_ticket t
            LEFT JOIN (
                SELECT ticket_id,
                       string_agg(left(body, {MESSAGE_CHARS}), ' ' ORDER BY created_at, id)
                           FILTER (WHERE kind = 'public') AS public_text,
                       string_agg(left(body, {MESSAGE_CHARS}), ' ' ORDER BY created_at, id)
                           FILTER (WHERE kind = 'internal') AS internal_text
                FROM tickets_message WHERE {messages_where}
                GROUP BY ticket_id
            ) m ON m.ticket_id = t.id
            WHERE {tickets_where}
        """

    # Upsert, not delete-then-insert: a rebuild batch and an on-commit index_ticket may write the
    # same ticket at once, and neither may fail on the primary key.
    upsert = """
        ON CONFLICT (ticket_id) DO UPDATE
        SET public_vector = EXCLUDED.public_vector, staff_vector = EXCLUDED.staff_vector
    """
    orphans = """
        DELETE FROM tickets_search s
        WHERE {where} AND NOT EXISTS (SELECT FROM tickets_ticket t WHERE t.id = s.ticket_id)
    """

    def write_ids(self, cursor: Any, ids: list[int], *, prune: bool = True) -> int:
        if prune:
            cursor.execute(self.orphans.format(where="s.ticket_id = ANY(%s)"), [ids])
        documents = self.documents("t.id = ANY(%s)", "ticket_id = ANY(%s)")
        cursor.execute(documents + self.upsert, [ids, ids])
        return int(cursor.rowcount)

    def write_range(self, cursor: Any, low: int, high: int) -> int:
        cursor.execute(self.orphans.format(where="s.ticket_id BETWEEN %s AND %s"), [low, high])
        documents = self.documents("t.id BETWEEN %s AND %s", "ticket_id BETWEEN %s AND %s")
        cursor.execute(documents + self.upsert, [low, high, low, high])
        return int(cursor.rowcount)

    def is_empty(self, cursor: Any) -> bool:
        cursor.execute("SELECT NOT EXISTS (SELECT FROM tickets_search)")
        return bool(cursor.fetchone()[0])

    def drop_indexes(self, cursor: Any) -> None:
        for name in self.indexes:
            cursor.execute(f"DROP INDEX IF EXISTS {name}")

    def create_indexes(self, cursor: Any) -> None:
        cursor.execute("SET LOCAL maintenance_work_mem = '512MB'")
        for name, definition in self.indexes.items():
            cursor.execute(f"CREATE INDEX IF NOT EXISTS {name} ON tickets_search {definition}")

    def delete_outside(self, cursor: Any, low: int | None, high: int | None) -> None:
        if low is None:
            cursor.execute("TRUNCATE tickets_search")
        else:
            cursor.execute(
                "DELETE FROM tickets_search WHERE ticket_id < %s OR ticket_id > %s", [low, high]
            )

    def matching(self, query: str, terms: list[str], include_internal: bool) -> RawSQL:
        tsquery = f"plainto_tsquery('{TS_CONFIG}', %s)"
        if not include_internal:
            return RawSQL(
                f"SELECT ticket_id FROM tickets_search WHERE public_vector @@ {tsquery}", [query]
            )
        # A ticket with notes matches on staff_vector (the whole ticket); one without has a
        # NULL staff_vector and matches on public_vector. Both sides can use their GIN index.
        return RawSQL(
            "SELECT ticket_id FROM tickets_search"
            f" WHERE public_vector @@ {tsquery} OR staff_vector @@ {tsquery}",
            [query, query],
        )


_ENGINES: dict[str, _SQLite | _PostgreSQL] = {"sqlite": _SQLite(), "postgresql": _PostgreSQL()}


def _connection() -> BaseDatabaseWrapper:
    from tierdesk.tickets.models import TicketSearchDocument

    return connections[router.db_for_write(TicketSearchDocument)]


def _engine(connection: BaseDatabaseWrapper) -> _SQLite | _PostgreSQL:
    try:
        return _ENGINES[connection.vendor]
    except KeyError:
        raise NotImplementedError(f"No search engine for {connection.vendor}.") from None

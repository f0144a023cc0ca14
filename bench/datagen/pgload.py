"""Loading the big tables into PostgreSQL with COPY, from two processes.

Each loader process re-plans the same chunks (plans are seeded per chunk), spells its rows as
COPY text and streams each table in one transaction: TRUNCATE, then ``COPY ... WITH (FREEZE)``,
which writes the rows already frozen and marks the pages all-visible, so no VACUUM has to
rewrite them later.

Secondary indexes and the foreign keys touching the three tables are dropped first and
recreated afterwards from the exact definitions read from the catalog (``pg_get_indexdef``,
``pg_get_constraintdef``); building an index once by sorting is much cheaper than updating it
row by row, and one anti-join checks a foreign key faster than a trigger per row. The primary
keys stay, and so do partial indexes (the open-ticket queues): they are small, and
``pg_get_indexdef`` spells their predicate in a form that re-parses to a different expression
tree, so they would not come back byte-for-byte the same. Before returning, the recreated
definitions are compared with the saved ones.
"""

from __future__ import annotations

import multiprocessing
import queue
import sys
import time
import traceback
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import psycopg
from psycopg import sql
from psycopg.copy import QueuedLibpqWriter

from datagen.cast import Cast
from datagen.plan import Config, Planner
from datagen.rows import Builder, Dialect
from datagen.vocab import MARKERS

TABLES = ("tickets", "messages", "events")

INDEX_SQL = """
SELECT c.relname, pg_get_indexdef(i.indexrelid)
FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid
WHERE i.indrelid = ANY(%s::regclass[])
  AND NOT EXISTS (SELECT 1 FROM pg_constraint k WHERE k.conindid = i.indexrelid)
  AND i.indpred IS NULL
ORDER BY c.relname
"""
FK_SQL = """
SELECT conrelid::regclass::text, conname, pg_get_constraintdef(oid)
FROM pg_constraint
WHERE contype = 'f' AND (conrelid = ANY(%s::regclass[]) OR confrelid = ANY(%s::regclass[]))
ORDER BY conrelid::regclass::text, conname
"""


@dataclass
class Schema:
    """The secondary indexes and foreign keys that the load drops and recreates."""

    indexes: list[tuple[str, str]]  # (name, CREATE INDEX ...)
    foreign_keys: list[tuple[str, str, str]]  # (table, name, FOREIGN KEY ...)

    @classmethod
    def read(cls, conn: psycopg.Connection, tables: list[str]) -> Schema:
        indexes = conn.execute(INDEX_SQL, (tables,)).fetchall()
        fks = conn.execute(FK_SQL, (tables, tables)).fetchall()
        return cls(indexes=list(indexes), foreign_keys=list(fks))

    def script(self) -> str:
        lines = [f"{ddl};" for _, ddl in self.indexes]
        lines += [
            f'ALTER TABLE {table} ADD CONSTRAINT "{name}" {ddl};'
            for table, name, ddl in self.foreign_keys
        ]
        return "\n".join(lines) + "\n"

    def drop(self, conn: psycopg.Connection) -> None:
        with conn.transaction():
            for table, name, _ in self.foreign_keys:
                conn.execute(
                    sql.SQL("ALTER TABLE {} DROP CONSTRAINT {}").format(
                        sql.SQL(table), sql.Identifier(name)
                    )
                )
            for name, _ in self.indexes:
                conn.execute(sql.SQL("DROP INDEX {}").format(sql.Identifier(name)))

    def recreate(self, conninfo: str) -> None:
        # Index builds of different tables run side by side; foreign keys then one by one,
        # since each takes a lock on the referenced table that the others would wait for.
        with ThreadPoolExecutor(max_workers=2) as pool:
            list(pool.map(lambda ddl: _run(conninfo, ddl), [ddl for _, ddl in self._by_size()]))
        for table, name, ddl in self.foreign_keys:
            _run(conninfo, f'ALTER TABLE {table} ADD CONSTRAINT "{name}" {ddl}')

    def _by_size(self) -> list[tuple[str, str]]:
        # Start with the message and event indexes: they are the longest builds.
        return sorted(self.indexes, key=lambda item: ("message" not in item[1], item[0]))


def _run(conninfo: str, statement: str) -> None:
    with psycopg.connect(conninfo, autocommit=True) as conn:
        conn.execute("SET maintenance_work_mem = '512MB'")
        conn.execute(sql.SQL(statement))  # DDL as read from the catalog


@dataclass
class LoadResult:
    rows: dict[str, int] = field(default_factory=dict)
    seconds: dict[str, float] = field(default_factory=dict)
    markers: dict[str, int] = field(default_factory=dict)


# Loader processes and the tables each fills. Planning a ticket costs about as much as spelling
# its rows, so a process plans each chunk once for all its tables: tickets and events in one,
# the wide message rows in the other, which keeps both cores busy for about the same time.
GROUPS = (("tickets", "events"), ("messages",))


def copy_all(
    conninfo: str, specs: dict[str, tuple[str, tuple[str, ...]]], cast: Cast, config: Config
) -> LoadResult:
    """Run the loader processes and report progress on stderr until all are done."""
    ctx = multiprocessing.get_context("fork")
    events: Any = ctx.Queue()
    workers = [
        ctx.Process(target=_worker, args=(group, conninfo, specs, cast, config, events))
        for group in GROUPS
    ]
    for worker in workers:
        worker.start()
    try:
        result = _monitor(events, workers, config)
    finally:
        for worker in workers:
            if worker.is_alive():
                worker.terminate()
            worker.join()
    return result


def _monitor(events: Any, workers: list[Any], config: Config) -> LoadResult:
    result = LoadResult()
    counts = dict.fromkeys(TABLES, 0)
    started = last_report = time.monotonic()
    done: set[str] = set()
    while len(done) < len(TABLES):
        try:
            name, kind, value = events.get(timeout=1.0)
        except queue.Empty:
            if any(w.exitcode not in (None, 0) for w in workers):
                raise SystemExit("bench: a loader process died; see its output above") from None
        else:
            _take(result, counts, done, name, kind, value)
        if time.monotonic() - last_report >= 5 or len(done) == len(TABLES):
            last_report = time.monotonic()
            _report(counts, last_report - started, config)
    result.rows = counts
    return result


def _take(
    result: LoadResult, counts: dict[str, int], done: set[str], name: str, kind: str, value: Any
) -> None:
    if kind == "rows":
        counts[name] += value
    elif kind == "done":
        done.add(name)
        result.seconds[name] = value["seconds"]
        if value.get("markers"):
            result.markers = value["markers"]
    else:
        raise SystemExit(f"bench: the {name} loader failed:\n{value}")


def _report(counts: dict[str, int], elapsed: float, config: Config) -> None:
    parts = [f"{name} {count:>10,} ({count / elapsed:>9,.0f}/s)" for name, count in counts.items()]
    share = counts["tickets"] / config.tickets
    print(f"  load {elapsed:6.1f}s {share:4.0%}  " + "  ".join(parts), file=sys.stderr, flush=True)


def _worker(
    group: tuple[str, ...],
    conninfo: str,
    specs: dict[str, tuple[str, tuple[str, ...]]],
    cast: Cast,
    config: Config,
    events: Any,
) -> None:
    try:
        started = time.monotonic()
        markers = _copy_tables(group, conninfo, specs, cast, config, events)
        for name in group:
            result = {"seconds": time.monotonic() - started}
            if name == "tickets":
                result["markers"] = markers  # type: ignore[assignment]
            events.put((name, "done", result))
    except BaseException:
        events.put((group[0], "error", traceback.format_exc()))
        raise


def _copy_tables(
    group: tuple[str, ...],
    conninfo: str,
    specs: dict[str, tuple[str, tuple[str, ...]]],
    cast: Cast,
    config: Config,
    events: Any,
) -> dict[str, int]:
    builder = Builder(Dialect("postgresql", config), config)
    rows_of: dict[str, Callable] = {
        "tickets": builder.ticket_rows,
        "messages": builder.message_rows,
        "events": builder.event_rows,
    }
    planner = Planner(cast, config)
    markers = [0] * len(MARKERS)
    with ExitStack() as stack:
        copies = {name: stack.enter_context(_open_copy(conninfo, *specs[name])) for name in group}
        for index in range(config.chunks):
            plans = planner.chunk(index)
            for name, copy in copies.items():
                lines = ["\t".join(map(str, row)) for row in rows_of[name](index, plans)]
                copy.write("\n".join(lines) + "\n")
                events.put((name, "rows", len(lines)))
            for p in plans:
                for i, hit in enumerate(p.markers):
                    markers[i] += hit
    return {m.word: count for m, count in zip(MARKERS, markers, strict=True)}


@contextmanager
def _open_copy(conninfo: str, table: str, columns: tuple[str, ...]) -> Iterator[psycopg.Copy]:
    """One transaction: TRUNCATE, then COPY FREEZE; committed when the block ends."""
    copy_sql = sql.SQL("COPY {} ({}) FROM STDIN WITH (FREEZE)").format(
        sql.Identifier(table), sql.SQL(", ").join(map(sql.Identifier, columns))
    )
    with psycopg.connect(conninfo) as conn:
        conn.execute("SET TIME ZONE 'UTC'")
        conn.execute("SET synchronous_commit = off")
        conn.execute(sql.SQL("TRUNCATE {}").format(sql.Identifier(table)))
        cursor = conn.cursor()
        # The writer thread sends while this process spells the next chunk.
        with cursor.copy(copy_sql, writer=QueuedLibpqWriter(cursor)) as copy:
            yield copy


def reset_sequences(conn: psycopg.Connection, tables: list[str]) -> None:
    for table in tables:
        conn.execute(
            sql.SQL(
                "SELECT setval(pg_get_serial_sequence(%s, 'id'), "
                "(SELECT coalesce(max(id), 0) + 1 FROM {}), false)"
            ).format(sql.Identifier(table)),
            (table,),
        )


def save_script(schema: Schema, path: Path) -> None:
    path.write_text(
        "-- Indexes and foreign keys bench/generate.py dropped for the load; run this to restore\n"
        "-- them if the generator was killed before it recreated them.\n" + schema.script()
    )

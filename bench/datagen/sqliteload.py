"""Loading the big tables into SQLite: one process, executemany, one transaction per chunk.

Slower than the PostgreSQL path and meant for demo-sized databases (tens of thousands of
tickets). SQLite's AUTOINCREMENT bookkeeping follows explicit ids by itself, so no sequence
needs resetting afterwards.
"""

from __future__ import annotations

import sys
import time

from django.db import connection, transaction

from datagen.cast import Cast
from datagen.pgload import LoadResult
from datagen.plan import Config, Planner
from datagen.rows import Builder, Dialect, TableSpec
from datagen.vocab import MARKERS


def load_sqlite(cast: Cast, config: Config) -> LoadResult:
    builder = Builder(Dialect("sqlite", config), config)
    planner = Planner(cast, config)
    tables = [
        (builder.tickets, builder.ticket_rows),
        (builder.messages, builder.message_rows),
        (builder.events, builder.event_rows),
    ]
    result = LoadResult(rows={"tickets": 0, "messages": 0, "events": 0})
    names = list(result.rows)
    markers = [0] * len(MARKERS)
    started = time.monotonic()
    with connection.cursor() as cursor:
        for index in range(config.chunks):
            plans = planner.chunk(index)
            with transaction.atomic():
                for name, (spec, rows_of) in zip(names, tables, strict=True):
                    rows = list(rows_of(index, plans))
                    cursor.executemany(_insert(spec), rows)
                    result.rows[name] += len(rows)
            for p in plans:
                for i, hit in enumerate(p.markers):
                    markers[i] += hit
            _report(result, time.monotonic() - started)
    result.seconds["all"] = time.monotonic() - started
    result.markers = {m.word: n for m, n in zip(MARKERS, markers, strict=True)}
    return result


def _insert(spec: TableSpec) -> str:
    quote = connection.ops.quote_name
    columns = ", ".join(quote(c) for c in spec.columns)
    marks = ", ".join(["%s"] * len(spec.columns))
    return f"INSERT INTO {quote(spec.table)} ({columns}) VALUES ({marks})"


def _report(result: LoadResult, elapsed: float) -> None:
    parts = [f"{name} {n:,} ({n / elapsed:,.0f}/s)" for name, n in result.rows.items()]
    print(f"  load {elapsed:6.1f}s  " + "  ".join(parts), file=sys.stderr, flush=True)

"""Many unsaved rows of one model in one INSERT, written once per row count.

A batch stores its raw messages and its acknowledgements with one multi-row INSERT each.
``bulk_create`` compiles every value of every row anew on each call (a few milliseconds per
batch); here the statement is built once per model and row count from the model's columns
(``core.inserts``), and the values are prepared exactly as ``save()`` would send them.
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import cache

from django.db import connections, models, router
from django.db.models.constants import OnConflict

from tierdesk.core.inserts import insert_columns, insert_fields, insert_values, mark_inserted


def insert_rows(rows: Sequence[models.Model], *, ignore_conflicts: bool = False) -> None:
    """INSERT the rows (all of one model). Without ``ignore_conflicts`` each gets its new
    primary key; with it, a row clashing with a stored one on a unique key is left out (``ON
    CONFLICT DO NOTHING``, ``INSERT OR IGNORE`` on SQLite) and no keys are set."""
    if not rows:
        return
    model = type(rows[0])
    connection = connections[router.db_for_write(model)]
    returning = not ignore_conflicts
    if returning and not connection.features.can_return_rows_from_bulk_insert:
        model._default_manager.bulk_create(rows)
        return
    sql = _insert_sql(model, connection.alias, len(rows), ignore_conflicts)
    values = [value for row in rows for value in insert_values(row, connection)]
    with connection.cursor() as cursor:
        cursor.execute(sql, values)
        if returning:
            # Rows come back in the order of VALUES, as bulk_create relies on too.
            for row, (pk,) in zip(rows, cursor.fetchall(), strict=True):
                mark_inserted(row, pk, connection)


@cache
def _insert_sql(model: type[models.Model], alias: str, count: int, ignore: bool) -> str:
    ops = connections[alias].ops
    conflict = OnConflict.IGNORE if ignore else None
    row = "(" + ", ".join(["%s"] * len(insert_fields(model))) + ")"
    sql = (
        f"{ops.insert_statement(on_conflict=conflict)} {ops.quote_name(model._meta.db_table)}"
        f" ({insert_columns(model, alias)}) VALUES {', '.join([row] * count)}"
    )
    if ignore:
        return f"{sql} {ops.on_conflict_suffix_sql([], OnConflict.IGNORE, None, None)}"
    return f"{sql} RETURNING {ops.quote_name(str(model._meta.pk.column))}"

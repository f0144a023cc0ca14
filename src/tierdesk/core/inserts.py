"""INSERTs written once per model, for the hot write paths.

The ORM compiles every ``save()`` and ``bulk_create()`` anew: for a ticket (50 columns) that is
more Python per INSERT than PostgreSQL needs to run it (``docs/benchmarks.md``). Here the
statement is built once per model (and row count) from the model's concrete fields, and the
values are exactly what ``save()`` would send (``pre_save`` then ``get_db_prep_save`` of each
field). Used for rows nearly every change writes (events, messages, attachments, queued mail,
stored raw mail) and, as parts of one statement, for opening a ticket
(``tickets.services.opening``).

Only for models with no ``save()`` of their own and no ``pre_save``/``post_save`` receivers:
those would be skipped. ``refuse_unsafe`` enforces it on every call (a receiver connected at
run time included), and a test walks every model that comes here.
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import cache
from typing import Any

from django.db import connections, models, router
from django.db.backends.base.base import BaseDatabaseWrapper
from django.db.models.constants import OnConflict
from django.db.models.signals import post_save, pre_save


class UnsafeInsert(TypeError):
    """A model whose ``save()`` does more than these INSERTs would: they would skip it."""


def refuse_unsafe(model: type[models.Model]) -> None:
    """Raise ``UnsafeInsert`` for a model with a ``save()`` of its own or a receiver of
    ``pre_save``/``post_save``: writing its rows here would silently skip that code."""
    if model.save is not models.Model.save:
        raise UnsafeInsert(f"{model.__name__} overrides save(): insert it with save().")
    if pre_save.has_listeners(model) or post_save.has_listeners(model):
        raise UnsafeInsert(f"{model.__name__} has save signal receivers: insert it with save().")


def insert(instance: models.Model) -> None:
    """``instance.save(force_insert=True)``, without compiling the INSERT."""
    model = type(instance)
    refuse_unsafe(model)
    connection = connections[router.db_for_write(model)]
    if not connection.features.can_return_columns_from_insert:
        instance.save(force_insert=True)
        return
    with connection.cursor() as cursor:
        cursor.execute(insert_sql(model, connection.alias), insert_values(instance, connection))
        mark_inserted(instance, cursor.fetchone()[0], connection)


def insert_rows(rows: Sequence[models.Model], *, ignore_conflicts: bool = False) -> None:
    """INSERT the rows (all of one model) in one statement. Without ``ignore_conflicts`` each
    gets its new primary key; with it, a row clashing with a stored one on a unique key is left
    out (``ON CONFLICT DO NOTHING``, ``INSERT OR IGNORE`` on SQLite) and no keys are set."""
    if not rows:
        return
    model = type(rows[0])
    refuse_unsafe(model)
    connection = connections[router.db_for_write(model)]
    returning = not ignore_conflicts
    if returning and not connection.features.can_return_rows_from_bulk_insert:
        model._default_manager.bulk_create(rows)
        return
    sql = insert_sql(
        model, connection.alias, rows=len(rows), ignore_conflicts=ignore_conflicts,
        returning=returning,
    )  # fmt: skip
    values = [value for row in rows for value in insert_values(row, connection)]
    with connection.cursor() as cursor:
        cursor.execute(sql, values)
        if returning:
            # Rows come back in the order of VALUES, as bulk_create relies on too.
            for row, (pk,) in zip(rows, cursor.fetchall(), strict=True):
                mark_inserted(row, pk, connection)


@cache
def insert_sql(
    model: type[models.Model],
    alias: str,
    *,
    rows: int = 1,
    ignore_conflicts: bool = False,
    returning: bool = True,
    column_sql: tuple[tuple[str, str], ...] = (),
) -> str:
    """``INSERT INTO table (columns) VALUES (%s, ...)[, ...]`` for ``insert_values``' order,
    with ``RETURNING pk`` unless told. ``column_sql`` pairs (attname, SQL) put an expression in
    place of a column's parameter (leave that column out of the values: ``skip``)."""
    ops = connections[alias].ops
    expressions = dict(column_sql)
    row = "(" + ", ".join(expressions.get(f.attname, "%s") for f in insert_fields(model)) + ")"
    conflict = OnConflict.IGNORE if ignore_conflicts else None
    sql = (
        f"{ops.insert_statement(on_conflict=conflict)} {ops.quote_name(model._meta.db_table)}"
        f" ({insert_columns(model, alias)}) VALUES {', '.join([row] * rows)}"
    )
    if ignore_conflicts:
        sql += " " + ops.on_conflict_suffix_sql([], OnConflict.IGNORE, None, None)
    if returning:
        sql += f" RETURNING {ops.quote_name(str(model._meta.pk.column))}"
    return sql


def insert_selecting(
    model: type[models.Model],
    alias: str,
    source: str,
    columns: dict[str, str],
    wrap: dict[str, str] | None = None,
) -> str:
    """``INSERT INTO table (...) SELECT <values> FROM source RETURNING id``, a part of a
    ``WITH`` statement whose row depends on ``source`` (another part's RETURNING): a parameter
    per column in ``insert_values`` order, cast to the column's type (a SELECT list does not
    take it from the target as VALUES does), except the columns ``columns`` gives as SQL;
    ``wrap`` puts a column's value into an expression (``{}`` marks the value)."""
    connection = connections[alias]
    quote = connection.ops.quote_name
    fields = insert_fields(model)
    values = []
    for field in fields:
        value = columns.get(field.attname) or f"CAST(%s AS {field.cast_db_type(connection)})"
        if wrap and field.attname in wrap:
            value = wrap[field.attname].format(value)
        values.append(value)
    names = ", ".join(quote(str(field.column)) for field in fields)
    return (
        f"INSERT INTO {quote(model._meta.db_table)} ({names}) SELECT {', '.join(values)}"
        f" FROM {source} RETURNING {quote(str(model._meta.pk.column))}"
    )


@cache
def insert_fields(model: type[models.Model]) -> tuple[models.Field, ...]:
    """The fields an INSERT writes: every concrete column except a database-made primary key."""
    meta = model._meta
    return tuple(
        field
        for field in meta.local_concrete_fields
        if field is not meta.auto_field and not getattr(field, "generated", False)
    )


@cache
def insert_columns(model: type[models.Model], connection_alias: str) -> str:
    """``"a", "b", ...``: the quoted column list, in ``insert_fields`` order."""
    quote = connections[connection_alias].ops.quote_name
    return ", ".join(quote(str(field.column)) for field in insert_fields(model))


def insert_values(
    instance: models.Model, connection: BaseDatabaseWrapper, *, skip: frozenset[str] = frozenset()
) -> list[Any]:
    """The instance's values for ``insert_columns``, as the ORM would send them; the fields
    named in ``skip`` (attnames) are left out."""
    refuse_unsafe(type(instance))
    return [
        field.get_db_prep_save(field.pre_save(instance, True), connection)
        for field in insert_fields(type(instance))
        if field.attname not in skip
    ]


def mark_inserted(instance: models.Model, pk: int, connection: BaseDatabaseWrapper) -> None:
    """What ``save()`` leaves behind: the new primary key, and a state that is not 'adding'."""
    instance.pk = pk
    instance._state.adding = False
    instance._state.db = connection.alias

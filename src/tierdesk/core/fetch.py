"""Rows read without the ORM's per-call query compilation: one by primary key (``by_pk``), and
the columns of a model in a hand-written SELECT built back into instances (``ModelColumns``).

``Model.objects.get(pk=...)`` spends about 0.4 ms of Python building its SQL before the database
sees it, three times what the lookup itself costs (measured: 547 vs 179 µs CPU per call at
1,000,000 tickets). The lookups that run on every request (the organization of each new ticket)
use this instead: the statement is written once per model and the row becomes an instance with
``Model.from_db``, exactly as the ORM would make it (all concrete fields, nothing deferred).
Callers still check permissions on what they get (``policies.can``).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from functools import cache
from operator import itemgetter
from typing import Any

from django.db import connection, connections, models, router
from django.db.models import DEFERRED, Model


def by_pk[M: models.Model](model: type[M], pk: Any) -> M | None:
    """The instance with this (integer) primary key, or ``None``; also for a key no row can have
    (not a number, out of the 64-bit range), as the ORM answers those."""
    try:
        pk = int(pk)
    except (TypeError, ValueError):
        return None
    if not -(2**63) <= pk < 2**63:
        return None
    alias = router.db_for_read(model)
    sql, attnames = _select_by_pk(model, alias)
    with connections[alias].cursor() as cursor:
        cursor.execute(sql, [pk])
        row = cursor.fetchone()
    return None if row is None else model.from_db(alias, attnames, row)


@cache
def _select_by_pk(model: type[models.Model], alias: str) -> tuple[str, list[str]]:
    quote = connections[alias].ops.quote_name
    fields = model._meta.concrete_fields
    columns = ", ".join(quote(str(field.column)) for field in fields)
    table, pk = quote(model._meta.db_table), quote(str(model._meta.pk.column))
    return f"SELECT {columns} FROM {table} WHERE {pk} = %s", [f.attname for f in fields]


def padded(values: Iterable[Any]) -> list[Any]:
    """The values for an ``IN (%s, ...)`` of a power-of-two length (past 1,024, a multiple of
    1,024), the last repeated, which changes nothing an IN finds: a statement written once per
    length then has a few lengths, not one per batch size, to cache (here and in psycopg's
    prepared statements); a long list grows by at most 1,023 (parameter limits)."""
    found = list(values)
    if not found:
        return found
    length = 1 << (len(found) - 1).bit_length()
    if length > 1024:
        length = -(-len(found) // 1024) * 1024
    return found + found[-1:] * (length - len(found))


def placeholders(count: int) -> str:
    return ", ".join(["%s"] * count)


def rows_where_in(
    statement: Callable[[int], str], values: Iterable[Any], *after: Any
) -> list[tuple[Any, ...]]:
    """The rows of ``statement(n)``, a written-out SELECT whose first parameters are an ``IN``
    of ``n`` placeholders (then ``after``), for ``values``: sorted and ``padded``, so that a
    ``functools.cache``d ``statement`` is built for a few lengths only. No values, no query."""
    params = padded(sorted(values))
    if not params:
        return []
    with connection.cursor() as cursor:
        cursor.execute(statement(len(params)), [*params, *after])
        return cursor.fetchall()


class ModelColumns:
    """One model's columns in a hand-written SELECT, and the instance built back from them as
    ``select_related`` would: the ORM's own converters, then ``Model.from_db``.

    ``names`` (attnames) loads only those columns; the others are deferred (loaded on access).
    """

    def __init__(self, model: type[Model], alias: str, names: Iterable[str] | None = None):
        wanted = set(names) if names is not None else None
        everything = model._meta.concrete_fields
        self.model, self.alias, self.width = model, alias, len(everything)
        self.attnames = [f.attname for f in everything]
        self.fields = [f for f in everything if wanted is None or f.attname in wanted]
        self.slots = [everything.index(f) for f in self.fields]
        self.position = {slot: at for at, slot in enumerate(self.slots)}  # slot: place in fields
        self.pk_at = self.fields.index(model._meta.pk)
        self._converters: dict[str, list[tuple[int, Any, list[Any]]]] = {}

    def sql(self) -> str:
        quote = connection.ops.quote_name
        return ", ".join(f"{self.alias}.{quote(str(f.column))}" for f in self.fields)

    def build(self, row: Sequence[Any], start: int, db: Any) -> Any:
        """The instance from ``row[start:]`` read on connection ``db``, or ``None`` if an
        outer join found none."""
        values = row[start : start + len(self.fields)]
        if values[self.pk_at] is None:
            return None
        full: list[Any] = [DEFERRED] * self.width
        for slot, value in zip(self.slots, values, strict=True):
            full[slot] = value
        for slot, col, converters in self.converters(db):
            value = full[slot]
            for convert in converters:
                value = convert(value, col, db)
            full[slot] = value
        return self.model.from_db(db.alias, self.attnames, full)

    def values(self, row: Sequence[Any], start: int, db: Any) -> list[Any]:
        """The values of ``row[start:]`` as the ORM's ``values_list`` gives them (converted),
        in ``fields`` order, for a caller that wants no instance."""
        values = list(row[start : start + len(self.fields)])
        for slot, col, converters in self.converters(db):
            at = self.position[slot]
            for convert in converters:
                values[at] = convert(values[at], col, db)
        return values

    def picker(self, names: Sequence[str]) -> Any:
        """A function from ``values()`` to the named columns' values, in ``names``' order (at
        least two names)."""
        attnames = [field.attname for field in self.fields]
        return itemgetter(*(attnames.index(name) for name in names))

    def converters(self, db: Any) -> list[tuple[int, Any, list[Any]]]:
        """The columns the ORM's compiler would convert: their slots, expressions, converters."""
        found = self._converters.get(db.vendor)
        if found is None:
            found = []
            for slot, field in zip(self.slots, self.fields, strict=True):
                col = field.get_col(self.alias)
                converters = db.ops.get_db_converters(col) + col.get_db_converters(db)
                if converters:
                    found.append((slot, col, converters))
            self._converters[db.vendor] = found
        return found

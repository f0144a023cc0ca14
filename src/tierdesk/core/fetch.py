"""Statements the ORM writes once per process and runs with new values on every call.

On the hottest reads (an organization by primary key for every new ticket, the outer part of
every ticket list page) building the query costs Django more Python than the database needs to
run it. ``CompiledQuery`` takes the production queryset, has the ORM compile it once per
database, and keeps three things: the SQL text, where each call's values go (``Param`` for a
value, ``Fragment`` for a piece of SQL with its own parameters, such as a subquery the ORM
compiled for this call), and how rows become what the queryset yields (the ORM's converters,
``Model.from_db``, select_related's populators). Nothing here writes a statement: change the
queryset and the statement follows.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from functools import cache
from typing import Any, cast

from django.db import connections, models, router, transaction
from django.db.models import Expression, Field, Model, QuerySet, Value
from django.db.models.query import DEFAULT_FETCH_MODE, ModelIterable, get_related_populators
from django.db.models.sql import UpdateQuery


@dataclass(frozen=True, eq=False)
class _Slot:
    """Stands in a compiled statement's parameters for what a call gives: a value prepared by
    ``field``, or (``field`` None) a fragment's parameters."""

    name: str
    field: Field[Any, Any] | None


class Param(Value):
    """A value given when the compiled statement runs: ``filter(pk=Param("pk", pk_field))``.
    Compiled as the ORM compiles a value (``%s``), prepared by ``field`` as the ORM would."""

    def __init__(self, name: str, field: Field[Any, Any]) -> None:
        super().__init__(None, output_field=field)
        self.slot = _Slot(name, field)

    def as_sql(self, compiler: Any, connection: Any) -> tuple[str, Any]:
        return "%s", [self.slot]

    def as_sqlite(self, compiler: Any, connection: Any, **extra: Any) -> tuple[str, Any]:
        return self.as_sql(compiler, connection)  # not Value's: it casts by the value's type


class Fragment(Expression):
    """SQL with its parameters given when the compiled statement runs, in parentheses:
    ``filter(pk__in=Fragment("ids", pk_field))`` and then ``ids=(inner_sql, inner_params)``."""

    def __init__(self, name: str, output_field: Field[Any, Any]) -> None:
        super().__init__(output_field=output_field)
        self.slot = _Slot(name, None)
        self.marker = f"__fragment_{name}__"

    def as_sql(self, compiler: Any, connection: Any) -> tuple[str, Any]:
        return f"({self.marker})", [self.slot]


class CompiledQuery[M: Model]:
    """The queryset ``build()`` returns (model instances; ``select_related``, ``only`` and
    annotations welcome, no prefetching), compiled once per database alias, run by
    ``rows(alias, **values)`` or ``first(...)``."""

    def __init__(self, build: Callable[[], QuerySet[M]]) -> None:
        self.build = build
        self._plans: dict[str, _Plan] = {}

    def plan(self, alias: str) -> _Plan:
        found = self._plans.get(alias)
        if found is None:
            found = self._plans[alias] = _Plan(self.build().using(alias))
        return found

    def rows(self, alias: str, **values: Any) -> list[M]:
        """The instances the queryset would give with ``values`` in its slots."""
        plan = self.plan(alias)
        db = connections[alias]
        sql, params = plan.statement(values, db)
        with db.cursor() as cursor:
            cursor.execute(sql, params)
            found = cursor.fetchall()
        return cast(list[M], plan.instances(found, db))

    def first(self, alias: str, **values: Any) -> M | None:
        """The one instance a lookup of a unique key finds, or ``None``."""
        found = self.rows(alias, **values)
        return found[0] if found else None


class _Plan:
    """One compiled statement: its text and parameters, and how its rows become instances (as
    ``ModelIterable`` makes them)."""

    def __init__(self, queryset: QuerySet[Any]) -> None:
        if queryset._iterable_class is not ModelIterable:
            raise TypeError("CompiledQuery reads model instances, not values.")
        if queryset._prefetch_related_lookups:  # type: ignore[attr-defined]
            raise TypeError("CompiledQuery runs one statement: it would skip the prefetching.")
        alias = queryset.db
        compiler = queryset.query.get_compiler(alias)
        self.sql, params = compiler.as_sql()
        self.params = list(params)
        self.slots = [(at, p) for at, p in enumerate(self.params) if isinstance(p, _Slot)]
        self.alias = alias
        select, klass_info = compiler.select, compiler.klass_info
        fields = [column[0] for column in select[: compiler.col_count]]
        self.converters = list(compiler.get_converters(fields).items())
        self.model = klass_info["model"]
        start, stop = klass_info["select_fields"][0], klass_info["select_fields"][-1] + 1
        self.own = slice(start, stop)
        self.attnames = [column[0].target.attname for column in select[start:stop]]
        self.populators = get_related_populators(klass_info, select, alias, DEFAULT_FETCH_MODE)
        self.annotations = list(compiler.annotation_col_map.items())
        # A forward many-to-one (a ticket's organization, its assignee) becomes one instance per
        # related row, shared as prefetch_related shares it: a page names a few, often.
        related = klass_info.get("related_klass_infos", [])
        self.shared = [not info["reverse"] and not info["field"].unique for info in related]

    def statement(self, values: Mapping[str, Any], db: Any) -> tuple[str, list[Any]]:
        return _bind(self.sql, self.params, self.slots, values, db)

    def instances(self, rows: Sequence[Sequence[Any]], db: Any) -> list[Any]:
        converters = self.converters
        found = []
        seen: dict[tuple[int, Any], Any] = {}
        for row in rows:
            if converters:
                row = list(row)
                for at, (functions, expression) in converters:
                    value = row[at]
                    for convert in functions:
                        value = convert(value, expression, db)
                    row[at] = value
            instance = self.model.from_db(self.alias, self.attnames, row[self.own])
            for index, populator in enumerate(self.populators):
                if self.shared[index]:
                    _populate_shared(index, populator, row, instance, seen)
                else:
                    populator.populate(row, instance)
            for name, at in self.annotations:
                setattr(instance, name, row[at])
            found.append(instance)
        return found


def _bind(
    sql: str,
    params: list[Any],
    slots: list[tuple[int, _Slot]],
    values: Mapping[str, Any],
    db: Any,
) -> tuple[str, list[Any]]:
    """A compiled statement with a call's values in its slots."""
    if not slots:
        return sql, params
    params = list(params)
    # Fragments last first: each one's parameters replace its slot in place.
    for at, slot in reversed(slots):
        given = values[slot.name]
        if slot.field is None:
            fragment_sql, fragment_params = given
            sql = sql.replace(f"__fragment_{slot.name}__", fragment_sql)
            params[at : at + 1] = list(fragment_params)
        else:
            params[at] = slot.field.get_db_prep_value(given, db, prepared=False)
    return sql, params


class CompiledUpdate:
    """``build().update(**changes)`` as the ORM compiles it, once per database alias; ``run(alias,
    **values)`` fills its ``Param`` slots (in the filter and in ``changes``) and returns the rows
    changed, as ``update()`` does. For a hot UPDATE of one table (no parent models to update,
    no ordering or slicing)."""

    def __init__(self, build: Callable[[], QuerySet[Any]], **changes: Any) -> None:
        self.build, self.changes = build, changes
        self._plans: dict[str, tuple[str, list[Any], list[tuple[int, _Slot]]]] = {}

    def plan(self, alias: str) -> tuple[str, list[Any], list[tuple[int, _Slot]]]:
        found = self._plans.get(alias)
        if found is None:
            query = cast(UpdateQuery, self.build().using(alias).query.chain(UpdateQuery))
            query.add_update_values(self.changes)
            if query.get_related_updates() or query.order_by or query.is_sliced:
                raise TypeError("CompiledUpdate updates one table, unordered and unsliced.")
            query.clear_select_clause()
            sql, compiled = query.get_compiler(alias).as_sql()
            params = list(compiled)
            slots = [(at, p) for at, p in enumerate(params) if isinstance(p, _Slot)]
            found = self._plans[alias] = (sql, params, slots)
        return found

    def run(self, alias: str, **values: Any) -> int:
        db = connections[alias]
        sql, params = _bind(*self.plan(alias), values, db)
        with transaction.mark_for_rollback_on_error(using=alias), db.cursor() as cursor:
            cursor.execute(sql, params)
            return int(cursor.rowcount)


def _populate_shared(
    index: int, populator: Any, row: Sequence[Any], instance: Any, seen: dict[Any, Any]
) -> None:
    """``RelatedPopulator.populate`` for a forward many-to-one, one instance per related row."""
    if populator.reorder_for_init:
        data = populator.reorder_for_init(row)
    else:
        data = row[populator.cols_start : populator.cols_end]
    pk = data[populator.pk_idx]
    related = None
    if pk is not None:
        related = seen.get((index, pk))
        if related is None:
            related = seen[index, pk] = populator.from_db(populator.db, populator.init_list, data)
            for nested in populator.related_populators:
                nested.populate(row, related)
    populator.local_setter(instance, related)


def by_pk[M: models.Model](model: type[M], pk: Any) -> M | None:
    """The instance with this (integer) primary key, or ``None``; also for a key no row can have
    (not a number, out of the 64-bit range), as the ORM answers those. The ORM's own
    ``filter(pk=...)``, compiled once per model and database."""
    try:
        pk = int(pk)
    except (TypeError, ValueError):
        return None
    if not -(2**63) <= pk < 2**63:
        return None
    return _by_pk(model).first(router.db_for_read(model), pk=pk)


@cache
def _by_pk[M: models.Model](model: type[M]) -> CompiledQuery[M]:
    return CompiledQuery(
        lambda: model._base_manager.filter(pk=Param("pk", model._meta.pk)).order_by()
    )

"""The columns and values of a model instance about to be inserted, for hand-written INSERTs.

The ORM compiles every ``save()`` anew: for a ticket (50 columns) that is about a millisecond of
Python per INSERT, more than PostgreSQL needs to run it. The hot write paths that must insert
several rows in one statement (opening a ticket: see ``tickets.services.opening``) take the
column list from here, computed once per model, and the values exactly as ``save()`` would send
them (``pre_save`` then ``get_db_prep_save`` of each field).
"""

from __future__ import annotations

from functools import cache
from typing import Any

from django.db import models
from django.db.backends.base.base import BaseDatabaseWrapper


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
    from django.db import connections

    quote = connections[connection_alias].ops.quote_name
    return ", ".join(quote(str(field.column)) for field in insert_fields(model))


def insert_values(instance: models.Model, connection: BaseDatabaseWrapper) -> list[Any]:
    """The instance's values for ``insert_columns``, as the ORM would send them."""
    return [
        field.get_db_prep_save(field.pre_save(instance, True), connection)
        for field in insert_fields(type(instance))
    ]


def mark_inserted(instance: models.Model, pk: int, connection: BaseDatabaseWrapper) -> None:
    """What ``save()`` leaves behind: the new primary key, and a state that is not 'adding'."""
    instance.pk = pk
    instance._state.adding = False
    instance._state.db = connection.alias

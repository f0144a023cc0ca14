"""Two PostgreSQL planning aids for the hottest reads (the agents' queues).

With prepared statements (``TIERDESK_DB_PREPARED_STATEMENTS``) PostgreSQL may plan a statement
once and reuse that generic plan; for the queue page it never does. A generic plan for
``status IN ($1, $2, $3)`` cannot use the partial indexes on the open statuses, and with the
statuses written out PostgreSQL still estimates the generic plan dearer and plans afresh on
every request: ~1.2 ms at 1M tickets, several times what the query takes to run (measured in
``docs/benchmarks.md``). So the queue writes its constant statuses into the SQL
(``in_constants``) and runs with a generic plan (``generic_plans``): planned once per
connection.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from django.conf import settings
from django.db import connection, models, transaction

# What ``in_constants`` agrees to write into SQL: enum values, nothing a user typed.
SAFE_CONSTANT = frozenset("abcdefghijklmnopqrstuvwxyz0123456789_")


@models.CharField.register_lookup
class InConstants(models.Lookup):
    """``field__in_constants=[...]``: ``IN`` with the values written into the statement rather
    than bound, so that a generic plan can still prove a partial index's predicate. Only for
    fixed sets of enum values: anything but lower-case letters, digits and ``_`` is refused."""

    lookup_name = "in_constants"
    prepare_rhs = False

    def as_sql(self, compiler: Any, connection: Any) -> tuple[str, tuple[str | int, ...]]:
        lhs, params = self.process_lhs(compiler, connection)
        values = list(self.rhs)
        if not values or not all(isinstance(v, str) and set(v) <= SAFE_CONSTANT for v in values):
            raise ValueError(f"in_constants takes enum values only, not {values!r}")
        return f"{lhs} IN ({', '.join(repr(value) for value in values)})", tuple(params)


@contextmanager
def generic_plans() -> Iterator[None]:
    """Run the block's reads with a generic plan for its prepared statements (PostgreSQL's
    ``plan_cache_mode``), for queries whose best plan does not depend on their parameters'
    values.

    For reads only: the block is a transaction (or, inside one, a savepoint) that is always
    rolled back, which is what ends ``SET LOCAL`` wherever it ran. On SQLite, or with prepared
    statements off, it changes nothing.
    """
    options: Any = settings.DATABASES["default"].get("OPTIONS", {})
    if connection.vendor != "postgresql" or not options.get("prepare_threshold"):
        yield
        return
    with transaction.atomic():
        with connection.cursor() as cursor:
            cursor.execute("SET LOCAL plan_cache_mode = force_generic_plan")
        try:
            yield
        finally:
            transaction.set_rollback(True)

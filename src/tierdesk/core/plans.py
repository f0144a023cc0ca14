"""Query plans made for each execution's values, for the reads whose best plan changes with
them (the reports)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from django.db import connection, transaction


@contextmanager
def custom_plans() -> Iterator[None]:
    """Within: PostgreSQL plans every statement for the values it runs with.

    Statements are prepared on their fifth use (``settings``: planning was most of the API
    writes' time), and after five more runs PostgreSQL may keep one generic plan, made
    without the values. A report reads one day or three years, one partner's 30 organizations
    or all of them: the generic plan took a 12-week range for 0.5 % of the cells and read all
    126,000 of them for one partner, 139 ms instead of 9.5 (``docs/benchmarks.md``). Only the
    reads in here pay for planning. ``SET LOCAL`` ends with the transaction, so a pooled
    connection goes back as it came. SQLite has no plan cache, and a transaction there would
    take the write lock (``BEGIN IMMEDIATE``): nothing is done."""
    if connection.vendor != "postgresql":
        yield
        return
    with transaction.atomic():
        with connection.cursor() as cursor:
            cursor.execute("SET LOCAL plan_cache_mode = force_custom_plan")
        yield

"""The backlog at the end of a day: the tickets open then, by age since opening, grouped by
the dashboard's dimensions and written to ``DailyBacklog`` by one ``INSERT ... SELECT``, then
added up without the organization and category into ``DailyTeamBacklog`` by another.

Nearly every open ticket is a group of its own (150,000 open tickets made 138,000 groups on
the benchmark database), so the rows never pass through Python: the ORM compiles the grouped
query and the database inserts its result (``docs/benchmarks.md``, issue 18).

A ticket is open at an instant from its opening until its current resolution (or its closing
when it was closed unresolved): a ticket reopened later counts as open in between. The
drill-down lists (``selectors.drilldown``) ask the tickets the same question, ``open_at``.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Any

from django.db import connection
from django.db.models import Count, DateField, Model, Q, QuerySet, Sum, Value
from django.db.models.functions import Coalesce

from tierdesk.reports.figures import BACKLOG_SUMMED
from tierdesk.reports.models import DailyBacklog, DailyTeamBacklog
from tierdesk.reports.rollups import DAY, DIMENSIONS, day_start
from tierdesk.tickets.models import Ticket

# Age bands: (younger than, field).
AGE_BANDS = (
    (timedelta(days=1), "backlog_under_1d"),
    (timedelta(days=3), "backlog_1_3d"),
    (timedelta(days=7), "backlog_3_7d"),
    (None, "backlog_over_7d"),
)
# The ticket's columns that key a backlog row, and the row's fields they fill.
BACKLOG_DIMENSIONS = tuple((column, name) for column, name in DIMENSIONS if name != "channel")


def open_at(tickets: QuerySet[Ticket], end: datetime) -> QuerySet[Ticket]:
    """The tickets open at ``end``: opened before it, neither resolved nor closed by then."""
    finished = tickets.annotate(finished=Coalesce("resolved_at", "closed_at"))
    return finished.filter(Q(finished__isnull=True) | Q(finished__gte=end), created_at__lt=end)


def breached_q() -> Q:
    """Open with a breached first-response or resolution clock (as the SLA engine stored it)."""
    return Q(response_state="breached") | Q(resolution_state="breached")


def _band_counts(end: datetime) -> dict[str, Count]:
    counts = {}
    younger: timedelta | None = None
    for limit, name in AGE_BANDS:
        band = Q()
        if limit is not None:
            band &= Q(created_at__gt=end - limit)
        if younger is not None:
            band &= Q(created_at__lte=end - younger)
        counts[name] = Count("pk", filter=band)
        younger = limit
    return counts


def backlog_groups(day: date) -> QuerySet[Ticket]:
    """One row per group of tickets open at the end of ``day``: the day, the dimensions, the
    count per age band and the count with a breached clock."""
    end = day_start(day + DAY)
    tickets = open_at(Ticket.objects.all(), end).annotate(day=Value(day, DateField()))
    columns = [column for column, _ in BACKLOG_DIMENSIONS]
    return tickets.values("day", *columns).annotate(
        **_band_counts(end), backlog_breached=Count("pk", filter=breached_q())
    )


def backlog_insert(day: date) -> int:
    """Write the backlog rows of ``day`` and their team sums (the caller removed the old
    ones); how many rows in all."""
    groups = backlog_groups(day)
    written = _insert_selected(DailyBacklog, groups, dict(BACKLOG_DIMENSIONS))
    return written + _insert_selected(DailyTeamBacklog, *_team_sums(day))


def _team_sums(day: date) -> tuple[QuerySet[DailyBacklog], dict[str, str]]:
    """The day's backlog rows added up per ``DailyTeamBacklog`` group, and the team table's
    field for each of the query's names (an annotation may not take a field's own name)."""
    columns = ["day", *(f.attname for f in DailyTeamBacklog._meta.concrete_fields
                        if f.attname not in ("id", "day", *BACKLOG_SUMMED))]  # fmt: skip
    summed = {f"summed_{name}": Sum(name) for name in BACKLOG_SUMMED}
    groups = DailyBacklog.objects.filter(day=day).values(*columns).annotate(**summed)
    return groups.order_by(), {alias: alias.removeprefix("summed_") for alias in summed}


def _insert_selected(model: type[Model], groups: QuerySet[Any], fields: dict[str, str]) -> int:
    """``INSERT INTO model SELECT ...`` of a grouped query the ORM compiled: the rows never
    pass through Python. ``fields`` maps the query's names to the model's (others are equal)."""
    sql, params = groups.query.sql_with_params()
    meta = model._meta
    table_columns = {field.attname: str(field.column) for field in meta.concrete_fields}
    quote = connection.ops.quote_name
    # The SELECT's columns in their order (``values()`` first, then the annotations), as the
    # table's columns.
    selected = groups.query.selected or {}
    names = [str(name) for name in selected]
    columns = ", ".join(quote(table_columns[fields.get(name, name)]) for name in names)
    with connection.cursor() as cursor:
        cursor.execute(f"INSERT INTO {quote(meta.db_table)} ({columns}) {sql}", params)
        return cursor.rowcount

"""Adding up rollup cells: sums, merged maps, durations and percentiles, and the tables every
page, PDF and export shows. No query is made here except through the querysets handed in."""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from django.db.models import IntegerField, Q, QuerySet, StringAgg, Sum, Value
from django.db.models.functions import Coalesce

from tierdesk.reports.models import DurationsField

# The counts of a rollup cell (``DailyRollup``).
SUMMED = (
    "opened",
    "resolved",
    "closed",
    "reopened",
    "response_met",
    "response_breached",
    "resolution_met",
    "resolution_breached",
    "alerts",
    "rating_good",
    "rating_bad",
)
BACKLOG_BANDS = (
    ("backlog_under_1d", "under 1 day"),
    ("backlog_1_3d", "1-3 days"),
    ("backlog_3_7d", "3-7 days"),
    ("backlog_over_7d", "over 7 days"),
)
# The counts of a backlog row (``DailyBacklog``).
BACKLOG_SUMMED = (*(name for name, _ in BACKLOG_BANDS), "backlog_breached")
CLOCKS = (("response", "First response"), ("resolution", "Resolution"))


def sums(names: Iterable[str] = SUMMED) -> dict[str, Any]:
    return {name: Coalesce(Sum(name), 0, output_field=IntegerField()) for name in names}


def totals(rows: QuerySet[Any], names: Iterable[str] = SUMMED) -> dict[str, int]:
    """The summed columns over the rows, in one aggregate query."""
    return rows.aggregate(**sums(names))


def grouped(rows: QuerySet[Any], *by: str, names: Iterable[str] = SUMMED) -> list[dict[str, Any]]:
    """The summed columns per value of ``by``, one query."""
    return list(rows.values(*by).annotate(**sums(names)).order_by(*by))


def added_by(
    groups: Iterable[dict[str, Any]], column: str, names: Iterable[str]
) -> dict[Any, dict[str, int]]:
    """``grouped`` rows added up per value of one of their columns, in the rows' order."""
    names = tuple(names)
    out: dict[Any, dict[str, int]] = {}
    for row in groups:
        into = out.setdefault(row[column], dict.fromkeys(names, 0))
        for name in names:
            into[name] += row[name]
    return out


def merged(maps: Iterable[dict[str, int]]) -> dict[str, int]:
    out: dict[str, int] = defaultdict(int)
    for one in maps:
        for key, value in (one or {}).items():
            out[key] += value
    return dict(sorted(out.items()))


def joined_lists(column: str) -> StringAgg:
    """The grouped cells' lists (of durations, ``DurationsField``) as one text, ``1,2,3``, for
    ``merged_lists``; empty lists left out."""
    return StringAgg(column, Value(","), filter=~Q(**{column: []}))


def merged_lists(texts: Iterable[str | None]) -> list[int]:
    """The numbers of many ``joined_lists`` texts, parsed once as one list. Parsing each cell's
    list on its own was most of the dashboard's time (12 weeks: 44,000 cells, ~200 ms), and
    reading a row per cell still half of it (``docs/benchmarks.md``)."""
    return DurationsField.parse(",".join(text for text in texts if text))


def percentile(values: Sequence[int], share: float) -> int | None:
    """The nearest-rank percentile of sorted ``values`` (``None`` when empty): the smallest
    value with at least ``share`` of the values at or below it. Median: share 0.5."""
    if not values:
        return None
    rank = max(1, math.ceil(share * len(values)))
    return values[rank - 1]


def median_p90(values: Iterable[int]) -> tuple[int | None, int | None]:
    ordered = sorted(values)
    return percentile(ordered, 0.5), percentile(ordered, 0.9)


def compliance(met: int, breached: int) -> float | None:
    """Share of stopped clocks that met their target, in percent (``None``: none stopped)."""
    stopped = met + breached
    return None if stopped == 0 else round(100.0 * met / stopped, 1)


def backlog_total(row: dict[str, int]) -> int:
    return sum(row.get(name, 0) for name, _ in BACKLOG_BANDS)


def duration_text(seconds: int | None) -> str:
    """Business seconds as ``3h05m`` or ``2d 4h`` (of 24 hours), ``-`` for none."""
    if seconds is None:
        return "-"
    hours, rest = divmod(int(seconds), 3600)
    if hours >= 48:
        return f"{hours // 24}d {hours % 24}h"
    return f"{hours}h{rest // 60:02d}m"


def percent_text(value: float | None) -> str:
    return "-" if value is None else f"{value:.1f} %"


@dataclass
class Cell:
    """A table cell: its text, and where the tickets behind it are (if anywhere)."""

    text: str
    url: str = ""
    number: float | int | None = None  # the value for the spreadsheet export


@dataclass
class Table:
    slug: str
    title: str
    headers: list[str]
    rows: list[list[Cell]] = field(default_factory=list)
    note: str = ""
    # A list read line by line (open tickets, rating comments) prints its first rows only:
    # the PDF is a summary, and each printed row costs its layout (``docs/benchmarks.md``).
    print_limit: int | None = None

    def add(self, *cells: Cell | str | int | float | None) -> None:
        self.rows.append([as_cell(cell) for cell in cells])

    @property
    def printed_rows(self) -> list[list[Cell]]:
        return self.rows if self.print_limit is None else self.rows[: self.print_limit]

    @property
    def rows_not_printed(self) -> int:
        return len(self.rows) - len(self.printed_rows)


def as_cell(value: Cell | str | int | float | None) -> Cell:
    if isinstance(value, Cell):
        return value
    if value is None:
        return Cell("-")
    if isinstance(value, (int, float)):
        return Cell(str(value), number=value)
    return Cell(value)

"""The daily rollup cells, built from the tickets' stored SLA clocks, their events and ratings.

A range of days is built with a handful of statements whatever its length (the tickets it
touches, its events, the pending history of the tickets it resolved, its ratings and alerts),
then split into days and cells in Python. The backlog at each day's end is not a cell figure:
it has its own table, filled in the database (``reports.backlog``). Durations are the SLA
engine's own stored business seconds (``response_elapsed``, ``resolution_elapsed``) and
verdicts its stored states (``met``/``breached``): nothing here does calendar arithmetic.

Which day a figure belongs to:
- opened: the ticket's opening; resolved, closed, reopened, escalations, breaches, chain
  steps: the day of their timeline event;
- a first-response time and verdict: the day the clock stopped (the first agent reply, or the
  resolution when that came first); a resolution time and verdict, and the pending time of the
  ticket by reason (wall-clock): the day of its current resolution;
- a rating: the day it was given; a monitoring alert group: the day it was first seen.
The cell's dimensions are the ticket's as they are when the day is built.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db.models import Q

from tierdesk.monitoring.models import AlertGroup
from tierdesk.reports.models import (
    CellFigures,
    DailyCategoryRollup,
    DailyRollup,
    DailyTeamRollup,
    Rating,
)
from tierdesk.sla.clocks import EventFact, leaves_pending
from tierdesk.tickets.models import EventKind, Ticket, TicketEvent

# The ticket's columns that make a cell, and the rollup fields they fill.
DIMENSIONS = (
    ("organization_id", "organization_id"),
    ("team_id", "team_id"),
    ("assignee_id", "assignee_id"),
    ("category_id", "category_id"),
    ("sla_plan_id", "plan_id"),
    ("priority", "priority"),
    ("support_level", "support_level"),
    ("channel", "channel"),
)
TICKET_DIMENSIONS = tuple(column for column, _ in DIMENSIONS)
# The dimensions a team cell keeps (``DailyTeamRollup``), and where they sit in a cell's key.
TEAM_DIMENSIONS = tuple(
    name for _, name in DIMENSIONS if name not in ("organization_id", "category_id", "channel")
)
TEAM_KEY = tuple(i for i, (_, name) in enumerate(DIMENSIONS) if name in TEAM_DIMENSIONS)
# The dimensions and counts of a category row (``DailyCategoryRollup``).
CATEGORY_DIMENSIONS = ("category_id", "priority", "support_level")
CATEGORY_KEY = tuple(i for i, (_, name) in enumerate(DIMENSIONS) if name in CATEGORY_DIMENSIONS)
CATEGORY_COUNTS = ("opened", "resolved")
STOPPED = ("met", "breached")
DAY = timedelta(days=1)
EVENT_COUNTS = {
    EventKind.RESOLVED: "resolved",
    EventKind.CLOSED: "closed",
    EventKind.REOPENED: "reopened",
}
COUNTED_KINDS = [
    *EVENT_COUNTS,
    EventKind.ESCALATED,
    EventKind.SLA_BREACHED,
    EventKind.SLA_ESCALATED,
]
# Events that move a ticket to another cell: its opening day changes cell too.
DIMENSION_KINDS = frozenset(
    {
        EventKind.ASSIGNED,
        EventKind.PRIORITY_CHANGED,
        EventKind.ESCALATED,
        EventKind.HANDED_BACK,
        EventKind.UPDATED,
        EventKind.PLAN_CHANGED,
        EventKind.MERGED,
        EventKind.IMPACT_SET,
    }
)
# Events that stop a clock or start or end a wait (a ticket's pending time by reason), or
# open, finish or reopen a ticket (its backlog days).
CLOCK_KINDS = frozenset(
    {
        EventKind.OPENED,
        EventKind.REPLIED,
        EventKind.PENDED,
        EventKind.RESUMED,
        EventKind.RESOLVED,
        EventKind.CLOSED,
        EventKind.REOPENED,
    }
)
# Every kind whose event changes a day's cells or backlog: a late event of another kind (a
# note, an attachment, a reminder, a problem's steps) changes no figure.
ROLLUP_KINDS = frozenset({*COUNTED_KINDS, *DIMENSION_KINDS, *CLOCK_KINDS})
ID_CHUNK = 500

Key = tuple[Any, ...]


def zone() -> ZoneInfo:
    """Days are counted in the installation's time zone."""
    return ZoneInfo(settings.TIME_ZONE)


def day_start(day: date) -> datetime:
    return datetime.combine(day, time.min, tzinfo=zone())


def local_day(instant: datetime) -> date:
    return instant.astimezone(zone()).date()


def days_between(first: date, last: date) -> Iterator[date]:
    day = first
    while day <= last:
        yield day
        day += DAY


@dataclass
class Cell:
    counts: dict[str, int] = field(default_factory=lambda: defaultdict(int))
    response_seconds: list[int] = field(default_factory=list)
    resolution_seconds: list[int] = field(default_factory=list)
    breaches: dict[str, int] = field(default_factory=lambda: defaultdict(int))
    escalations: dict[str, int] = field(default_factory=lambda: defaultdict(int))
    escalation_steps: dict[str, int] = field(default_factory=lambda: defaultdict(int))
    pending_seconds: dict[str, int] = field(default_factory=lambda: defaultdict(int))

    def add(self, other: Cell) -> None:
        """Add another cell's figures to this one's."""
        for name, count in other.counts.items():
            self.counts[name] += count
        self.response_seconds.extend(other.response_seconds)
        self.resolution_seconds.extend(other.resolution_seconds)
        for mine, theirs in (
            (self.breaches, other.breaches),
            (self.escalations, other.escalations),
            (self.escalation_steps, other.escalation_steps),
            (self.pending_seconds, other.pending_seconds),
        ):
            for key, value in theirs.items():
                mine[key] += value


class Cube:
    """The cells of a range of days, filled by the builders below."""

    def __init__(self, first: date, last: date):
        self.first, self.last = first, last
        self.start, self.end = day_start(first), day_start(last + DAY)
        self.cells: dict[tuple[date, Key], Cell] = defaultdict(Cell)

    def covers(self, instant: datetime | None) -> bool:
        return instant is not None and self.start <= instant < self.end

    def cell(self, instant: datetime, row: dict[str, Any], prefix: str = "") -> Cell:
        key = tuple(row[prefix + column] for column in TICKET_DIMENSIONS)
        return self.cells[(local_day(instant), key)]

    def rows(self) -> list[DailyRollup]:
        return [_rollup(DailyRollup, day, key, cell) for (day, key), cell in self.cells.items()]

    def team_rows(self) -> list[DailyTeamRollup]:
        """The cells added up per ``DailyTeamRollup`` key (no organization, category or
        channel)."""
        merged: dict[tuple[date, Key], Cell] = defaultdict(Cell)
        for (day, key), cell in self.cells.items():
            merged[(day, tuple(key[i] for i in TEAM_KEY))].add(cell)
        return [_rollup(DailyTeamRollup, day, key, cell) for (day, key), cell in merged.items()]

    def category_rows(self) -> list[DailyCategoryRollup]:
        """The cells' openings and resolutions added up per ``DailyCategoryRollup`` key; keys
        with neither are left out."""
        merged: dict[tuple[date, Key], dict[str, int]] = defaultdict(
            lambda: dict.fromkeys(CATEGORY_COUNTS, 0)
        )
        for (day, key), cell in self.cells.items():
            if any(cell.counts.get(name) for name in CATEGORY_COUNTS):
                into = merged[(day, tuple(key[i] for i in CATEGORY_KEY))]
                for name in CATEGORY_COUNTS:
                    into[name] += cell.counts.get(name, 0)
        return [
            DailyCategoryRollup(day=day, **_named(CATEGORY_DIMENSIONS, key), **counts)
            for (day, key), counts in merged.items()
        ]


def cube_build(first: date, last: date) -> Cube:
    """Every cell of the days ``first`` to ``last`` (both included)."""
    cube = Cube(first, last)
    resolved_ids = _add_ticket_clocks(cube)
    _add_events(cube)
    _add_pending(cube, resolved_ids)
    _add_ratings(cube)
    _add_alerts(cube)
    return cube


def _add_ticket_clocks(cube: Cube) -> dict[int, Cell]:
    """Openings and the stopped clocks; returns the cells of the tickets resolved in range."""
    in_range = Q(created_at__gte=cube.start, created_at__lt=cube.end)
    for column in ("first_response_at", "resolved_at"):
        in_range |= Q(**{f"{column}__gte": cube.start, f"{column}__lt": cube.end})
    columns = (
        "id",
        "created_at",
        "first_response_at",
        "resolved_at",
        "response_state",
        "response_elapsed",
        "resolution_state",
        "resolution_elapsed",
    )
    resolved: dict[int, Cell] = {}
    for row in Ticket.objects.filter(in_range).values(*columns, *TICKET_DIMENSIONS).iterator(2000):
        if cube.covers(row["created_at"]):
            cube.cell(row["created_at"], row).counts["opened"] += 1
        _add_response(cube, row)
        if row["resolution_state"] in STOPPED and cube.covers(row["resolved_at"]):
            cell = cube.cell(row["resolved_at"], row)
            cell.counts[f"resolution_{row['resolution_state']}"] += 1
            cell.resolution_seconds.append(row["resolution_elapsed"])
            resolved[row["id"]] = cell
    return resolved


def response_stopped_at(first_response_at: datetime | None, resolved_at: datetime | None) -> Any:
    """When the first-response clock stopped: the first agent reply, or the resolution when
    that came first (``docs/sla.md``)."""
    instants = [i for i in (first_response_at, resolved_at) if i is not None]
    return min(instants) if instants else None


def _add_response(cube: Cube, row: dict[str, Any]) -> None:
    if row["response_state"] not in STOPPED:
        return
    stopped = response_stopped_at(row["first_response_at"], row["resolved_at"])
    if cube.covers(stopped):
        cell = cube.cell(stopped, row)
        cell.counts[f"response_{row['response_state']}"] += 1
        cell.response_seconds.append(row["response_elapsed"])


def _add_events(cube: Cube) -> None:
    events = TicketEvent.objects.filter(at__gte=cube.start, at__lt=cube.end, kind__in=COUNTED_KINDS)
    dimensions = [f"ticket__{column}" for column in TICKET_DIMENSIONS]
    for row in events.values("kind", "at", "data", *dimensions).iterator(2000):
        cell = cube.cell(row["at"], row, "ticket__")
        data = row["data"] or {}
        kind = row["kind"]
        if kind in EVENT_COUNTS:
            cell.counts[EVENT_COUNTS[kind]] += 1
        elif kind == EventKind.ESCALATED:
            levels = data.get("level") or [0, 0]
            cell.escalations[str(levels[-1])] += 1
        elif kind == EventKind.SLA_BREACHED:
            cell.breaches[str(data.get("metric", ""))] += 1
        else:
            cell.escalation_steps[str(data.get("step", 0))] += 1


def _add_pending(cube: Cube, resolved: dict[int, Cell]) -> None:
    """Pending time by reason of each ticket resolved in range, on its resolution's cell."""
    ids = sorted(resolved)
    for at in range(0, len(ids), ID_CHUNK):
        chunk = ids[at : at + ID_CHUNK]
        events = TicketEvent.objects.filter(ticket_id__in=chunk).order_by("ticket_id", "at", "id")
        history: dict[int, list[EventFact]] = defaultdict(list)
        for ticket_id, kind, instant, data in events.values_list("ticket_id", "kind", "at", "data"):
            history[ticket_id].append(EventFact(kind, instant, data or {}))
        for ticket_id, facts in history.items():
            for reason, seconds in pending_by_reason(facts).items():
                resolved[ticket_id].pending_seconds[reason] += seconds


def pending_by_reason(facts: Iterable[EventFact]) -> dict[str, int]:
    """Wall-clock seconds spent pending, by reason; a wait ends as the SLA engine says one
    does (``sla.clocks``: resumed, or any change out of pending)."""
    spent: dict[str, int] = defaultdict(int)
    since: tuple[str, datetime] | None = None
    for fact in facts:
        if fact.kind == EventKind.PENDED:
            if since is not None:
                spent[since[0]] += int((fact.at - since[1]).total_seconds())
            since = (str(fact.data.get("reason", "")), fact.at)
        elif since is not None and leaves_pending(fact):
            spent[since[0]] += int((fact.at - since[1]).total_seconds())
            since = None
    return dict(spent)


def _add_ratings(cube: Cube) -> None:
    ratings = Rating.objects.filter(rated_at__gte=cube.start, rated_at__lt=cube.end)
    dimensions = [f"ticket__{column}" for column in TICKET_DIMENSIONS]
    for row in ratings.values("good", "rated_at", *dimensions).iterator(2000):
        cell = cube.cell(row["rated_at"], row, "ticket__")
        cell.counts["rating_good" if row["good"] else "rating_bad"] += 1


def _add_alerts(cube: Cube) -> None:
    """Monitoring alert groups by the day they were first seen, on the cell of the ticket they
    opened or joined (a group that made no ticket belongs to no organization's figures)."""
    groups = AlertGroup.objects.filter(
        ticket__isnull=False, first_seen_at__gte=cube.start, first_seen_at__lt=cube.end
    )
    dimensions = [f"ticket__{column}" for column in TICKET_DIMENSIONS]
    for row in groups.values("first_seen_at", *dimensions).iterator(2000):
        cube.cell(row["first_seen_at"], row, "ticket__").counts["alerts"] += 1


def _named(names: tuple[str, ...], key: Key) -> dict[str, Any]:
    return dict(zip(names, key, strict=True))


def _rollup[Row: CellFigures](model: type[Row], day: date, key: Key, cell: Cell) -> Row:
    names = tuple(name for _, name in DIMENSIONS) if model is DailyRollup else TEAM_DIMENSIONS
    return model(
        day=day,
        **_named(names, key),
        **cell.counts,
        response_seconds=sorted(cell.response_seconds),
        resolution_seconds=sorted(cell.resolution_seconds),
        breaches=dict(cell.breaches),
        escalations=dict(cell.escalations),
        escalation_steps=dict(cell.escalation_steps),
        pending_seconds=dict(cell.pending_seconds),
    )

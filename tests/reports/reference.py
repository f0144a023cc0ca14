"""The slow reference: every rollup figure computed again, the plain way, from all tickets,
all their events, all ratings and all alert groups (one pass over everything, per day and
organization), to cross-check what the rollups and the reports show."""

from __future__ import annotations

from collections import defaultdict
from datetime import UTC, date, datetime, timedelta
from typing import Any

from tierdesk.monitoring.models import AlertGroup
from tierdesk.problems.models import ChangeRequest, RootCauseReport
from tierdesk.reports.models import Rating
from tierdesk.tickets.models import Ticket, TicketEvent

DAY = timedelta(days=1)


def _day(instant: Any) -> date:
    return instant.astimezone(UTC).date()  # the test settings count days in UTC


def _end(day: date) -> datetime:
    return datetime(day.year, day.month, day.day, tzinfo=UTC) + DAY


def _band(age: timedelta) -> str:
    if age < timedelta(days=1):
        return "backlog_under_1d"
    if age < timedelta(days=3):
        return "backlog_1_3d"
    if age < timedelta(days=7):
        return "backlog_3_7d"
    return "backlog_over_7d"


def _blank() -> dict[str, Any]:
    return defaultdict(int, response_seconds=[], resolution_seconds=[], breaches=defaultdict(int),
                       escalations=defaultdict(int), escalation_steps=defaultdict(int),
                       pending_seconds=defaultdict(int))  # fmt: skip


def reference(first: date, last: date) -> dict[tuple[date, int], dict[str, Any]]:
    """Figures per (day, organization id) for the days ``first`` to ``last``."""
    out: dict[tuple[date, int], dict[str, Any]] = defaultdict(_blank)

    def inside(instant: datetime | None) -> bool:
        return instant is not None and first <= _day(instant) <= last

    for ticket in Ticket.objects.all():
        events = list(TicketEvent.objects.filter(ticket=ticket).order_by("at", "id"))
        if inside(ticket.created_at):
            out[(_day(ticket.created_at), ticket.organization_id)]["opened"] += 1
        for event in events:
            if inside(event.at):
                _count_event(out[(_day(event.at), ticket.organization_id)], event)
        _clocks(out, ticket, events, inside)
        _backlog(out, ticket, first, last)
    for group in AlertGroup.objects.filter(ticket__isnull=False).select_related("ticket"):
        if inside(group.first_seen_at):
            alerted = group.ticket
            assert alerted is not None
            out[(_day(group.first_seen_at), alerted.organization_id)]["alerts"] += 1
    for rating in Rating.objects.select_related("ticket"):
        if inside(rating.rated_at):
            cell = out[(_day(rating.rated_at), rating.ticket.organization_id)]
            cell["rating_good" if rating.good else "rating_bad"] += 1
    return out


def _count_event(cell: dict[str, Any], event: TicketEvent) -> None:
    if event.kind in ("resolved", "closed", "reopened"):
        cell[event.kind] += 1
    elif event.kind == "escalated":
        cell["escalations"][str(event.data["level"][1])] += 1
    elif event.kind == "sla_breached":
        cell["breaches"][event.data["metric"]] += 1
    elif event.kind == "sla_escalated":
        cell["escalation_steps"][str(event.data["step"])] += 1


def _clocks(out: Any, ticket: Ticket, events: list[TicketEvent], inside: Any) -> None:
    org = ticket.organization_id
    # First response: stopped at the earlier of the first agent reply and the resolution.
    if ticket.response_state in ("met", "breached"):
        stops = [i for i in (ticket.first_response_at, ticket.resolved_at) if i]
        if stops and inside(min(stops)):
            cell = out[(_day(min(stops)), org)]
            cell[f"response_{ticket.response_state}"] += 1
            cell["response_seconds"].append(ticket.response_elapsed)
    if ticket.resolution_state in ("met", "breached") and inside(ticket.resolved_at):
        cell = out[(_day(ticket.resolved_at), org)]
        cell[f"resolution_{ticket.resolution_state}"] += 1
        cell["resolution_seconds"].append(ticket.resolution_elapsed)
        for reason, seconds in _pending(events).items():
            cell["pending_seconds"][reason] += seconds


def _backlog(out: Any, ticket: Ticket, first: date, last: date) -> None:
    finished = ticket.resolved_at or ticket.closed_at
    day = first
    while day <= last:
        end = _end(day)
        if ticket.created_at < end and (finished is None or finished >= end):
            cell = out[(day, ticket.organization_id)]
            cell[_band(end - ticket.created_at)] += 1
            if "breached" in (ticket.response_state, ticket.resolution_state):
                cell["backlog_breached"] += 1
        day += DAY


def _pending(events: list[TicketEvent]) -> dict[str, int]:
    spent: dict[str, int] = defaultdict(int)
    waiting: TicketEvent | None = None
    for event in events:
        if event.kind == "pended":
            if waiting is not None:
                spent[waiting.data["reason"]] += int((event.at - waiting.at).total_seconds())
            waiting = event
        elif waiting is not None and (
            event.kind == "resumed" or (event.data.get("status") or [None])[0] == "pending"
        ):
            spent[waiting.data["reason"]] += int((event.at - waiting.at).total_seconds())
            waiting = None
    return spent


def plain(cell: dict[str, Any]) -> dict[str, Any]:
    """A cell's figures as plain, comparable values (zeros and empty maps dropped)."""
    out: dict[str, Any] = {}
    for key, value in cell.items():
        if isinstance(value, list):
            if value:
                out[key] = sorted(value)
        elif isinstance(value, dict):
            kept = {k: v for k, v in value.items() if v}
            if kept:
                out[key] = kept
        elif value:
            out[key] = value
    return out


def delivered_reference(organization_ids: set[int], first: date, last: date) -> dict[str, int]:
    """Root-cause reports released to, and changes done for, the organizations in those days:
    every row looked at in Python."""
    rcas = sum(
        1
        for rca in RootCauseReport.objects.all()
        if rca.organization_id in organization_ids
        and rca.state == "released"
        and inside_days(rca.released_at, first, last)
    )
    changes = sum(
        1
        for change in ChangeRequest.objects.prefetch_related("affected")
        if change.status == "done"
        and inside_days(change.window_end, first, last)
        and {a.organization_id for a in change.affected.all()} & organization_ids
    )
    return {"rcas": rcas, "changes": changes}


def inside_days(instant: Any, first: date, last: date) -> bool:
    return instant is not None and first <= _day(instant) <= last

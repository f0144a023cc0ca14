"""The SLA sweep's rules: what is due for a ticket, which worker won each alert, and the clocks a
ticket keeps afterwards.

The ticket domain runs the sweep (``tickets.services.sweep``): it takes the due tickets and
writes what these functions decide (the events, the escalations, the notifications, the stored
clocks). Each alert is first recorded here under a unique key (``SlaAlert``), so each warning,
breach and escalation step happens once however many workers sweep.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.db import connection

from tierdesk.sla.clocks import (
    FIRED_EVENT_KINDS,
    ClockTicket,
    EventFact,
    TicketClocks,
    ticket_clocks,
)
from tierdesk.sla.models import EscalationStep, SlaAlert
from tierdesk.sla.services import PlannedAction, clock_columns, next_check_at, planned_actions

# The timeline event for each alert kind: the inverse of what the clocks read back.
EVENT_KINDS = {kind: event for event, kind in FIRED_EVENT_KINDS.items()}

AlertKey = tuple[int, str, str, int, int]  # ticket id, metric, kind, step, cycle


@dataclass(frozen=True)
class DueTicket:
    """A ticket the sweep took: its clocks now, and what is still to do for it."""

    ticket: Any
    clocks: TicketClocks
    actions: list[PlannedAction]

    def won(self, keys: set[AlertKey]) -> list[PlannedAction]:
        """The actions whose alert this worker recorded: it alone acts on them."""
        pk = self.ticket.pk
        return [a for a in self.actions if (pk, a.metric, a.kind, a.step, a.cycle) in keys]


def due_tickets(
    tickets: Sequence[ClockTicket], histories: dict[int, list[EventFact]], at: datetime
) -> list[DueTicket]:
    """Each ticket's clocks at ``at`` from its history, and its planned actions."""
    due = []
    for ticket in tickets:
        clocks = ticket_clocks(ticket, at=at, events=histories[ticket.pk])
        due.append(DueTicket(ticket, clocks, planned_actions(clocks)))
    return due


def record_alerts(due: Sequence[DueTicket], at: datetime) -> set[AlertKey]:
    """Insert every alert of the batch that has come, at once; return the ones this worker won
    (the others were recorded by another worker, which acts on them)."""
    rows = [
        (item.ticket.pk, a.metric, a.cycle, a.kind, a.step, a.due_at, at)
        for item in due
        for a in item.actions
        if a.due_at <= at
    ]
    won: set[AlertKey] = set()
    table = SlaAlert._meta.db_table
    columns = "ticket_id, metric, cycle, kind, step, due_at, fired_at"
    # Written out: the ORM's bulk_create(ignore_conflicts=True) cannot say which rows it wrote.
    with connection.cursor() as cursor:
        for start in range(0, len(rows), ALERT_CHUNK):
            chunk = rows[start : start + ALERT_CHUNK]
            values = ", ".join(["(%s, %s, %s, %s, %s, %s, %s)"] * len(chunk))
            cursor.execute(
                f"INSERT INTO {table} ({columns}) VALUES {values} ON CONFLICT DO NOTHING "
                "RETURNING ticket_id, metric, kind, step, cycle",
                [value for row in chunk for value in row],
            )
            won.update(tuple(row) for row in cursor.fetchall())
    return won


ALERT_CHUNK = 500  # rows per INSERT: well inside SQLite's limit on query parameters


def raising_steps(won: Sequence[PlannedAction]) -> list[EscalationStep]:
    """The escalation steps among the won actions that raise the ticket's level or priority."""
    steps = [a.escalation for a in won if a.escalation is not None]
    if any(step.raise_level or step.raise_priority for step in steps):
        return steps
    return []


def settled_columns(
    ticket: ClockTicket,
    clocks: TicketClocks,
    actions: Sequence[PlannedAction],
    won: Sequence[PlannedAction],
    at: datetime,
    *,
    raised: bool,
) -> dict[str, Any]:
    """The ticket's clock columns after this sweep: the next check is the first action still
    to come. ``raised``: the ticket's level or priority was raised meanwhile, so its clocks are
    computed again from its history."""
    if raised:
        clocks = ticket_clocks(ticket, at=at)
        actions = [a for a in planned_actions(clocks) if a not in won]
    return clock_columns(clocks, next_check_at(list(actions), after=at))

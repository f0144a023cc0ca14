"""The SLA sweep: act on every ticket whose ``sla_next_check_at`` has come.

Any number of workers may run it at once (see ``sla_sweep``); what it records carries unique
keys, so each warning, breach and escalation step happens once.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.db import connection, transaction

from tierdesk.accounts.models import Agent, Notification
from tierdesk.accounts.principal import SYSTEM
from tierdesk.core.clock import now
from tierdesk.sla.clocks import FIRED_EVENT_KINDS, TicketClocks, load_events_of, ticket_clocks
from tierdesk.sla.models import EscalationStep, Plan, SlaAlert
from tierdesk.sla.services import PlannedAction, clock_columns, next_check_at, planned_actions


def sla_sweep(
    *, batch_size: int = 500, at: datetime | None = None, max_batches: int | None = None
) -> int:
    """Act on every ticket whose ``sla_next_check_at`` has come; returns how many were handled.

    Any number of workers may run this at once. On PostgreSQL each batch is claimed with
    ``FOR UPDATE SKIP LOCKED`` so workers share the work; everywhere, each action is first
    recorded under a unique key (SlaAlert), and only the worker whose insert succeeded writes the
    event and the notifications. A worker killed mid-batch rolls back its transaction: the
    tickets keep their ``sla_next_check_at`` and the next sweep takes them.
    """
    handled = batches = 0
    while max_batches is None or batches < max_batches:
        done = _sweep_batch(batch_size, at or now())
        handled += done
        batches += 1
        if done < batch_size:
            break
    return handled


def _sweep_batch(batch_size: int, at: datetime) -> int:
    from tierdesk.tickets.models import Ticket

    with transaction.atomic():
        due = Ticket.objects.filter(sla_next_check_at__lte=at).order_by("sla_next_check_at", "id")
        due = due.select_related("assignee", "team__lead").select_for_update(
            skip_locked=True, of=("self",)
        )
        tickets = list(due[:batch_size])
        if not tickets:
            return 0
        events = load_events_of([t.pk for t in tickets])
        plans: list[tuple[Any, TicketClocks, list[PlannedAction]]] = []
        for ticket in tickets:
            clocks = ticket_clocks(ticket, at=at, events=events[ticket.pk])
            plans.append((ticket, clocks, planned_actions(clocks)))
        fired = _record_alerts(plans, at)
        announcements: list[tuple[Any, PlannedAction, Plan | None]] = []
        stored: list[tuple[int, datetime | None, dict[str, Any]]] = []
        for ticket, clocks, actions in plans:
            mine = [a for a in actions if (ticket.pk, a.metric, a.kind, a.step, a.cycle) in fired]
            announcements += [(ticket, action, clocks.plan) for action in mine]
            columns = _settle(ticket, clocks, actions, mine, at)
            stored.append((ticket.pk, ticket.sla_next_check_at, columns))
        _announce(announcements, at)
        _store_clocks(stored)
    return len(tickets)


def _record_alerts(
    plans: list[tuple[Any, TicketClocks, list[PlannedAction]]], at: datetime
) -> set[tuple[int, str, str, int, int]]:
    """Insert every due alert of the batch at once; return the ones this worker won."""
    rows = [
        (ticket.pk, a.metric, a.cycle, a.kind, a.step, a.due_at, at)
        for ticket, _clocks, actions in plans
        for a in actions
        if a.due_at <= at
    ]
    won: set[tuple[int, str, str, int, int]] = set()
    table = SlaAlert._meta.db_table
    columns = "ticket_id, metric, cycle, kind, step, due_at, fired_at"
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


def _settle(
    ticket: Any,
    clocks: TicketClocks,
    actions: list[PlannedAction],
    mine: list[PlannedAction],
    at: datetime,
) -> dict[str, Any]:
    """The ticket's clock columns after this sweep; steps that raise a level act here."""
    raising = [a.escalation for a in mine if a.escalation is not None]
    if any(step.raise_level or step.raise_priority for step in raising):
        for step in raising:
            _raise(ticket, step)
        clocks = ticket_clocks(ticket, at=at)
        actions = [a for a in planned_actions(clocks) if a not in mine]
    return clock_columns(clocks, next_check_at(actions, after=at))


STORED_COLUMNS = {
    "sla_next_check_at": "timestamptz",
    "response_state": "varchar",
    "response_due_at": "timestamptz",
    "response_elapsed": "integer",
    "resolution_state": "varchar",
    "resolution_due_at": "timestamptz",
    "resolution_elapsed": "integer",
    "update_state": "varchar",
    "update_due_at": "timestamptz",
}


def _store_clocks(stored: list[tuple[int, datetime | None, dict[str, Any]]]) -> None:
    """Write every swept ticket's clocks with compare-and-set on ``sla_next_check_at``: if an
    event recomputed a ticket meanwhile (or a raise did), its newer value stands."""
    from tierdesk.tickets.models import Ticket

    if connection.vendor != "postgresql":
        for pk, old_next, columns in stored:
            Ticket.objects.filter(pk=pk, sla_next_check_at=old_next).update(**columns)
        return
    # One statement per batch on PostgreSQL: UPDATE ... FROM (VALUES ...) with typed columns.
    names = list(STORED_COLUMNS)
    casts = ", ".join(f"%s::{STORED_COLUMNS[name]}" for name in names)
    values = ", ".join([f"(%s::bigint, %s::timestamptz, {casts})"] * len(stored))
    assignments = ", ".join(f"{name} = v.{name}" for name in names)
    params = [p for pk, old, cols in stored for p in (pk, old, *(cols[n] for n in names))]
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {Ticket._meta.db_table} AS t SET {assignments} "
            f"FROM (VALUES {values}) AS v(id, old_next, {', '.join(names)}) "
            "WHERE t.id = v.id AND t.sla_next_check_at IS NOT DISTINCT FROM v.old_next",
            params,
        )


# The timeline event for each alert kind: the inverse of what the clocks read back.
EVENT_KINDS = {kind: event for event, kind in FIRED_EVENT_KINDS.items()}


def _announce(announcements: list[tuple[Any, PlannedAction, Plan | None]], at: datetime) -> None:
    """The events and notifications of every alert this worker won, in two inserts."""
    from tierdesk.tickets.models import TicketEvent

    events = []
    notifications: list[Notification] = []
    managers = _managers() if announcements else []
    for ticket, action, plan in announcements:
        step = action.escalation
        events.append(
            TicketEvent(
                ticket=ticket, kind=EVENT_KINDS[action.kind], actor=None, is_public=False, at=at,
                data={
                    "metric": action.metric, "step": action.step, "cycle": action.cycle,
                    "due_at": action.due_at.isoformat(), "name": step.name if step else None,
                },
            )
        )  # fmt: skip
        notifications += _notifications(ticket, action, at, plan, managers)
    TicketEvent.objects.bulk_create(events)
    Notification.objects.bulk_create(notifications, ignore_conflicts=True)


def _managers() -> list[Any]:
    return [a.user for a in Agent.objects.filter(is_manager=True).select_related("user")]


def _recipients(ticket: Any, action: PlannedAction, managers: list[Any]) -> set[Any]:
    roles = {"assignee", "team_lead"}
    users: set[Any] = set()
    if action.escalation is not None:
        roles = set(action.escalation.notify_roles)
        users |= set(action.escalation.notify_users.all())
    if "assignee" in roles and ticket.assignee is not None:
        users.add(ticket.assignee)
    if "team_lead" in roles and ticket.team is not None and ticket.team.lead is not None:
        users.add(ticket.team.lead)
    if "managers" in roles:
        users |= set(managers)
    return {user for user in users if user.is_active}


TITLES = {
    "warning": "{ref}: {metric} target {pct}% used, due {due:%Y-%m-%d %H:%M %Z}",
    "breach": "{ref}: {metric} target breached (was due {due:%Y-%m-%d %H:%M %Z})",
    "escalation": "{ref}: escalated to {name} ({metric} target breached)",
}


def _notifications(
    ticket: Any, action: PlannedAction, at: datetime, plan: Plan | None, managers: list[Any]
) -> list[Notification]:
    title = TITLES[action.kind].format(
        ref=ticket.reference,
        metric=action.metric.replace("_", " "),
        due=action.due_at,
        pct=plan.warning_percent if plan else 75,
        name=action.escalation.name if action.escalation else "",
    )
    key = f"sla:{ticket.pk}:{action.metric}:{action.cycle}:{action.kind}:{action.step}"
    return [
        Notification(
            recipient=user,
            ticket=ticket,
            kind=f"sla_{action.kind}",
            title=title[:255],
            dedupe_key=f"{key}:{user.pk}",
            created_at=at,
        )
        for user in _recipients(ticket, action, managers)
    ]


def _raise(ticket: Any, step: EscalationStep) -> None:
    from tierdesk.tickets import services

    reason = f"SLA escalation: {step.name}"
    if step.raise_priority and step.raise_priority < ticket.priority:
        services.ticket_set_priority(
            actor=SYSTEM, ticket=ticket, priority=step.raise_priority, reason=reason
        )
    if step.raise_level and step.raise_level > ticket.support_level:
        services.ticket_escalate(
            actor=SYSTEM, ticket=ticket, to_level=step.raise_level, reason=reason
        )

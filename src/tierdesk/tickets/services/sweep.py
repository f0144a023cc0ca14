"""The SLA sweep: act on every ticket whose ``sla_next_check_at`` has come.

What is due, and which worker acts on it, is the SLA engine's to say (``sla.sweep``); what the
sweep does to tickets is written here, through the ticket services: the timeline events, the
escalations a chain step asks for, the notifications and the stored clocks.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.db import connection, transaction

from tierdesk.accounts.models import Agent, Notification
from tierdesk.accounts.principal import SYSTEM
from tierdesk.accounts.services import notifications_raise
from tierdesk.core.clock import now
from tierdesk.sla import sweep
from tierdesk.sla.models import EscalationStep, Plan
from tierdesk.sla.services import CLOCK_COLUMNS, NEXT_CHECK_COLUMN, PlannedAction
from tierdesk.tickets.models import EventKind, Ticket, TicketEvent
from tierdesk.tickets.services.base import EventPlan, events_written, plan_event
from tierdesk.tickets.services.lifecycle import ticket_escalate, ticket_set_priority
from tierdesk.tickets.services.unit import histories_of

# What a won alert announces: the ticket, the action, its plan, and when its clock breaches.
Announcement = tuple[Any, PlannedAction, Plan | None, datetime | None]


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
    with transaction.atomic():
        due = Ticket.objects.filter(sla_next_check_at__lte=at).order_by("sla_next_check_at", "id")
        due = due.select_related("assignee", "team__lead").select_for_update(
            skip_locked=True, of=("self",)
        )
        tickets = list(due[:batch_size])
        if not tickets:
            return 0
        taken = sweep.due_tickets(tickets, histories_of([t.pk for t in tickets]), at)
        won = sweep.record_alerts(taken, at)
        announcements: list[Announcement] = []
        stored: list[tuple[int, datetime | None, dict[str, Any]]] = []
        for item in taken:
            mine = item.won(won)
            announcements += [
                (item.ticket, action, item.clocks.plan, _breached_at(item.clocks, action))
                for action in mine
            ]
            raising = sweep.raising_steps(mine)
            for step in raising:
                _raise(item.ticket, step)
            columns = sweep.settled_columns(
                item.ticket, item.clocks, item.actions, mine, at, raised=bool(raising)
            )
            stored.append((item.ticket.pk, item.ticket.sla_next_check_at, columns))
        _announce(announcements, at)
        _store_clocks(stored)
    return len(tickets)


def _raise(ticket: Ticket, step: EscalationStep) -> None:
    reason = f"SLA escalation: {step.name}"
    if step.raise_priority and step.raise_priority < ticket.priority:
        ticket_set_priority(
            actor=SYSTEM, ticket=ticket, priority=step.raise_priority, reason=reason
        )
    if step.raise_level and step.raise_level > ticket.support_level:
        ticket_escalate(actor=SYSTEM, ticket=ticket, to_level=step.raise_level, reason=reason)


def _store_clocks(stored: list[tuple[int, datetime | None, dict[str, Any]]]) -> None:
    """Write every swept ticket's clocks with compare-and-set on ``sla_next_check_at``: if an
    event recomputed a ticket meanwhile (or a raise did), its newer value stands."""
    if connection.vendor != "postgresql":
        for pk, old_next, columns in stored:
            Ticket.objects.filter(pk=pk, sla_next_check_at=old_next).update(**columns)
        return
    # One statement per batch on PostgreSQL: UPDATE ... FROM (VALUES ...) with typed columns
    # (the ORM's bulk_update cannot compare-and-set each row).
    names = list(CLOCK_COLUMNS)
    casts = [_cast(name) for name in ("id", NEXT_CHECK_COLUMN, *names)]
    row = "(" + ", ".join(f"%s::{cast}" for cast in casts) + ")"
    assignments = ", ".join(f"{name} = v.{name}" for name in names)
    params = [p for pk, old, cols in stored for p in (pk, old, *(cols[n] for n in names))]
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {Ticket._meta.db_table} AS t SET {assignments} "
            f"FROM (VALUES {', '.join([row] * len(stored))}) AS v(id, old_next, {', '.join(names)})"
            " WHERE t.id = v.id AND t.sla_next_check_at IS NOT DISTINCT FROM v.old_next",
            params,
        )


def _cast(name: str) -> str:
    """The column's type, as a cast of a VALUES entry (the ticket model says it)."""
    return str(Ticket._meta.get_field(name).cast_db_type(connection))  # type: ignore[union-attr]


def _breached_at(clocks: Any, action: PlannedAction) -> datetime | None:
    result = clocks.results.get(action.metric)
    return result.breached_at if result is not None else None


def _announce(announcements: list[Announcement], at: datetime) -> None:
    """The events and notifications of every alert this worker won, in two inserts."""
    events: list[EventPlan] = []
    notifications: list[Notification] = []
    managers = _managers() if announcements else []
    for ticket, action, sla_plan, breached_at in announcements:
        step = action.escalation
        data = {
            "metric": action.metric, "step": action.step, "cycle": action.cycle,
            "due_at": action.due_at.isoformat(), "name": step.name if step else None,
        }  # fmt: skip
        kind = EventKind(sweep.EVENT_KINDS[action.kind])
        events.append(plan_event(ticket, kind, SYSTEM, at, public=False, data=data))
        notifications += _notifications(ticket, action, at, sla_plan, managers, breached_at)
    TicketEvent.objects.bulk_create([planned.event for planned in events])
    events_written(events, clocks_stored=True)  # the sweep stores the clocks of its batch
    notifications_raise(notifications)  # delivered by the notifications app's own job


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
    ticket: Any,
    action: PlannedAction,
    at: datetime,
    plan: Plan | None,
    managers: list[Any],
    breached_at: datetime | None,
) -> list[Notification]:
    title = TITLES[action.kind].format(
        ref=ticket.reference,
        metric=action.metric.replace("_", " "),
        due=action.due_at,
        pct=plan.warning_percent if plan else 75,
        name=action.escalation.name if action.escalation else "",
    )
    key = f"sla:{ticket.pk}:{action.metric}:{action.cycle}:{action.kind}:{action.step}"
    # What the mail shows (the clock, how late, the chain so far) is read back from this.
    data = {
        "metric": action.metric, "due_at": action.due_at.isoformat(), "cycle": action.cycle,
        "step": action.step, "name": action.escalation.name if action.escalation else "",
        "breached_at": breached_at.isoformat() if breached_at else None,
    }  # fmt: skip
    urgent = bool(ticket.is_emergency) or ticket.priority == 1
    return [
        Notification(
            recipient=user,
            ticket=ticket,
            kind=f"sla_{action.kind}",
            title=title[:255],
            data=data,
            urgent=urgent,
            dedupe_key=f"{key}:{user.pk}",
            created_at=at,
        )
        for user in _recipients(ticket, action, managers)
    ]

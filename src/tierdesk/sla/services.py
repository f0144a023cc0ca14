"""Writes of the SLA engine: which plan applies, storing clock state, and the sweep's actions."""

from __future__ import annotations

import copy
import logging
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from django.db import connection, transaction
from django.db.models import Q

from tierdesk.accounts.models import Agent, Notification
from tierdesk.accounts.principal import SYSTEM
from tierdesk.core.clock import now
from tierdesk.sla.clocks import (
    ALWAYS_OPEN,
    EventFact,
    TicketClocks,
    escalation_due_at,
    load_events,
    load_events_of,
    ticket_clocks,
)
from tierdesk.sla.config import default_plan
from tierdesk.sla.models import AlertKind, EscalationStep, Plan, SlaAlert
from tierdesk.sla.timeline import FIRST_RESPONSE, NEXT_UPDATE, RESOLUTION

log = logging.getLogger(__name__)

STATE_COLUMNS = {
    FIRST_RESPONSE: ("response_state", "response_due_at", "response_elapsed"),
    RESOLUTION: ("resolution_state", "resolution_due_at", "resolution_elapsed"),
    NEXT_UPDATE: ("update_state", "update_due_at", None),
}


# ---- which plan ----------------------------------------------------------------------------


def plan_for(organization: Any, product: Any = None, *, on: date | None = None) -> Plan | None:
    """The organization's active subscription for the product (or for all products), else its
    partner's, else the default plan. One query; the default plan comes from the cache."""
    from tierdesk.crm.models import Subscription

    day = on or now().date()
    owners = [org_id for org_id in (organization.pk, organization.partner_id) if org_id]
    product_id = getattr(product, "pk", product)
    active = Subscription.objects.filter(
        Q(organization_id__in=owners),
        Q(starts_on__lte=day),
        Q(ends_on__isnull=True) | Q(ends_on__gte=day),
        Q(product_id=product_id) | Q(product__isnull=True),
    ).select_related("plan")
    # The organization's own before its partner's; one naming the product before one covering
    # every product; the newest among equals.
    ranked = sorted(
        active,
        key=lambda s: (
            owners.index(s.organization_id),
            s.product_id is None,
            -s.starts_on.toordinal(),
        ),
    )
    return ranked[0].plan if ranked else default_plan()


def ticket_plan_refresh(*, actor: Any, ticket: Any) -> bool:
    """Re-choose the ticket's plan (after a subscription or product change); True if it moved."""
    from tierdesk.tickets.services.base import compare_and_set, record

    plan = plan_for(ticket.organization, ticket.product_id)
    new_id = plan.pk if plan else None
    if new_id == ticket.sla_plan_id:
        return False
    old_id = ticket.sla_plan_id
    with transaction.atomic():
        compare_and_set(ticket, sla_plan_id=new_id)
        record(
            ticket, "plan_changed", actor, plan=[old_id, new_id], name=getattr(plan, "name", None)
        )
    return True


def organization_plans_refresh(*, organization_id: int) -> int:
    """Re-choose the plan of every active ticket of the organization and, for a partner, of its
    customers (after a subscription changed); returns how many tickets moved plan."""
    from tierdesk.tickets.models import OPEN_STATUSES, Ticket

    tickets = Ticket.objects.filter(status__in=OPEN_STATUSES).filter(
        Q(organization_id=organization_id) | Q(organization__partner_id=organization_id)
    )
    moved = 0
    for ticket in tickets.select_related("organization").iterator(chunk_size=500):
        moved += ticket_plan_refresh(actor=SYSTEM, ticket=ticket)
    return moved


# ---- storing the clocks --------------------------------------------------------------------


@dataclass(frozen=True)
class PlannedAction:
    metric: str
    kind: str
    step: int
    cycle: int
    due_at: datetime
    escalation: EscalationStep | None = None

    @property
    def key(self) -> tuple[str, str, int, int]:
        return (self.metric, self.kind, self.step, self.cycle)


def planned_actions(clocks: TicketClocks) -> list[PlannedAction]:
    """What the sweep still has to do for this ticket (not yet fired), with when."""
    actions: list[PlannedAction] = []
    at = clocks.input.now
    for metric, result in clocks.results.items():
        if result.target is None:
            continue
        cycle = clocks.cycles.get(metric, 0)
        running = result.stopped_at is None
        breached = result.breached_at
        if running and result.warn_at and not (breached and breached <= at):
            actions.append(PlannedAction(metric, AlertKind.WARNING, 0, cycle, result.warn_at))
        if breached is not None:
            actions.append(PlannedAction(metric, AlertKind.BREACH, 0, cycle, breached))
        if metric == RESOLUTION and running and breached is not None and result.state == "breached":
            calendar = _current_calendar(clocks, metric)
            for step in clocks.steps:
                due = escalation_due_at(step, breached, calendar)
                actions.append(
                    PlannedAction(metric, AlertKind.ESCALATION, step.position, cycle, due, step)
                )
    return [a for a in actions if a.key not in clocks.fired]


def _current_calendar(clocks: TicketClocks, metric: str) -> Any:
    for regime in reversed(clocks.input.regimes):
        spec = regime.targets.get(metric)
        if spec is not None:
            return spec.calendar
    return ALWAYS_OPEN


def clock_columns(clocks: TicketClocks, next_check: datetime | None) -> dict[str, Any]:
    columns: dict[str, Any] = {"sla_next_check_at": next_check}
    for metric, (state_col, due_col, elapsed_col) in STATE_COLUMNS.items():
        result = clocks.results.get(metric)
        columns[state_col] = result.state if result else ""
        columns[due_col] = result.due_at if result else None
        if elapsed_col:
            columns[elapsed_col] = result.elapsed if result else 0
    return columns


def _next_check(actions: list[PlannedAction], *, after: datetime | None = None) -> datetime | None:
    return min((a.due_at for a in actions if after is None or a.due_at > after), default=None)


def ticket_clocks_recompute(ticket: Any, *, at: datetime | None = None) -> TicketClocks:
    """Recompute and store the ticket's clocks; called inside the writing transaction."""
    from tierdesk.tickets.models import Ticket

    clocks = ticket_clocks(ticket, at=at)
    columns = clock_columns(clocks, _next_check(planned_actions(clocks)))
    changed = {name: value for name, value in columns.items() if getattr(ticket, name) != value}
    if changed:  # most events (notes, a customer's reply) move no clock: no write
        Ticket.objects.filter(pk=ticket.pk).update(**changed)
        for name, value in changed.items():
            setattr(ticket, name, value)
    return clocks


def clock_changes(ticket: Any, changes: dict[str, Any], event: EventFact) -> dict[str, Any]:
    """The clock columns that differ once ``changes`` and ``event`` apply, for the caller to
    write in its own UPDATE. The ticket itself is not touched."""
    future = copy.copy(ticket)
    for name, value in changes.items():
        setattr(future, name, value)
    clocks = ticket_clocks(future, at=event.at, events=[*load_events(ticket), event])
    columns = clock_columns(clocks, _next_check(planned_actions(clocks)))
    return {name: value for name, value in columns.items() if getattr(ticket, name) != value}


def opening_clock_columns(ticket: Any, opened: dict[str, Any], at: datetime) -> dict[str, Any]:
    """The clock columns of a ticket about to be inserted, from its one "opened" event."""
    clocks = ticket_clocks(ticket, at=at, events=[EventFact("opened", at, opened)])
    return clock_columns(clocks, _next_check(planned_actions(clocks)))


# ---- the sweep -----------------------------------------------------------------------------


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
    return clock_columns(clocks, _next_check(actions, after=at))


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


EVENT_KINDS = {"warning": "sla_warning", "breach": "sla_breached", "escalation": "sla_escalated"}


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

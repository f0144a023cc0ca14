"""Writes of the SLA engine: which plan applies, storing clock state, and the sweep's actions."""

from __future__ import annotations

import copy
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from datetime import date, datetime
from functools import cache
from typing import Any

from django.db import connection, transaction
from django.db.models import Q

from tierdesk.accounts.principal import SYSTEM
from tierdesk.core.clock import now
from tierdesk.core.fetch import ModelColumns, placeholders, rows_where_in
from tierdesk.crm.models import Subscription
from tierdesk.sla.clocks import (
    ALWAYS_OPEN,
    EventFact,
    TicketClocks,
    escalation_due_at,
    load_events,
    ticket_clocks,
)
from tierdesk.sla.config import default_plan, plan_configs
from tierdesk.sla.models import AlertKind, EscalationStep, Plan
from tierdesk.sla.timeline import FIRST_RESPONSE, NEXT_UPDATE, RESOLUTION

STATE_COLUMNS = {
    FIRST_RESPONSE: ("response_state", "response_due_at", "response_elapsed"),
    RESOLUTION: ("resolution_state", "resolution_due_at", "resolution_elapsed"),
    NEXT_UPDATE: ("update_state", "update_due_at", None),
}


# ---- which plan ----------------------------------------------------------------------------


def plan_for(organization: Any, product: Any = None, *, on: date | None = None) -> Plan | None:
    """The organization's active subscription for the product (or for all products), else its
    partner's, else the default plan. One query for the subscription's plan id; the plan itself
    comes from the plan cache (``tierdesk.sla.config``)."""
    day = on or now().date()
    product_id = getattr(product, "pk", product)
    preloaded = _preloaded_plan_id(organization, product_id, day)
    if preloaded is not _NOT_PRELOADED:
        return default_plan() if preloaded is None else plan_configs([preloaded])[preloaded].plan
    with connection.cursor() as cursor:
        cursor.execute(
            _ACTIVE_SUBSCRIPTION_PLAN,
            [organization.pk, organization.partner_id or organization.pk, day, day,
             product_id, organization.pk],
        )  # fmt: skip
        row = cursor.fetchone()
    if row is None:
        return default_plan()
    return plan_configs([row[0]])[row[0]].plan


# Written out: every new ticket runs it, and the ORM took longer to compile it than the
# database takes to answer. The organization's own before its partner's; one naming the
# product before one covering every product; the newest among equals.
_ACTIVE_SUBSCRIPTION_PLAN = """
    SELECT plan_id FROM crm_subscription
    WHERE organization_id IN (%s, %s) AND starts_on <= %s AND (ends_on IS NULL OR ends_on >= %s)
      AND (product_id = %s OR product_id IS NULL)
    ORDER BY organization_id <> %s, product_id IS NULL, starts_on DESC, id DESC
    LIMIT 1
"""

# Subscriptions read beforehand for a block of work (``plans_preloaded``): the day, and per
# organization id (its own and its partner's) the subscriptions active that day.
_preloaded_subscriptions: ContextVar[tuple[date, dict[int, list[_Subscription]]] | None] = (
    ContextVar("sla_preloaded_subscriptions", default=None)
)
_NOT_PRELOADED = object()


@dataclass(frozen=True)
class _Subscription:
    organization_id: int
    product_id: int | None
    starts_on: date
    pk: int
    plan_id: int


@contextmanager
def plans_preloaded(organizations: Iterable[Any]) -> Iterator[None]:
    """Within the block, ``plan_for`` these organizations (today) reads no database: their and
    their partners' subscriptions active today are read once, here (a batch of mail opening
    many tickets). A subscription changed by someone else during the block is seen as it was
    at its start, as if the block had run a moment earlier. Organizations not named are looked
    up as usual."""
    day = now().date()
    ids = set()
    for organization in organizations:
        ids.add(organization.pk)
        if organization.partner_id:
            ids.add(organization.partner_id)
    found: dict[int, list[_Subscription]] = {pk: [] for pk in ids}
    for subscription in _subscriptions_active(ids, day):
        found[subscription.organization_id].append(subscription)
    token = _preloaded_subscriptions.set((day, found))
    try:
        yield
    finally:
        _preloaded_subscriptions.reset(token)


def _subscriptions_active(organization_ids: Iterable[int], day: date) -> list[_Subscription]:
    """The organizations' subscriptions active on the day, as ``Subscription.objects.filter(
    Q(ends_on__isnull=True) | Q(ends_on__gte=day), organization_id__in=..., starts_on__lte=day)``
    finds them (in its order), with a statement written once per process (per length): a mail
    batch's ORM query took longer to compile than to run."""
    day_value = connection.ops.adapt_datefield_value(day)
    rows = rows_where_in(_subscriptions_sql, organization_ids, day_value, day_value)
    values = _SUBSCRIPTION.values
    return [_Subscription(*_SUBSCRIPTION_PICK(values(row, 0, connection))) for row in rows]


_SUBSCRIPTION_NAMES = ["organization_id", "product_id", "starts_on", "id", "plan_id"]
_SUBSCRIPTION = ModelColumns(Subscription, "s", _SUBSCRIPTION_NAMES)
_SUBSCRIPTION_PICK = _SUBSCRIPTION.picker(_SUBSCRIPTION_NAMES)


@cache
def _subscriptions_sql(count: int) -> str:
    # The order is the model's (organization, newest first); the choice does not depend on it.
    table = connection.ops.quote_name(Subscription._meta.db_table)
    return (
        f"SELECT {_SUBSCRIPTION.sql()} FROM {table} s"
        f" WHERE s.organization_id IN ({placeholders(count)}) AND s.starts_on <= %s"
        " AND (s.ends_on IS NULL OR s.ends_on >= %s) ORDER BY s.organization_id, s.starts_on DESC"
    )


def _preloaded_plan_id(organization: Any, product_id: int | None, day: date) -> Any:
    """``_ACTIVE_SUBSCRIPTION_PLAN`` over the preloaded subscriptions: the plan id, ``None``
    for none, ``_NOT_PRELOADED`` when they do not cover this organization or day."""
    preloaded = _preloaded_subscriptions.get()
    if preloaded is None or preloaded[0] != day:
        return _NOT_PRELOADED
    by_organization = preloaded[1]
    owners = {organization.pk, organization.partner_id or organization.pk}
    if not owners <= by_organization.keys():
        return _NOT_PRELOADED
    candidates = [
        subscription
        for owner in owners
        for subscription in by_organization[owner]
        if subscription.product_id is None
        or (product_id is not None and subscription.product_id == product_id)
    ]
    if not candidates:
        return None
    best = min(
        candidates,
        key=lambda s: (
            s.organization_id != organization.pk, s.product_id is None,
            -s.starts_on.toordinal(), -s.pk,
        ),
    )  # fmt: skip
    return best.plan_id


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


def stored_columns(clocks: TicketClocks) -> dict[str, Any]:
    """Everything the ticket stores about its clocks, with the next instant the sweep acts."""
    return clock_columns(clocks, next_check_at(planned_actions(clocks)))


def next_check_at(
    actions: list[PlannedAction], *, after: datetime | None = None
) -> datetime | None:
    return min((a.due_at for a in actions if after is None or a.due_at > after), default=None)


def ticket_clocks_recompute(ticket: Any, *, at: datetime | None = None) -> TicketClocks:
    """Recompute and store the ticket's clocks; called inside the writing transaction."""
    from tierdesk.tickets.models import Ticket

    clocks = ticket_clocks(ticket, at=at)
    columns = stored_columns(clocks)
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
    columns = stored_columns(clocks)
    return {name: value for name, value in columns.items() if getattr(ticket, name) != value}


def opening_clock_columns(ticket: Any, opened: dict[str, Any], at: datetime) -> dict[str, Any]:
    """The clock columns of a ticket about to be inserted, from its one "opened" event."""
    clocks = ticket_clocks(ticket, at=at, events=[EventFact("opened", at, opened)])
    return stored_columns(clocks)

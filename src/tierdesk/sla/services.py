"""The SLA engine's rules over tickets: which plan applies, and what a ticket stores of its clocks.

The engine sits below the ticket domain and never writes a ticket: it computes, and the ticket
services write what it computed (in the change's own UPDATE, or right after its event). A
ticket is passed in as the clocks read it (``sla.clocks.ClockTicket``).
"""

from __future__ import annotations

import copy
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime
from functools import cache
from typing import Any

from django.db import router
from django.db.models import F, Q, QuerySet, Subquery
from django.db.models.expressions import OuterRef
from django.db.models.functions import Coalesce

from tierdesk.core.clock import now
from tierdesk.core.fetch import CompiledQuery, Fragment, Param
from tierdesk.crm.models import Organization, Subscription
from tierdesk.crm.selectors import active_subscriptions
from tierdesk.sla.clocks import (
    ALWAYS_OPEN,
    ClockTicket,
    EventFact,
    Histories,
    TicketClocks,
    escalation_due_at,
    load_events,
    ticket_clocks,
)
from tierdesk.sla.config import default_plan, plan_configs
from tierdesk.sla.models import AlertKind, EscalationStep, Plan
from tierdesk.sla.timeline import FIRST_RESPONSE, NEXT_UPDATE, RESOLUTION

# ---- which plan ----------------------------------------------------------------------------


def plan_choice(product: Any, day: Any) -> Coalesce:
    """The rule, once: the plan of the active subscription (on ``day``) that applies to a
    ticket for ``product`` (``None``: no product) of the organization of the outer query's row:
    the organization's own before its partner's; one naming the product before one covering
    every product; the newest among equals. An expression over an ``Organization`` queryset."""
    return Coalesce(
        _subscription_of(OuterRef("pk"), product, day),
        _subscription_of(OuterRef("partner_id"), product, day),
    )


def _subscription_of(owner: Any, product: Any, day: Any) -> Subquery:
    covers = Q(product_id__isnull=True)
    if product is not None:
        covers |= Q(product_id=product)
    # Which subscriptions are active on ``day`` is the CRM's rule.
    subscriptions = active_subscriptions(covers & Q(organization_id=owner), day)
    ordered = subscriptions.order_by(F("product_id").asc(nulls_last=True), "-starts_on", "-id")
    return Subquery(ordered.values("plan_id")[:1])


def chosen_plans(organization_ids: Iterable[int], product: Any, day: date) -> QuerySet:
    """``(organization id, plan id or None)`` for each organization, by ``plan_choice``."""
    organizations = Organization.objects.filter(pk__in=organization_ids).order_by()
    return organizations.annotate(plan=plan_choice(product, day)).values_list("pk", "plan")


def plan_for(
    organization: Any,
    product: Any = None,
    *,
    on: date | None = None,
    chosen: PlanChoices | None = None,
) -> Plan | None:
    """The plan ``plan_choice`` gives, else the default plan. ``chosen``: the choices made
    beforehand for a block of work (``plans_chosen``), used when they cover the case. One query
    otherwise; the plan itself comes from the plan cache (``tierdesk.sla.config``)."""
    day = on or now().date()
    product_id = getattr(product, "pk", product)
    if chosen is not None and chosen.covers(organization.pk, product_id, day):
        plan_id = chosen.plan_ids[organization.pk]
    else:
        plan_id = _chosen_plan_id(organization.pk, product_id, day)
    return default_plan() if plan_id is None else plan_configs([plan_id])[plan_id].plan


@dataclass(frozen=True)
class PlanChoices:
    """Plans chosen beforehand for a block of work (a mail batch opening many tickets): per
    organization id, the plan id its tickets without a product get on ``day`` (``None``: the
    default plan). A subscription changed by someone else during the block is seen as it was at
    its start, as if the block had run a moment earlier."""

    day: date
    plan_ids: dict[int, int | None]

    def covers(self, organization_id: int, product_id: int | None, day: date) -> bool:
        return product_id is None and day == self.day and organization_id in self.plan_ids


def plans_chosen(organizations: Iterable[Any], *, on: date | None = None) -> PlanChoices:
    """``plan_for`` (without a product) for many organizations, in one query (none for none)."""
    day = on or now().date()
    ids = sorted({organization.pk for organization in organizations})
    return PlanChoices(day, _choices(ids, None, day) if ids else {})


def _chosen_plan_id(organization_id: int, product_id: int | None, day: date) -> int | None:
    """``chosen_plans`` for one organization: what every new ticket asks."""
    return _choices([organization_id], product_id, day).get(organization_id)


def _choices(organization_ids: list[int], product_id: int | None, day: date) -> dict[int, Any]:
    """``chosen_plans`` as a dict, by the ORM's statement compiled once per process
    (``core.fetch.CompiledQuery``): compiling the two correlated subqueries cost more than
    running them, on every new ticket and every mail batch. Only the values change, and the
    list of organizations is spliced in as placeholders."""
    listed = (", ".join(["%s"] * len(organization_ids)), organization_ids)
    found = _choice_query(product_id is not None).rows(
        router.db_for_read(Organization), organizations=listed, product=product_id, day=day
    )
    return {organization.pk: organization.plan for organization in found}  # type: ignore[attr-defined]


@cache
def _choice_query(with_product: bool) -> CompiledQuery[Organization]:
    """``chosen_plans`` with the organizations, the product (or none) and the day as slots."""
    subscription = Subscription._meta
    product = (
        Param("product", subscription.get_field("product").target_field) if with_product else None
    )
    day = Param("day", subscription.get_field("starts_on"))
    organizations = Fragment("organizations", Organization._meta.pk)
    return CompiledQuery(
        lambda: (
            Organization.objects.filter(pk__in=organizations)
            .order_by()
            .annotate(plan=plan_choice(product, day))
            .only("pk")
        )
    )


# ---- the clocks a ticket stores --------------------------------------------------------------

STATE_COLUMNS = {
    FIRST_RESPONSE: ("response_state", "response_due_at", "response_elapsed"),
    RESOLUTION: ("resolution_state", "resolution_due_at", "resolution_elapsed"),
    NEXT_UPDATE: ("update_state", "update_due_at", None),
}
NEXT_CHECK_COLUMN = "sla_next_check_at"
# Every column in which a ticket stores its clocks, for every writer (a change's UPDATE, the
# sweep's): a test fails when the ticket model has a clock column that is not listed here.
CLOCK_COLUMNS: tuple[str, ...] = (
    NEXT_CHECK_COLUMN,
    *(name for names in STATE_COLUMNS.values() for name in names if name),
)


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
    """``CLOCK_COLUMNS`` and their values."""
    columns: dict[str, Any] = {NEXT_CHECK_COLUMN: next_check}
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


def clock_updates(
    ticket: ClockTicket, *, at: datetime | None = None, histories: Histories | None = None
) -> dict[str, Any]:
    """The clock columns whose stored value differs from what the ticket's history (its last
    event included) gives at ``at``, for the ticket services to write. Most events (notes, a
    customer's reply) move no clock: nothing."""
    columns = stored_columns(ticket_clocks(ticket, at=at, histories=histories))
    return {name: value for name, value in columns.items() if getattr(ticket, name) != value}


def clock_changes(
    ticket: ClockTicket,
    changes: dict[str, Any],
    event: EventFact,
    histories: Histories | None = None,
) -> dict[str, Any]:
    """The clock columns that differ once ``changes`` and ``event`` apply, for the caller to
    write in its own UPDATE. The ticket itself is not touched."""
    future = copy.copy(ticket)
    for name, value in changes.items():
        setattr(future, name, value)
    events = [*load_events(ticket, histories), event]
    columns = stored_columns(ticket_clocks(future, at=event.at, events=events))
    return {name: value for name, value in columns.items() if getattr(ticket, name) != value}


def opening_clock_columns(ticket: Any, opened: dict[str, Any], at: datetime) -> dict[str, Any]:
    """The clock columns of a ticket about to be inserted, from its one "opened" event."""
    clocks = ticket_clocks(ticket, at=at, events=[EventFact("opened", at, opened)])
    return stored_columns(clocks)

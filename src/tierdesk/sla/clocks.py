"""A ticket's SLA clocks from its stored history: the bridge between the ORM and timeline.py.

``ticket_clock_input`` reads the ticket's events once and turns them into the pure
``ClockInput``; ``ticket_clocks_recompute`` stores the results in the ticket's clock columns and
``sla_next_check_at``. It runs inside the transaction of every service that writes an event the
clocks care about, so the stored columns never lag behind the timeline.
"""

from __future__ import annotations

import bisect
import json
from collections.abc import Collection, Iterator, Sequence
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import cache
from typing import Any

from django.conf import settings
from django.db import connection

from tierdesk.core.clock import now
from tierdesk.core.fetch import ModelColumns, placeholders, rows_where_in
from tierdesk.sla import clock
from tierdesk.sla.config import PlanConfig, plan_configs
from tierdesk.sla.models import EscalationStep, Plan
from tierdesk.sla.timeline import (
    FIRST_RESPONSE,
    NEXT_UPDATE,
    RESOLUTION,
    ClockInput,
    ClockResult,
    Regime,
    Span,
    TargetSpec,
    compute_clocks,
)

ALWAYS_OPEN = clock.Calendar(timezone="UTC", always_open=True)
PAUSING_REASONS = {"customer", "customer_side", "remote_access"}

# Event kinds whose arrival can move a clock; other events (notes, assignment) leave them alone.
CLOCK_EVENT_KINDS = frozenset(
    {
        "opened", "replied", "priority_changed", "impact_set", "pended", "resumed",
        "resolved", "closed", "reopened", "plan_changed",
    }
)  # fmt: skip
FIRED_EVENT_KINDS = {
    "sla_warning": "warning",
    "sla_breached": "breach",
    "sla_escalated": "escalation",
}


@dataclass(frozen=True)
class EventFact:
    kind: str
    at: datetime
    data: dict[str, Any]


@dataclass
class TicketClocks:
    """Everything known about a ticket's clocks at one instant."""

    input: ClockInput
    results: dict[str, ClockResult]
    plan: Plan | None
    steps: tuple[EscalationStep, ...]
    fired: set[tuple[str, str, int, int]]  # (metric, kind, step, cycle)
    cycles: dict[str, int]


def _regime_targets(
    configs: dict[int, PlanConfig], plan_id: int | None, priority: int, emergency: bool
) -> dict[str, TargetSpec]:
    config = configs.get(plan_id or 0)
    specs = config.targets if config else {}
    targets = {}
    for metric in (FIRST_RESPONSE, NEXT_UPDATE, RESOLUTION):
        spec = specs.get((priority, metric))
        if spec is not None:
            targets[metric] = spec
    if emergency:
        # P5: an emergency gets the call-back commitment around the clock, whatever the plan,
        # and the plan's P1 resolution target.
        minutes = settings.TIERDESK_EMERGENCY_RESPONSE_MINUTES
        targets[FIRST_RESPONSE] = TargetSpec(minutes * 60, ALWAYS_OPEN, "Around the clock")
        p1 = specs.get((1, RESOLUTION))
        if p1 is not None:
            targets[RESOLUTION] = p1
    return targets


def _regimes(
    ticket: Any, events: Sequence[EventFact]
) -> tuple[list[Regime], dict[int, PlanConfig]]:
    """Each stretch of (plan, priority, emergency) the ticket went through, from its events."""
    states: list[tuple[datetime, int | None, int, bool, str]] = []
    plan_id, priority, emergency = ticket.sla_plan_id, ticket.priority, ticket.is_emergency
    for event in events:
        if event.kind == "opened":
            plan_id = event.data.get("plan", plan_id)
            priority = event.data.get("priority", priority)
            emergency = event.data.get("emergency", emergency)
            states.append((event.at, plan_id, priority, emergency, f"P{priority}"))
        elif event.kind in {"priority_changed", "impact_set"} and "priority" in event.data:
            old, new = event.data["priority"]
            if old != new:
                priority = new
                states.append((event.at, plan_id, priority, emergency, f"P{old} → P{new}"))
        elif event.kind == "plan_changed":
            plan_id = event.data["plan"][1]
            states.append(
                (event.at, plan_id, priority, emergency, f"plan {event.data.get('name', plan_id)}")
            )
    if not states:
        states.append((ticket.created_at, plan_id, priority, emergency, f"P{priority}"))
    configs = plan_configs({state[1] for state in states} | {ticket.sla_plan_id})
    regimes = [
        Regime(since=at, targets=_regime_targets(configs, plan, prio, emerg), label=label)
        for at, plan, prio, emerg, label in states
    ]
    return regimes, configs


def _pauses(events: Sequence[EventFact], third_party_pauses: bool) -> list[Span]:
    reasons = PAUSING_REASONS | ({"third_party"} if third_party_pauses else set())
    pauses: list[Span] = []
    paused_since: datetime | None = None
    for event in events:
        if event.kind == "pended" and event.data.get("reason") in reasons:
            paused_since = event.at
        elif paused_since is not None and _leaves_pending(event):
            pauses.append((paused_since, event.at))
            paused_since = None
    if paused_since is not None:
        pauses.append((paused_since, None))
    return pauses


def _leaves_pending(event: EventFact) -> bool:
    if event.kind == "resumed":
        return True
    status = event.data.get("status") or []
    return bool(status) and status[0] == "pending"


def _runs(ticket: Any, events: Sequence[EventFact]) -> tuple[dict[str, list[Span]], dict[str, int]]:
    opened = ticket.created_at
    first_resolved = next((e.at for e in events if e.kind == "resolved"), None)
    responded = min(filter(None, [ticket.first_response_at, first_resolved]), default=None)
    runs: dict[str, list[Span]] = {FIRST_RESPONSE: [(opened, responded)]}
    resolution: list[Span] = []
    start: datetime | None = opened
    last_agent_reply: datetime | None = None
    agent_replies = 0
    for event in events:
        if event.kind == "resolved" and start is not None:
            resolution.append((start, event.at))
            start = None
        elif event.kind == "reopened" and start is None:
            start = event.at
        elif event.kind == "replied" and event.data.get("by_agent"):
            last_agent_reply = event.at
            agent_replies += 1
    if start is not None:
        resolution.append((start, None))
    runs[RESOLUTION] = resolution
    if last_agent_reply is not None and start is not None:
        runs[NEXT_UPDATE] = [(max(last_agent_reply, start), None)]
    return runs, {NEXT_UPDATE: agent_replies}


# Events read beforehand for a block of work (``events_preloaded``): ticket id -> its events.
_preloaded: ContextVar[dict[int, list[EventFact]] | None] = ContextVar(
    "sla_preloaded_events", default=None
)


def load_events(ticket: Any) -> list[EventFact]:
    preloaded = (_preloaded.get() or {}).get(ticket.pk)
    if preloaded is not None:
        return list(preloaded)
    return load_events_of([ticket.pk])[ticket.pk]


@contextmanager
def events_preloaded(ticket_ids: Collection[int]) -> Iterator[None]:
    """Read these tickets' events in one query for every clock computation of the block (a
    batch of mail replies) instead of one query per change. ``event_recorded`` keeps them
    current as the block writes events; a caller that rolls part of its work back (a failed
    message's savepoint) calls ``preloaded_events_forget``, and they are read again as needed.
    """
    token = _preloaded.set(load_events_of(list(ticket_ids)) if ticket_ids else {})
    try:
        yield
    finally:
        _preloaded.reset(token)


def event_recorded(ticket_id: int, kind: str, at: datetime, data: dict[str, Any]) -> None:
    """An event was just written: a preloaded history of its ticket takes it in, in order."""
    events = (_preloaded.get() or {}).get(ticket_id)
    if events is not None:
        # As read back from the JSON column (tuples become lists), so both paths agree.
        fact = EventFact(kind, at, json.loads(json.dumps(data)))
        bisect.insort(events, fact, key=lambda event: event.at)


def preloaded_events_forget() -> None:
    """Drop the preloaded histories: they may hold events that were rolled back."""
    preloaded = _preloaded.get()
    if preloaded is not None:
        preloaded.clear()


def load_events_of(ticket_ids: Sequence[int]) -> dict[int, list[EventFact]]:
    """Every listed ticket's events, in order, in one query."""
    events: dict[int, list[EventFact]] = {pk: [] for pk in ticket_ids}
    columns, pick = _event_columns()
    for row in rows_where_in(_events_sql, events):
        ticket_id, kind, at, data = pick(columns.values(row, 0, connection))
        events[ticket_id].append(EventFact(kind, at, data))
    return events


@cache
def _event_columns() -> tuple[ModelColumns, Any]:
    """The columns ``load_events_of`` reads (converted as ``values_list`` converts them) and
    how to pick them from a row in its order."""
    from tierdesk.tickets.models import TicketEvent  # that module imports this one

    names = ["ticket_id", "kind", "at", "data"]
    columns = ModelColumns(TicketEvent, "e", ["id", *names])
    return columns, columns.picker(names)


@cache
def _events_sql(count: int) -> str:
    """Written out once per process (per length): a mail batch reads its replies' histories,
    and compiling the ORM's query took longer than running it."""
    columns, _ = _event_columns()
    table = connection.ops.quote_name(columns.model._meta.db_table)
    return (
        f"SELECT {columns.sql()} FROM {table} e WHERE e.ticket_id IN ({placeholders(count)})"
        " ORDER BY e.ticket_id, e.at, e.id"
    )


def ticket_clocks(
    ticket: Any, *, at: datetime | None = None, events: list[EventFact] | None = None
) -> TicketClocks:
    events = load_events(ticket) if events is None else events
    regimes, configs = _regimes(ticket, events)
    config = configs.get(ticket.sla_plan_id or 0)
    plan = config.plan if config else None
    runs, cycles = _runs(ticket, events)
    data = ClockInput(
        now=at or now(),
        regimes=regimes,
        runs=runs,
        pauses=_pauses(events, bool(plan and plan.third_party_pauses)),
        warning_percent=plan.warning_percent if plan else 75,
    )
    fired = {
        (
            e.data.get("metric", ""),
            FIRED_EVENT_KINDS[e.kind],
            e.data.get("step", 0),
            e.data.get("cycle", 0),
        )
        for e in events
        if e.kind in FIRED_EVENT_KINDS
    }
    steps = config.steps if config else ()
    return TicketClocks(data, compute_clocks(data), plan, steps, fired, cycles)


def escalation_due_at(step: Any, breached_at: datetime, spec_calendar: clock.Calendar) -> datetime:
    delay = timedelta(minutes=step.delay_minutes)
    if step.delay_business:
        return clock.deadline(spec_calendar, breached_at, delay)
    return breached_at + delay

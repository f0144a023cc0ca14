"""A ticket's SLA clocks from its stored history: the bridge between the ORM and timeline.py.

``ticket_clocks`` reads the ticket's events once and turns them into the pure ``ClockInput``
and its results. The SLA engine sits below the ticket domain: it never imports the ticket
model. A ticket is passed in (``ClockTicket`` says what is read from it), and the ticket
services store what ``sla.services`` computes from these clocks, inside the transaction of
every change that writes an event the clocks care about, so the stored columns never lag behind
the timeline.
"""

from __future__ import annotations

import bisect
import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import cache
from typing import Any, Protocol

from django.db import router
from django.db.models import Model

from tierdesk.core.clock import now
from tierdesk.core.fetch import CompiledQuery, Param
from tierdesk.sla import clock
from tierdesk.sla.config import PlanConfig, plan_configs
from tierdesk.sla.models import EscalationStep, Plan
from tierdesk.sla.promise import ALWAYS_OPEN as ALWAYS_OPEN
from tierdesk.sla.promise import applicable_targets, call_back_spec
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

PAUSING_REASONS = {"customer", "customer_side", "remote_access"}

# The timeline's event kinds are the ticket domain's (``EventKind``); the SLA engine sits below
# it and reads them as text (tests check each one named here is a member).
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


class ClockTicket(Protocol):
    """What the clocks read from a ticket (the ticket model has it; so does a copy of a ticket
    about to change). ``events``: its timeline, a related manager of rows with kind, at and
    data, read only when no history is given."""

    pk: Any
    sla_plan_id: int | None
    priority: int
    is_emergency: bool
    created_at: datetime
    first_response_at: datetime | None

    @property
    def events(self) -> Any: ...


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
    # Which target applies, the emergency call-back (P5) included: the rule every face shows.
    return applicable_targets(
        config.targets if config else {}, priority, emergency=emergency, call_back=call_back_spec()
    )


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
        elif paused_since is not None and leaves_pending(event):
            pauses.append((paused_since, event.at))
            paused_since = None
    if paused_since is not None:
        pauses.append((paused_since, None))
    return pauses


def leaves_pending(event: EventFact) -> bool:
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


class Histories:
    """Tickets' histories read beforehand for a block of work (a batch of mail replies), so
    that each clock computation of the block reads no events: ticket id -> its events, in
    order. The block hands it along explicitly (the ticket domain's unit of work); ``add`` keeps
    a history current as the block writes events, and ``forget`` drops them all when part of
    the block was rolled back (a failed message's savepoint): they are read again as needed."""

    def __init__(self, events: dict[int, list[EventFact]] | None = None) -> None:
        self._events = events if events is not None else {}

    def get(self, ticket_id: int) -> list[EventFact] | None:
        return self._events.get(ticket_id)

    def add(self, ticket_id: int, kind: str, at: datetime, data: dict[str, Any]) -> None:
        """An event was just written: a history held for its ticket takes it in, in order."""
        events = self._events.get(ticket_id)
        if events is not None:
            # As read back from the JSON column (tuples become lists), so both paths agree.
            fact = EventFact(kind, at, json.loads(json.dumps(data)))
            bisect.insort(events, fact, key=lambda event: event.at)

    def forget(self) -> None:
        """Drop every history: they may hold events that were rolled back."""
        self._events.clear()


def load_events(ticket: ClockTicket, histories: Histories | None = None) -> list[EventFact]:
    """The ticket's events in order: from ``histories`` when they hold its history, else read
    through the ticket's ``events`` relation (the ticket domain's timeline: kind, at, data)."""
    held = histories.get(ticket.pk) if histories is not None else None
    if held is not None:
        return list(held)
    model = ticket.events.model
    rows = _history(model).rows(router.db_for_read(model), ticket=ticket.pk)
    return [EventFact(event.kind, event.at, event.data) for event in rows]


@cache
def _history(model: type[Model]) -> CompiledQuery[Any]:
    """A ticket's events in order, as ``ticket.events.order_by("at", "id")`` reads them,
    compiled once per process: every clock-moving write outside a batch reads one."""
    ticket = model._meta.get_field("ticket")
    return CompiledQuery(
        lambda: (
            model._base_manager.filter(ticket_id=Param("ticket", ticket.target_field))  # type: ignore[union-attr]
            .order_by("at", "id")
            .only("kind", "at", "data")
        )
    )


def ticket_clocks(
    ticket: ClockTicket,
    *,
    at: datetime | None = None,
    events: list[EventFact] | None = None,
    histories: Histories | None = None,
) -> TicketClocks:
    """The ticket's clocks at ``at`` from ``events`` (else its stored history, through
    ``histories`` when given). The ticket is anything with the clock-relevant columns of a
    ticket (``ClockTicket``)."""
    events = load_events(ticket, histories) if events is None else events
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

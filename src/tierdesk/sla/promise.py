"""What a plan promises a ticket: the one rule behind every face that shows it, and the clocks.

A plan has a target per priority and clock (first response, resolution, next update), each an
amount of time in a calendar. An emergency (P5) changes two of them, whatever the plan: the
first response becomes a call-back within ``TIERDESK_EMERGENCY_RESPONSE_MINUTES``, around the
clock, and the resolution is the plan's P1 target (the ticket's own if the plan has none).

``applicable_targets`` is that rule over any mapping of a plan's targets: the clocks
(``sla.clocks``) use it on their ``TargetSpec`` values, ``promise`` on the targets as configured.
``promise`` is what the desk, the portal, the support-policy page, the acknowledgement mail and
the API show, so none of them can say "2 hours" while the clock counts 30 minutes.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings

from tierdesk.sla import clock
from tierdesk.sla.config import PlanConfig, plan_configs
from tierdesk.sla.models import DurationUnit, Plan, Target
from tierdesk.sla.timeline import FIRST_RESPONSE, METRICS, NEXT_UPDATE, RESOLUTION, TargetSpec

ALWAYS_OPEN = clock.Calendar(timezone="UTC", always_open=True)
CALL_BACK_CALENDAR = "Around the clock"
UNIT_WORDS = {
    DurationUnit.MINUTES: ("minute", "minutes"),
    DurationUnit.HOURS: ("hour", "hours"),
    DurationUnit.BUSINESS_DAYS: ("business day", "business days"),
}

# (priority, metric) of a plan's target, or None: the emergency call-back in its place.
type TargetKey = tuple[int, str] | None


def target_keys(priority: int, *, emergency: bool) -> dict[str, tuple[TargetKey, ...]]:
    """Per clock, the plan targets that may apply, in order: the first the plan has wins."""
    keys: dict[str, tuple[TargetKey, ...]] = {metric: ((priority, metric),) for metric in METRICS}
    if emergency:
        keys[FIRST_RESPONSE] = (None,)
        keys[RESOLUTION] = ((1, RESOLUTION), (priority, RESOLUTION))
    return keys


def applicable_targets[T](
    targets: Mapping[tuple[int, str], T], priority: int, *, emergency: bool, call_back: T
) -> dict[str, T]:
    """The target of each clock a ticket of this priority (and emergency) gets from a plan whose
    targets are ``targets`` ((priority, metric) -> target); a clock the plan sets no target for
    is left out."""
    found: dict[str, T] = {}
    for metric, keys in target_keys(priority, emergency=emergency).items():
        for key in keys:
            target = call_back if key is None else targets.get(key)
            if target is not None:
                found[metric] = target
                break
    return found


def call_back_spec() -> TargetSpec:
    """The emergency call-back as the clocks count it."""
    minutes = settings.TIERDESK_EMERGENCY_RESPONSE_MINUTES
    return TargetSpec(minutes * 60, ALWAYS_OPEN, CALL_BACK_CALENDAR)


# ---- the promise as shown ---------------------------------------------------------------------


@dataclass(frozen=True)
class Term:
    """One clock's promise: ``amount`` ``unit`` in a calendar; no amount means nothing fixed
    ("agreed case by case")."""

    amount: int | None
    unit: str = DurationUnit.HOURS
    calendar: str = ""  # the calendar's name
    around_the_clock: bool = False

    @property
    def agreed(self) -> bool:
        return self.amount is not None

    @property
    def unit_words(self) -> str:
        """``hours``, ``hour`` for an amount of 1, ``business days``."""
        singular, plural = UNIT_WORDS.get(self.unit, (self.unit, self.unit))  # type: ignore[call-overload]
        return singular if self.amount == 1 else plural

    @property
    def duration(self) -> str:
        """``2 hours``, ``1 business day``; "" when nothing is fixed."""
        return "" if self.amount is None else f"{self.amount} {self.unit_words}"

    @property
    def where(self) -> str:
        """``around the clock``, or the calendar's name (its hours are on the policy page)."""
        return "around the clock" if self.around_the_clock else self.calendar

    def __str__(self) -> str:
        """``2 hours, around the clock``, ``1 business day, Standard hours (IST)``."""
        if self.amount is None:
            return "agreed case by case"
        return f"{self.duration}, {self.where}"


NOTHING_FIXED = Term(amount=None)


@dataclass(frozen=True)
class Promise:
    """What a ticket of ``priority`` (and ``emergency``) is promised under the plan ``plan``
    (its name; "" without a plan): the first response, the resolution, and the next update
    where the plan fixes one."""

    plan: str
    priority: int
    emergency: bool
    response: Term
    resolution: Term
    update: Term | None = None


def call_back_term() -> Term:
    minutes = settings.TIERDESK_EMERGENCY_RESPONSE_MINUTES
    return Term(minutes, DurationUnit.MINUTES, CALL_BACK_CALENDAR, around_the_clock=True)


def promise(plan: Plan | int | None, priority: int, *, emergency: bool = False) -> Promise | None:
    """What the plan (or its id) promises at this priority; ``None`` when nothing is promised
    (no plan, and no emergency). From the plan cache (``sla.config``): no query once loaded."""
    plan_id = plan.pk if isinstance(plan, Plan) else plan
    config = plan_configs([plan_id]).get(plan_id) if plan_id else None
    return _promise(config, priority, emergency)


def ticket_promise(ticket: Any) -> Promise | None:
    """What the ticket is promised: its plan, priority and emergency as they are now."""
    return promise(ticket.sla_plan_id, ticket.priority, emergency=ticket.is_emergency)


def ticket_promises(tickets: Iterable[Any]) -> dict[int, Promise | None]:
    """``ticket_promise`` of each ticket (by id), the plans loaded in one go."""
    found = list(tickets)
    configs = plan_configs({t.sla_plan_id for t in found})
    return {
        t.pk: _promise(configs.get(t.sla_plan_id or 0), t.priority, t.is_emergency) for t in found
    }


def _promise(config: PlanConfig | None, priority: int, emergency: bool) -> Promise | None:
    if config is None and not emergency:
        return None
    configured: Mapping[tuple[int, str], Target | Term] = config.configured if config else {}
    terms = {
        metric: target if isinstance(target, Term) else _term(target)
        for metric, target in applicable_targets(
            configured, priority, emergency=emergency, call_back=call_back_term()
        ).items()
    }
    update = terms.get(NEXT_UPDATE)
    return Promise(
        plan=config.plan.name if config is not None else "",
        priority=priority,
        emergency=emergency,
        response=terms.get(FIRST_RESPONSE, NOTHING_FIXED),
        resolution=terms.get(RESOLUTION, NOTHING_FIXED),
        update=update if update is not None and update.agreed else None,
    )


def _term(target: Target) -> Term:
    calendar = target.calendar
    return Term(target.amount, target.unit, calendar.name, calendar.always_open)


# ---- the promise as a due time ----------------------------------------------------------------


def first_response_due(
    plan: Plan | int | None, priority: int, *, emergency: bool = False, at: datetime
) -> datetime | None:
    """When a ticket opened at ``at`` with this plan, priority (and emergency) would have its
    first response due: the target the clocks would count (``applicable_targets`` over the
    plan's ``TargetSpec``), through the plan's calendar. ``None`` when nothing is fixed, or the
    calendar has no working time. What the portal shows before a ticket is sent; once sent, the
    ticket's own ``response_due_at`` is the answer."""
    plan_id = plan.pk if isinstance(plan, Plan) else plan
    config = plan_configs([plan_id]).get(plan_id) if plan_id else None
    if config is None and not emergency:
        return None
    targets: Mapping[tuple[int, str], TargetSpec] = config.targets if config else {}
    spec = applicable_targets(
        targets, priority, emergency=emergency, call_back=call_back_spec()
    ).get(FIRST_RESPONSE)
    if spec is None or spec.seconds is None:
        return None
    try:
        return clock.deadline(spec.calendar, at, timedelta(seconds=spec.seconds))
    except ValueError:  # a calendar without working time promises no instant
        return None

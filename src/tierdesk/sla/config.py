"""Plans as the clocks need them: targets per priority and metric, and the escalation chain.

Loaded in three queries for any number of plans and kept per process (``core.config_cache``: a
minute), so recomputing a ticket's clocks on an event costs no configuration queries. A change
saved in this process clears the cache at once (signals in apps.py); other processes see it
within the minute. Calendars are cached separately by (id, revision), so they never go stale.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

from tierdesk.core.config_cache import ConfigCache
from tierdesk.sla import clock
from tierdesk.sla.calendars import clock_calendar
from tierdesk.sla.models import DurationUnit, EscalationStep, Plan, Target
from tierdesk.sla.timeline import TargetSpec


@dataclass(frozen=True)
class PlanConfig:
    plan: Plan
    targets: dict[tuple[int, str], TargetSpec]  # (priority, metric) -> spec
    steps: tuple[EscalationStep, ...]
    # (priority, metric) -> the target as configured, with its calendar: the promise's words
    # (``sla.promise``).
    configured: dict[tuple[int, str], Target] = field(default_factory=dict)


PLANS = ConfigCache("SLA plans by id")
DEFAULT_PLAN_ID = ConfigCache("the default SLA plan's id")


def target_seconds(target: Target, calendar: clock.Calendar) -> int | None:
    if target.amount is None:
        return None
    if target.unit == DurationUnit.BUSINESS_DAYS:
        return clock.business_days(target.amount, calendar)
    return target.amount * (3600 if target.unit == DurationUnit.HOURS else 60)


def plan_configs(plan_ids: Iterable[int | None]) -> dict[int, PlanConfig]:
    return PLANS.get_many({pk for pk in plan_ids if pk}, _load)  # type: ignore[arg-type, return-value]


def _load(plan_ids: set[int]) -> dict[int, PlanConfig]:
    plans = {plan.pk: plan for plan in Plan.objects.filter(pk__in=plan_ids)}
    targets: dict[int, dict[tuple[int, str], TargetSpec]] = {pk: {} for pk in plans}
    configured: dict[int, dict[tuple[int, str], Target]] = {pk: {} for pk in plans}
    for target in Target.objects.filter(plan_id__in=plans).select_related("calendar"):
        calendar = clock_calendar(target.calendar)
        configured[target.plan_id][(target.priority, target.metric)] = target
        targets[target.plan_id][(target.priority, target.metric)] = TargetSpec(
            seconds=target_seconds(target, calendar),
            calendar=calendar,
            calendar_name=target.calendar.name,
        )
    steps: dict[int, list[EscalationStep]] = {pk: [] for pk in plans}
    chain = EscalationStep.objects.filter(plan_id__in=plans).prefetch_related("notify_users")
    for step in chain.order_by("plan_id", "position"):
        steps[step.plan_id].append(step)
    return {
        pk: PlanConfig(plan, targets[pk], tuple(steps[pk]), configured[pk])
        for pk, plan in plans.items()
    }


def forget_plan_configs(*args: object, **kwargs: object) -> None:
    """Drop the cached plans (connected to saves of SLA configuration in this process)."""
    PLANS.clear()
    DEFAULT_PLAN_ID.clear()


def default_plan() -> Plan | None:
    """The plan marked default, through the same cache (its id is looked up once a minute)."""
    plan_id = DEFAULT_PLAN_ID.get("id", _default_plan_id)
    return plan_configs([plan_id])[plan_id].plan if plan_id else None


def _default_plan_id() -> int | None:
    return Plan.objects.filter(is_default=True).order_by("id").values_list("id", flat=True).first()

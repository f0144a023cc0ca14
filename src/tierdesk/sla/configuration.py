"""Writing calendars and plans from the configuration pages, and the calendar preview.

Every write checks who acts (admins and managers: ``accounts.policies.may_configure``), checks
the whole thing (``full_clean`` and the week/targets rules of ``sla.validation``), then saves it
in one transaction and bumps the calendar's revision, so every process's clocks rebuild it.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, time
from typing import Any

from django.db import transaction
from django.db.models import Count

from tierdesk.accounts.policies import may_configure
from tierdesk.core.clock import now
from tierdesk.core.errors import NotFound
from tierdesk.sla import clock
from tierdesk.sla.calendars import expand_holidays
from tierdesk.sla.config import target_seconds
from tierdesk.sla.holidays import HOLIDAY_YEARS_AHEAD, calendar_generate_holidays, calendar_touch
from tierdesk.sla.models import Calendar, Holiday, Plan, Target, WorkingInterval
from tierdesk.sla.validation import check_intervals, check_plan_targets, check_working_time

type Interval = tuple[int, time, time]  # weekday, opens, closes


def check_configurer(actor: Any) -> None:
    """Somebody who may not configure is told nothing exists (the pages answer 404)."""
    if not may_configure(actor):
        raise NotFound("No such page.")


def calendar_save(
    *,
    actor: Any,
    calendar: Calendar,
    intervals: Sequence[Interval],
    holidays: Sequence[Holiday] = (),
    deleted_holidays: Sequence[Holiday] = (),
) -> Calendar:
    """Save a calendar with its whole week (which replaces the stored one) and its holidays."""
    check_configurer(actor)
    calendar.full_clean()
    check_intervals(intervals)
    check_working_time(always_open=calendar.always_open, interval_count=len(intervals))
    with transaction.atomic():
        calendar.save()
        WorkingInterval.objects.filter(calendar=calendar).delete()
        WorkingInterval.objects.bulk_create(
            WorkingInterval(calendar=calendar, weekday=day, opens_at=opens, closes_at=closes)
            for day, opens, closes in intervals
        )
        for holiday in deleted_holidays:
            if holiday.pk is not None and holiday.calendar_id == calendar.pk:
                holiday.delete()
        for holiday in holidays:
            holiday.calendar = calendar
            holiday.full_clean(validate_unique=False)
            holiday.save()
        calendar_touch(calendar)
    return calendar


def plan_save(
    *,
    actor: Any,
    plan: Plan,
    targets: Sequence[Target],
    deleted_targets: Sequence[Target] = (),
) -> Plan:
    """Save a plan with its targets; a plan is kept with at least one target."""
    check_configurer(actor)
    plan.full_clean()
    deleted = {t.pk for t in deleted_targets if t.pk is not None}
    kept = [t for t in targets if t.pk is None or t.pk not in deleted]
    remaining = Target.objects.filter(plan_id=plan.pk).exclude(pk__in=deleted) if plan.pk else []
    untouched = [t for t in remaining if t.pk not in {k.pk for k in kept}]
    check_plan_targets(len(kept) + len(untouched))
    with transaction.atomic():
        plan.save()
        Target.objects.filter(pk__in=deleted, plan_id=plan.pk).delete()
        for target in kept:
            target.plan = plan
            target.full_clean(validate_unique=False)
            target.save()
    return plan


def calendar_rows(*, actor: Any) -> list[Calendar]:
    """Every calendar with how much it holds and how many plans use it (one query)."""
    check_configurer(actor)
    return list(
        Calendar.objects.annotate(
            interval_count=Count("intervals", distinct=True),
            holiday_count=Count("holidays", distinct=True),
            plan_count=Count("targets__plan", distinct=True),
        ).order_by("name")
    )


def calendar_for_edit(*, actor: Any, pk: int) -> Calendar:
    check_configurer(actor)
    calendar = Calendar.objects.prefetch_related("intervals").filter(pk=pk).first()
    if calendar is None:
        raise NotFound("No such calendar.")
    return calendar


def plan_rows(*, actor: Any) -> list[Plan]:
    check_configurer(actor)
    return list(Plan.objects.annotate(target_count=Count("targets")).order_by("name"))


def plan_for_edit(*, actor: Any, pk: int) -> Plan:
    check_configurer(actor)
    plan = Plan.objects.filter(pk=pk).first()
    if plan is None:
        raise NotFound("No such plan.")
    return plan


# ---- the preview: "a ticket opened now would be due at ..." ----------------------------------


PREVIEW_TARGETS = 8


@dataclass(frozen=True)
class DueExample:
    label: str  # "4 hours", "Standard P2 resolution: 2 business days"
    due_at: datetime  # in the calendar's zone


def calendar_preview(
    *, actor: Any, calendar: Calendar, intervals: Sequence[Interval], at: datetime | None = None
) -> list[DueExample]:
    """``due_examples`` for a calendar as it is being edited (``calendar`` unsaved, with
    ``intervals`` its week), with its stored holidays and the plan targets that use it."""
    check_configurer(actor)
    holidays: list[tuple[date, bool]] = []
    targets: list[Target] = []
    if calendar.pk:
        holidays = list(
            Holiday.objects.filter(calendar_id=calendar.pk).values_list("date", "recurs_yearly")
        )
        using = Target.objects.filter(calendar_id=calendar.pk, amount__isnull=False)
        targets = list(
            using.select_related("plan").order_by("plan__name", "priority", "metric")[
                :PREVIEW_TARGETS
            ]
        )
    return due_examples(
        timezone=calendar.timezone, always_open=calendar.always_open, intervals=intervals,
        holidays=holidays, targets=targets, at=at,
    )  # fmt: skip


def due_examples(
    *,
    timezone: str,
    always_open: bool,
    intervals: Sequence[Interval],
    holidays: Sequence[tuple[date, bool]] = (),
    targets: Sequence[Target] = (),
    at: datetime | None = None,
) -> list[DueExample]:
    """When a ticket opened at ``at`` (now) would be due under the calendar as it is being
    edited, by the clock itself: for 4 hours, 1 business day, and each plan target that uses
    the calendar. Raises ``ValueError`` for a calendar the clock cannot use."""
    start = at or now()
    week: dict[int, list[tuple[time, time]]] = {}
    for day, opens, closes in intervals:
        week.setdefault(day, []).append((opens, closes))
    calendar = clock.Calendar(
        timezone=timezone,
        week={day: tuple(spans) for day, spans in week.items()},
        holidays=frozenset(expand_holidays(holidays, start.year)),
        always_open=always_open,
    )
    if not always_open and calendar.working_day_seconds == 0:
        raise ValueError("the calendar has no working hours")
    examples = [
        DueExample("4 hours", clock.deadline(calendar, start, 4 * 3600)),
        DueExample(
            "1 business day",
            clock.deadline(calendar, start, clock.business_days(1, calendar)),
        ),
    ]
    for target in targets:
        seconds = target_seconds(target, calendar)
        if seconds is None:
            continue
        label = (
            f"{target.plan.name} P{target.priority} {target.get_metric_display().lower()}: "
            f"{target.amount} {target.get_unit_display().lower()}"
        )
        examples.append(DueExample(label, clock.deadline(calendar, start, seconds)))
    return examples


def calendar_add_national_holidays(*, actor: Any, calendar: Calendar) -> int:
    """The calendar's national set (its country and subdivision) as holiday rows, this year
    and the next ones; the rows added. ``ValueError`` when the country has no set."""
    check_configurer(actor)
    year = now().year
    return calendar_generate_holidays(
        calendar=calendar, years=range(year, year + HOLIDAY_YEARS_AHEAD)
    )

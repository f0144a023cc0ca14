"""Calendars from the database to the pure clock, and national holiday sets into the database."""

from __future__ import annotations

import threading
from collections.abc import Iterable
from datetime import date, time
from typing import Any

import holidays as holiday_sets
from django.db import transaction
from django.db.models import F

from tierdesk.core.clock import now
from tierdesk.sla import clock
from tierdesk.sla.models import Calendar, Holiday, HolidaySource, WorkingInterval

# Recurring holidays are expanded over this window around the current year: a deadline is never
# years away, and a bounded set keeps the clock's holiday table small.
YEARS_BACK = 2
YEARS_AHEAD = 3

_cache: dict[tuple[int, int], clock.Calendar] = {}
_cache_lock = threading.Lock()


def clock_calendar(calendar: Calendar) -> clock.Calendar:
    """The pure clock calendar for a row, built once per (id, revision) and process."""
    key = (calendar.pk, calendar.revision)
    cached = _cache.get(key)
    if cached is None:
        cached = _build(calendar)
        with _cache_lock:
            _cache[key] = cached
    return cached


def _build(calendar: Calendar) -> clock.Calendar:
    week: dict[int, list[tuple[time, time]]] = {}
    for interval in WorkingInterval.objects.filter(calendar=calendar):
        week.setdefault(interval.weekday, []).append((interval.opens_at, interval.closes_at))
    rows = Holiday.objects.filter(calendar=calendar).values_list("date", "recurs_yearly")
    return clock.Calendar(
        timezone=calendar.timezone,
        week={day: tuple(spans) for day, spans in week.items()},
        holidays=frozenset(expand_holidays(rows, now().year)),
        always_open=calendar.always_open,
    )


def expand_holidays(rows: Iterable[tuple[date, bool]], year: int) -> set[date]:
    dates = set()
    for day, recurs in rows:
        if not recurs:
            dates.add(day)
            continue
        for each_year in range(year - YEARS_BACK, year + YEARS_AHEAD + 1):
            try:
                dates.add(day.replace(year=each_year))
            except ValueError:  # 29 February in a common year
                continue
    return dates


def national_holidays(
    country: str, subdivision: str | None, years: Iterable[int]
) -> dict[date, str]:
    """The ``holidays`` package's set for a country (and subdivision), as plain data."""
    try:
        found = holiday_sets.country_holidays(
            country, subdiv=subdivision or None, years=list(years)
        )
    except NotImplementedError:
        raise ValueError(f"No holiday set for country {country!r}") from None
    return {day: str(name) for day, name in sorted(found.items())}


def calendar_generate_holidays(*, calendar: Calendar, years: Iterable[int]) -> int:
    """Store the calendar's national set for ``years`` as rows that admins can then edit."""
    if not calendar.holiday_country:
        return 0
    generated = national_holidays(calendar.holiday_country, calendar.holiday_subdivision, years)
    existing = set(Holiday.objects.filter(calendar=calendar).values_list("date", flat=True))
    new_rows = [
        Holiday(calendar=calendar, date=day, name=name[:200], source=HolidaySource.NATIONAL)
        for day, name in generated.items()
        if day not in existing
    ]
    with transaction.atomic():
        Holiday.objects.bulk_create(new_rows)
        calendar_touch(calendar)
    return len(new_rows)


# National holidays are kept as rows this many years ahead (the current year included).
HOLIDAY_YEARS_AHEAD = 3


def calendars_extend_holidays(*, today: date | None = None) -> int:
    """Give every calendar that follows a country its national holidays for the years ahead
    that have none yet; returns the rows added. A year that already has national rows is left
    alone, so a holiday an admin deleted (the office works that day) does not come back."""
    year = (today or now().date()).year
    wanted = range(year, year + HOLIDAY_YEARS_AHEAD + 1)
    added = 0
    for calendar in Calendar.objects.exclude(holiday_country=""):
        covered = set(
            Holiday.objects.filter(calendar=calendar, source=HolidaySource.NATIONAL)
            .filter(date__year__gte=year)
            .values_list("date__year", flat=True)
        )
        missing = [y for y in wanted if y not in covered]
        if missing:
            added += calendar_generate_holidays(calendar=calendar, years=missing)
    return added


def calendar_touch(calendar: Calendar) -> None:
    """Bump the revision so every process rebuilds its clock calendar on next use."""
    from tierdesk.sla.config import forget_plan_configs

    Calendar.objects.filter(pk=calendar.pk).update(revision=F("revision") + 1)
    calendar.refresh_from_db(fields=["revision"])
    forget_plan_configs()


def calendar_from_file_data(data: dict[str, Any], *, around_year: int) -> clock.Calendar:
    """The ``sla due`` calendar file: clock.Calendar's JSON plus holiday_country/subdivision,
    with the national set for the years around ``around_year``."""
    data = dict(data)
    country = data.pop("holiday_country", None)
    subdivision = data.pop("holiday_subdivision", None)
    base = clock.Calendar.from_dict(data)
    if not country:
        return base
    years = range(around_year - YEARS_BACK, around_year + YEARS_AHEAD + 1)
    national = set(national_holidays(country, subdivision, years))
    return clock.Calendar(
        timezone=base.timezone,
        week=base.week,
        holidays=base.holidays | national,
        always_open=base.always_open,
    )

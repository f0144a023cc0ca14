"""Calendars from the database to the pure clock, and the national holiday sets they draw on.

(Writing national holidays into the database, which must also forget the cached plans, is
``sla.holidays``.)"""

from __future__ import annotations

import threading
from collections.abc import Iterable
from datetime import date, time
from typing import Any

import holidays as holiday_sets

from tierdesk.core.clock import now
from tierdesk.sla import clock
from tierdesk.sla.models import Calendar, Holiday, WorkingInterval

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

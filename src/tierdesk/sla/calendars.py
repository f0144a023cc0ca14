"""Calendars from the database to the pure clock, and the national holiday sets they draw on.

(Writing national holidays into the database, which must also forget the cached plans, is
``sla.holidays``.)"""

from __future__ import annotations

import logging
import threading
from collections.abc import Iterable
from datetime import date, time
from typing import Any

import holidays as holiday_sets

from tierdesk.accounts.services import configuration_problem_raise
from tierdesk.core.clock import now
from tierdesk.sla import clock
from tierdesk.sla.models import Calendar, Holiday, WorkingInterval

# Recurring holidays are expanded over this window around the current year: a deadline is never
# years away, and a bounded set keeps the clock's holiday table small.
YEARS_BACK = 2
YEARS_AHEAD = 3

log = logging.getLogger(__name__)

# What a calendar the clock cannot use counts instead: every minute, in UTC. A ticket is always
# taken and timed; the admins are told the calendar needs fixing.
FALLBACK = clock.Calendar(timezone="UTC", always_open=True)

_cache: dict[tuple[int, int], clock.Calendar] = {}
_cache_lock = threading.Lock()


def clock_calendar(calendar: Calendar) -> clock.Calendar:
    """The pure clock calendar for a row, built once per (id, revision) and process; the
    24x7 UTC ``FALLBACK`` for a row the clock cannot use (saved before validation existed, or
    written around it)."""
    key = (calendar.pk, calendar.revision)
    cached = _cache.get(key)
    if cached is None:
        cached = _build_or_fallback(calendar)
        with _cache_lock:
            _cache[key] = cached
    return cached


def _build_or_fallback(calendar: Calendar) -> clock.Calendar:
    try:
        built = _build(calendar)
        if not built.always_open and built.working_day_seconds == 0:
            raise ValueError("it has no working hours")
    except ValueError as problem:
        log.error("calendar %s (%s) is unusable: %s", calendar.pk, calendar.name, problem)
        configuration_problem_raise(
            key=f"calendar:{calendar.pk}:{calendar.revision}",
            title=f"Calendar {calendar.name!r} cannot be used: {problem}"[:255],
            body=f"Tickets whose plan uses the calendar {calendar.name!r} are timed around the "
            f"clock in UTC until it is fixed. The problem: {problem}.",
        )  # fmt: skip
        return FALLBACK
    return built


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

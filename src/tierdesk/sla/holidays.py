"""National holidays stored as calendar rows (admins may then edit them), a few years ahead.

Changing a calendar's rows bumps its revision, so every process rebuilds its clock calendar, and
forgets the cached plans, whose targets hold the clock calendars (``sla.config``).
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date

from django.db import transaction
from django.db.models import F

from tierdesk.core.clock import now
from tierdesk.sla.calendars import national_holidays
from tierdesk.sla.config import forget_plan_configs
from tierdesk.sla.models import Calendar, Holiday, HolidaySource


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
    Calendar.objects.filter(pk=calendar.pk).update(revision=F("revision") + 1)
    calendar.refresh_from_db(fields=["revision"])
    forget_plan_configs()

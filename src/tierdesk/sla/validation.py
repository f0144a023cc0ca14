"""What a calendar, a plan and their parts must be before they are saved: one home for the rules
that the models' ``clean()`` (so the Django admin), the desk's configuration pages and the
fallback at intake (``sla.calendars``) all apply.

Each check raises Django's ``ValidationError`` with a message a person can act on; the pure
clock (``sla.clock``) would refuse the same values later, at the worst moment: a customer's new
ticket.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import time
from functools import cache
from itertools import pairwise
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError, available_timezones

import holidays as holiday_sets
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

WEEKDAY_NAMES = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
MIDNIGHT = time(0)


@cache
def time_zone_names() -> tuple[str, ...]:
    """Every IANA zone name this machine knows, sorted (the configuration pages' choices)."""
    return tuple(sorted(available_timezones()))


def check_time_zone(name: str) -> None:
    """An IANA name (``Asia/Kolkata``, ``UTC``); anything else is refused."""
    if not name or name not in time_zone_names():
        try:
            ZoneInfo(name)
        except (ZoneInfoNotFoundError, ValueError, TypeError):
            raise ValidationError(
                _("Unknown time zone %(name)s: use an IANA name such as Europe/London."),
                code="unknown_time_zone",
                params={"name": repr(name)},
            ) from None


@cache
def holiday_countries() -> dict[str, tuple[str, ...]]:
    """Country code -> its subdivision codes, from the ``holidays`` package."""
    return {
        code: tuple(subdivisions)
        for code, subdivisions in holiday_sets.list_supported_countries().items()
    }


def check_holiday_set(country: str, subdivision: str) -> None:
    if not country:
        if subdivision:
            raise ValidationError(
                _("A subdivision needs a country."), code="subdivision_without_country"
            )
        return
    known = holiday_countries()
    if country not in known:
        raise ValidationError(
            _("No national holiday set for country %(code)s."),
            code="unknown_country",
            params={"code": repr(country)},
        )
    if subdivision and subdivision not in known[country]:
        raise ValidationError(
            _("%(country)s has no subdivision %(code)s."),
            code="unknown_subdivision",
            params={"country": country, "code": repr(subdivision)},
        )


def _minutes(at: time, *, closing: bool) -> int:
    """Minutes since the day's start; a closing time of 00:00 is the day's end (24:00)."""
    minutes = at.hour * 60 + at.minute
    return 24 * 60 if closing and at == MIDNIGHT else minutes


def check_interval(weekday: int, opens_at: time, closes_at: time) -> None:
    if _minutes(opens_at, closing=False) >= _minutes(closes_at, closing=True):
        raise ValidationError(
            _(
                "%(day)s %(opens)s-%(closes)s closes before it opens: a working interval lies "
                "within one day (use 00:00 as the closing time for midnight)."
            ),
            code="closes_before_it_opens",
            params={
                "day": WEEKDAY_NAMES[weekday],
                "opens": f"{opens_at:%H:%M}",
                "closes": f"{closes_at:%H:%M}",
            },
        )


def check_intervals(intervals: Iterable[tuple[int, time, time]]) -> None:
    """Each interval opens before it closes, and no two of one weekday overlap."""
    by_day: dict[int, list[tuple[int, int, time, time]]] = {}
    errors: list[ValidationError] = []
    for weekday, opens_at, closes_at in intervals:
        try:
            check_interval(weekday, opens_at, closes_at)
        except ValidationError as error:
            errors.append(error)
            continue
        span = (_minutes(opens_at, closing=False), _minutes(closes_at, closing=True))
        by_day.setdefault(weekday, []).append((*span, opens_at, closes_at))
    for weekday, spans in sorted(by_day.items()):
        errors.extend(_overlaps(weekday, sorted(spans)))
    if errors:
        raise ValidationError(errors)


def _overlaps(weekday: int, spans: Sequence[tuple[int, int, time, time]]) -> list[ValidationError]:
    found = []
    for before, after in pairwise(spans):
        if after[0] < before[1]:
            found.append(
                ValidationError(
                    _("%(day)s %(first)s and %(second)s overlap: join them into one interval."),
                    code="overlapping_intervals",
                    params={
                        "day": WEEKDAY_NAMES[weekday],
                        "first": f"{before[2]:%H:%M}-{before[3]:%H:%M}",
                        "second": f"{after[2]:%H:%M}-{after[3]:%H:%M}",
                    },
                )
            )
    return found


def check_working_time(*, always_open: bool, interval_count: int) -> None:
    """A calendar counts some time: 24x7, or at least one working interval."""
    if not always_open and interval_count == 0:
        raise ValidationError(
            _("The calendar has no working hours: add intervals or mark it 24x7."),
            code="no_working_time",
        )


def check_plan_targets(target_count: int) -> None:
    if target_count == 0:
        raise ValidationError(
            _("A plan needs at least one target (a priority, a clock and an amount)."),
            code="plan_without_target",
        )

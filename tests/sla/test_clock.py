"""Business-time arithmetic: worked examples, then properties checked with hypothesis.

The properties compare the fast engine with a slow reference written here from the documented
conventions alone (walk the local days, turn wall times into instants with zoneinfo, fold=0).
"""

from __future__ import annotations

import pickle
import subprocess
import sys
from collections.abc import Sequence
from datetime import UTC, date, datetime, time, timedelta
from itertools import pairwise
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tierdesk.sla.clock import (
    Calendar,
    business_days,
    business_intervals,
    deadline,
    elapsed,
)

IST = ZoneInfo("Asia/Kolkata")
LONDON = ZoneInfo("Europe/London")
HOUR = 3600
WEEKDAYS = ("mon", "tue", "wed", "thu", "fri")
TWO_SHIFTS = [["08:00", "12:30"], ["13:30", "18:00"]]
IST_HOLIDAYS = ["2026-01-26", "2026-03-04", "2026-08-15", "2026-10-02", "2026-12-25"]

OFFICE_IST = Calendar.from_dict({"timezone": "Asia/Kolkata"})
SHIFTS_IST = Calendar.from_dict(
    {
        "timezone": "Asia/Kolkata",
        "week": {day: TWO_SHIFTS for day in WEEKDAYS},
        "holidays": IST_HOLIDAYS,
    }
)
OFFICE_LONDON = Calendar.from_dict({"timezone": "Europe/London"})
# Night shifts on Sunday put working time right inside the DST gap and fold.
NIGHTS_LONDON = Calendar.from_dict(
    {
        "timezone": "Europe/London",
        "week": {**{day: TWO_SHIFTS for day in WEEKDAYS}, "sun": [["00:30", "03:00"]]},
        "holidays": ["2026-12-25"],
    }
)
ALWAYS_LONDON = Calendar.from_dict({"timezone": "Europe/London", "always_open": True})
ALWAYS_LONDON_HOLIDAY = Calendar.from_dict(
    {"timezone": "Europe/London", "always_open": True, "holidays": ["2026-03-29"]}
)
CALENDARS = [SHIFTS_IST, NIGHTS_LONDON, ALWAYS_LONDON, ALWAYS_LONDON_HOLIDAY, OFFICE_LONDON]


def ist(
    year: int, month: int, day: int, hour: int = 0, minute: int = 0, second: int = 0
) -> datetime:
    return datetime(year, month, day, hour, minute, second, tzinfo=IST)


def london(
    year: int, month: int, day: int, hour: int = 0, minute: int = 0, *, fold: int = 0
) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=LONDON, fold=fold)


def at(dt: datetime) -> datetime:
    """The instant in UTC: aware datetimes sharing a tzinfo compare by wall time, ignoring fold."""
    return dt.astimezone(UTC)


def plus(dt: datetime, seconds: int) -> datetime:
    """``seconds`` of real time later, in ``dt``'s zone (plain ``+`` is wall-clock arithmetic)."""
    return (at(dt) + timedelta(seconds=seconds)).astimezone(dt.tzinfo)


def same_instant_and_wall(got: datetime, expected: datetime) -> bool:
    """Equal as instants and shown on the same wall clock (so the zone is right too)."""
    return (
        at(got) == at(expected)
        and got.utcoffset() == expected.utcoffset()
        and (got.replace(tzinfo=None) == expected.replace(tzinfo=None))
    )


# --------------------------------------------------------------------------------------------
# Examples
# --------------------------------------------------------------------------------------------


def test_four_hours_from_friday_afternoon_end_monday_morning() -> None:
    assert deadline(OFFICE_IST, ist(2026, 3, 6, 16), 4 * HOUR) == ist(2026, 3, 9, 10)


def test_a_deadline_is_shown_in_the_calendars_zone() -> None:
    start = ist(2026, 3, 6, 16).astimezone(UTC)
    got = deadline(OFFICE_IST, start, 4 * HOUR)
    assert same_instant_and_wall(got, ist(2026, 3, 9, 10))


def test_holidays_are_skipped() -> None:
    cal = Calendar.from_dict({"timezone": "Asia/Kolkata", "holidays": ["2026-03-09"]})
    assert deadline(cal, ist(2026, 3, 6, 16), 4 * HOUR) == ist(2026, 3, 10, 10)


def test_a_target_used_up_at_closing_time_ends_at_closing_time() -> None:
    assert deadline(OFFICE_IST, ist(2026, 3, 5, 8), 10 * HOUR) == ist(2026, 3, 5, 18)
    assert deadline(OFFICE_IST, ist(2026, 3, 6, 16), 2 * HOUR) == ist(2026, 3, 6, 18)


def test_a_zero_target_ends_at_its_start_even_outside_hours() -> None:
    sunday_night = ist(2026, 3, 8, 23, 17, 5)
    assert same_instant_and_wall(deadline(OFFICE_IST, sunday_night, 0), sunday_night)
    assert deadline(OFFICE_IST, sunday_night, timedelta(0)) == sunday_night


def test_a_saturday_start_begins_counting_on_monday_morning() -> None:
    assert deadline(OFFICE_IST, ist(2026, 3, 7, 11), HOUR) == ist(2026, 3, 9, 9)
    assert elapsed(OFFICE_IST, ist(2026, 3, 7, 11), ist(2026, 3, 9, 9)) == HOUR


def test_the_lunch_break_is_skipped() -> None:
    assert deadline(SHIFTS_IST, ist(2026, 3, 5, 12), HOUR) == ist(2026, 3, 5, 14)
    assert deadline(SHIFTS_IST, ist(2026, 3, 5, 8), 4 * HOUR + 1800) == ist(2026, 3, 5, 12, 30)


def test_seven_business_days_are_seven_typical_days() -> None:
    assert SHIFTS_IST.working_day_seconds == 9 * HOUR
    assert business_days(7, SHIFTS_IST) == 63 * HOUR
    # Thursday 2026-03-05 10:00 + 7 days of Mon-Fri, no holiday in between.
    assert deadline(SHIFTS_IST, ist(2026, 3, 5, 10), business_days(7, SHIFTS_IST)) == ist(
        2026, 3, 16, 10
    )


def test_working_day_seconds_is_the_most_common_day() -> None:
    week = {**{day: [["09:00", "17:00"]] for day in WEEKDAYS}, "sat": [["09:00", "13:00"]]}
    cal = Calendar.from_dict({"timezone": "UTC", "week": week})
    assert cal.working_day_seconds == 8 * HOUR
    assert ALWAYS_LONDON.working_day_seconds == 24 * HOUR


def test_london_keeps_wall_clock_hours_across_the_march_change() -> None:
    start = london(2026, 3, 27, 16)  # Friday, GMT; clocks go forward on Sunday 29th
    assert same_instant_and_wall(deadline(OFFICE_LONDON, start, 4 * HOUR), london(2026, 3, 30, 10))
    assert elapsed(OFFICE_LONDON, start, london(2026, 3, 30, 10)) == 4 * HOUR


def test_london_keeps_wall_clock_hours_across_the_october_change() -> None:
    start = london(2026, 10, 23, 17)  # Friday, BST; clocks go back on Sunday 25th
    assert same_instant_and_wall(deadline(OFFICE_LONDON, start, 2 * HOUR), london(2026, 10, 26, 9))


def test_working_time_inside_the_dst_gap_and_fold_is_real_time() -> None:
    # Sunday 00:30-03:00: 01:00-02:00 does not exist in March and happens twice in October.
    spring, autumn = london(2026, 3, 29), london(2026, 3, 30)
    assert elapsed(NIGHTS_LONDON, spring, autumn) == 90 * 60
    assert elapsed(NIGHTS_LONDON, london(2026, 10, 25), london(2026, 10, 26)) == 210 * 60
    assert deadline(NIGHTS_LONDON, london(2026, 3, 29), 3600) == london(2026, 3, 29, 2, 30)
    ends = deadline(NIGHTS_LONDON, london(2026, 10, 25), 2 * HOUR)
    assert same_instant_and_wall(ends, london(2026, 10, 25, 1, 30, fold=1))


def test_an_interval_wholly_inside_the_gap_moves_past_it() -> None:
    cal = Calendar.from_dict({"timezone": "Europe/London", "week": {"sun": [["01:15", "01:45"]]}})
    [(opens, closes)] = business_intervals(cal, london(2026, 3, 29), london(2026, 3, 30))
    assert (opens, closes) == (london(2026, 3, 29, 2, 15), london(2026, 3, 29, 2, 45))


def test_24x7_counts_real_time_across_dst() -> None:
    got = deadline(ALWAYS_LONDON, london(2026, 3, 29), 3 * HOUR)
    assert same_instant_and_wall(got, london(2026, 3, 29, 4))
    got = deadline(ALWAYS_LONDON, london(2026, 10, 25), 3 * HOUR)
    assert same_instant_and_wall(got, london(2026, 10, 25, 2))
    assert elapsed(ALWAYS_LONDON, london(2026, 10, 25), london(2026, 10, 26)) == 25 * HOUR


def test_a_24x7_calendar_stops_on_its_holidays() -> None:
    got = deadline(ALWAYS_LONDON_HOLIDAY, london(2026, 3, 28, 23), 2 * HOUR)
    assert got == london(2026, 3, 30, 1)


def test_pauses_inside_hours_stop_the_clock() -> None:
    start = ist(2026, 3, 5, 9)
    pause = (ist(2026, 3, 5, 10), ist(2026, 3, 5, 11, 30))
    assert deadline(OFFICE_IST, start, 2 * HOUR, [pause]) == ist(2026, 3, 5, 12, 30)
    assert elapsed(OFFICE_IST, start, ist(2026, 3, 5, 12, 30), [pause]) == 2 * HOUR


def test_pauses_outside_hours_change_nothing() -> None:
    start = ist(2026, 3, 6, 16)
    weekend = (ist(2026, 3, 7, 0), ist(2026, 3, 8, 20))
    assert deadline(OFFICE_IST, start, 4 * HOUR, [weekend]) == ist(2026, 3, 9, 10)


def test_overlapping_unsorted_pauses_count_once() -> None:
    start = ist(2026, 3, 5, 8)
    pauses = [
        (ist(2026, 3, 5, 10), ist(2026, 3, 5, 11)),
        (ist(2026, 3, 5, 9), ist(2026, 3, 5, 10, 30)),
        (ist(2026, 3, 5, 9, 15), ist(2026, 3, 5, 9, 45)),
    ]
    assert deadline(OFFICE_IST, start, 3 * HOUR, pauses) == ist(2026, 3, 5, 13)
    assert elapsed(OFFICE_IST, start, ist(2026, 3, 5, 13), pauses) == 3 * HOUR


def test_a_pause_running_at_the_start_delays_it() -> None:
    start = ist(2026, 3, 5, 9)
    pause = (ist(2026, 3, 5, 8), ist(2026, 3, 5, 10))
    assert deadline(OFFICE_IST, start, HOUR, [pause]) == ist(2026, 3, 5, 11)


def test_a_calendar_without_working_time_raises() -> None:
    never = Calendar.from_dict({"timezone": "Asia/Kolkata", "week": {}})
    assert never.working_day_seconds == 0
    with pytest.raises(ValueError, match="no working time"):
        deadline(never, ist(2026, 3, 5, 9), 1)
    assert deadline(never, ist(2026, 3, 5, 9), 0) == ist(2026, 3, 5, 9)
    assert elapsed(never, ist(2026, 3, 5, 9), ist(2027, 3, 5, 9)) == 0


def test_naive_datetimes_are_refused() -> None:
    naive = datetime(2026, 3, 5, 9)
    with pytest.raises(ValueError, match="aware"):
        deadline(OFFICE_IST, naive, 60)
    with pytest.raises(ValueError, match="aware"):
        elapsed(OFFICE_IST, ist(2026, 3, 5, 9), naive)
    with pytest.raises(ValueError, match="aware"):
        deadline(OFFICE_IST, ist(2026, 3, 5, 9), 60, [(naive, naive)])


def test_business_intervals_explain_a_deadline() -> None:
    start = ist(2026, 3, 6, 12)
    pause = (ist(2026, 3, 9, 9), ist(2026, 3, 9, 9, 30))
    end = deadline(SHIFTS_IST, start, 6 * HOUR + 1800, [pause])
    assert list(business_intervals(SHIFTS_IST, start, end, [pause])) == [
        (ist(2026, 3, 6, 12), ist(2026, 3, 6, 12, 30)),
        (ist(2026, 3, 6, 13, 30), ist(2026, 3, 6, 18)),
        (ist(2026, 3, 9, 8), ist(2026, 3, 9, 9)),
        (ist(2026, 3, 9, 9, 30), ist(2026, 3, 9, 10)),
    ]


def test_elapsed_backwards_is_negative() -> None:
    assert elapsed(OFFICE_IST, ist(2026, 3, 9, 10), ist(2026, 3, 6, 16)) == -4 * HOUR


def test_targets_may_be_timedeltas_and_far_away() -> None:
    start = ist(2026, 3, 5, 9)
    assert deadline(OFFICE_IST, start, timedelta(hours=4)) == deadline(OFFICE_IST, start, 4 * HOUR)
    far = deadline(OFFICE_IST, start, business_days(2600, OFFICE_IST))  # about ten years
    assert elapsed(OFFICE_IST, start, far) == business_days(2600, OFFICE_IST)
    with pytest.raises(ValueError, match="negative"):
        deadline(OFFICE_IST, start, -1)


def test_from_dict_defaults_parses_and_round_trips() -> None:
    assert OFFICE_IST.week[0] == ((time(8), time(18)),)
    assert OFFICE_IST.week[5] == ()
    late = Calendar.from_dict(
        {"timezone": "UTC", "week": {"Friday": [["20:00", "24:00"]], 0: [["8:00", "9:00"]]}}
    )
    assert late.week[4] == ((time(20), time(0)),)
    assert late.to_dict()["week"] == {"mon": [["08:00", "09:00"]], "fri": [["20:00", "24:00"]]}
    for cal in [*CALENDARS, late]:
        assert Calendar.from_dict(cal.to_dict()) == cal
        assert hash(Calendar.from_dict(cal.to_dict())) == hash(cal)
        assert pickle.loads(pickle.dumps(cal)) == cal
    assert NIGHTS_LONDON.holidays == frozenset({date(2026, 12, 25)})


@pytest.mark.parametrize(
    "data",
    [
        {},
        {"timezone": "Mars/Olympus"},
        {"timezone": "UTC", "week": {"mon": [["18:00", "08:00"]]}},
        {"timezone": "UTC", "week": {"funday": [["08:00", "18:00"]]}},
        {"timezone": "UTC", "holidays": ["someday"]},
        {"timezone": "UTC", "holiday": ["2026-01-01"]},
        {"timezone": "UTC", "always_open": "false"},
    ],
)
def test_from_dict_refuses_bad_definitions(data: dict[str, object]) -> None:
    with pytest.raises(ValueError):
        Calendar.from_dict(data)


# --------------------------------------------------------------------------------------------
# Reference implementation: slow and obvious, written from the conventions
# --------------------------------------------------------------------------------------------

Span = tuple[datetime, datetime]


def wall(zone: ZoneInfo, day: date, at: time) -> datetime:
    """Local wall time as an instant, fold=0; a 00:00 closing means the next midnight."""
    return datetime.combine(day, at, tzinfo=zone).astimezone(UTC)


def ref_day_spans(cal: Calendar, day: date) -> list[Span]:
    zone = ZoneInfo(cal.timezone)
    lo, hi = wall(zone, day, time(0)), wall(zone, day + timedelta(days=1), time(0))
    if day in cal.holidays:
        return []
    if cal.always_open:
        return [(lo, hi)]
    spans, prev = [], lo
    for opens, closes in cal.week[day.weekday()]:
        end = wall(zone, day + timedelta(days=1), closes) if closes == time(0) else None
        a = min(max(wall(zone, day, opens), prev), hi)
        b = min(max(end or wall(zone, day, closes), a), hi)
        if b > a:
            spans.append((a, b))
        prev = b
    return spans


def ref_spans(cal: Calendar, start: datetime, pauses: Sequence[Span] = ()) -> list[Span]:
    """Working spans from ``start`` on (70 days are plenty for these tests), minus pauses."""
    first = start.astimezone(ZoneInfo(cal.timezone)).date() - timedelta(days=1)
    out = []
    for n in range(70):
        for a, b in ref_day_spans(cal, first + timedelta(days=n)):
            out.extend(cut(max(a, at(start)), b, pauses))
    return out


def cut(a: datetime, b: datetime, pauses: Sequence[Span]) -> list[Span]:
    pieces = [(a, b)] if a < b else []
    for p, q in ((at(p), at(q)) for p, q in pauses):
        pieces = [s for x, y in pieces for s in ((x, min(y, p)), (max(x, q), y)) if s[0] < s[1]]
    return pieces


def ref_deadline(
    cal: Calendar, start: datetime, seconds: int, pauses: Sequence[Span] = ()
) -> datetime:
    if seconds == 0:
        return start
    left = timedelta(seconds=seconds)
    for a, b in ref_spans(cal, start, pauses):
        if b - a >= left:
            return a + left
        left -= b - a
    raise AssertionError("reference ran out of days")


def ref_elapsed(cal: Calendar, start: datetime, end: datetime, pauses: Sequence[Span] = ()) -> int:
    total = sum(
        ((min(b, end) - a) for a, b in ref_spans(cal, start, pauses) if a < end), timedelta()
    )
    return int(total.total_seconds())


def test_the_clock_is_a_pure_core_without_django() -> None:
    code = "import sys, tierdesk.sla.clock; sys.exit('django' in sys.modules)"
    paths = [p for p in sys.path if p]
    env = {"PYTHONPATH": ":".join(paths), "PATH": ""}
    assert subprocess.run([sys.executable, "-c", code], env=env, check=False).returncode == 0


def test_historic_offset_changes_are_followed() -> None:
    # India moved from +05:30 to +06:30 (war time) on 1942-09-01 and back on 1945-10-15.
    for start in [datetime(1942, 8, 28, 10, tzinfo=UTC), datetime(1945, 10, 12, 3, tzinfo=UTC)]:
        for target in [HOUR, 30 * HOUR, 100 * HOUR]:
            got = deadline(SHIFTS_IST, start, target)
            assert at(got) == at(ref_deadline(SHIFTS_IST, start, target))
            assert elapsed(SHIFTS_IST, start, got) == target


# --------------------------------------------------------------------------------------------
# Properties
# --------------------------------------------------------------------------------------------

BASE = datetime(2025, 12, 1, tzinfo=UTC)
DST_CHANGES = [datetime(2026, 3, 29, 1, tzinfo=UTC), datetime(2026, 10, 25, 1, tzinfo=UTC)]

anywhere = st.integers(0, 400 * 86_400).map(lambda s: BASE + timedelta(seconds=s))
near_dst = st.tuples(st.sampled_from(DST_CHANGES), st.integers(-4 * 86_400, 4 * 86_400)).map(
    lambda pair: pair[0] + timedelta(seconds=pair[1])
)
instants = st.one_of(anywhere, near_dst, near_dst.map(lambda dt: dt.replace(second=0)))
in_zone = st.tuples(instants, st.sampled_from([UTC, IST, LONDON])).map(
    lambda pair: pair[0].astimezone(pair[1])
)
calendars = st.sampled_from(CALENDARS)
targets = st.one_of(st.integers(0, 10 * 86_400), st.sampled_from([0, 1, 1800, 4 * HOUR]))
pause_specs = st.lists(
    st.tuples(st.integers(-86_400, 8 * 86_400), st.integers(0, 2 * 86_400)), max_size=3
)
FAST = settings(max_examples=200, deadline=None)


def around(anchor: datetime, specs: list[tuple[int, int]]) -> list[Span]:
    """Pauses placed relative to ``anchor``, so they overlap the time under test."""
    return [(plus(anchor, offset), plus(anchor, offset + length)) for offset, length in specs]


@FAST
@given(calendars, in_zone, targets, pause_specs)
def test_deadline_agrees_with_the_reference(
    cal: Calendar, start: datetime, target: int, specs: list[tuple[int, int]]
) -> None:
    paused = around(start, specs)
    got = deadline(cal, start, target, paused)
    assert at(got) == at(ref_deadline(cal, start, target, paused))
    assert got.tzinfo == ZoneInfo(cal.timezone)


@FAST
@given(calendars, in_zone, st.integers(0, 12 * 86_400), pause_specs)
def test_elapsed_agrees_with_the_reference(
    cal: Calendar, start: datetime, span: int, specs: list[tuple[int, int]]
) -> None:
    end, paused = plus(start, span), around(start, specs)
    assert elapsed(cal, start, end, paused) == ref_elapsed(cal, start, end, paused)


@FAST
@given(calendars, in_zone, targets, pause_specs)
def test_elapsed_undoes_deadline(
    cal: Calendar, start: datetime, target: int, specs: list[tuple[int, int]]
) -> None:
    paused = around(start, specs)
    assert elapsed(cal, start, deadline(cal, start, target, paused), paused) == target


@FAST
@given(calendars, in_zone, targets, targets, pause_specs)
def test_deadline_grows_with_the_target(
    cal: Calendar, start: datetime, x: int, y: int, specs: list[tuple[int, int]]
) -> None:
    small, large = sorted((x, y))
    paused = around(start, specs)
    assert at(deadline(cal, start, small, paused)) <= at(deadline(cal, start, large, paused))


@FAST
@given(calendars, in_zone, st.integers(0, 5 * 86_400), targets, pause_specs)
def test_deadline_grows_with_the_start(
    cal: Calendar, early: datetime, later_by: int, target: int, specs: list[tuple[int, int]]
) -> None:
    late, paused = plus(early, later_by), around(early, specs)
    assert at(deadline(cal, early, target, paused)) <= at(deadline(cal, late, target, paused))


@FAST
@given(calendars, in_zone, targets, pause_specs, pause_specs.filter(bool))
def test_a_pause_never_brings_a_deadline_forward(
    cal: Calendar,
    start: datetime,
    target: int,
    specs: list[tuple[int, int]],
    extra: list[tuple[int, int]],
) -> None:
    paused = around(start, specs)
    before = deadline(cal, start, target, paused)
    assert at(deadline(cal, start, target, [*paused, *around(start, extra)])) >= at(before)


@FAST
@given(calendars, in_zone, st.integers(0, 6 * 86_400), st.integers(0, 6 * 86_400), pause_specs)
def test_elapsed_is_additive(
    cal: Calendar, a: datetime, ab: int, bc: int, specs: list[tuple[int, int]]
) -> None:
    b, c, paused = plus(a, ab), plus(a, ab + bc), around(a, specs)
    whole = elapsed(cal, a, c, paused)
    assert whole == elapsed(cal, a, b, paused) + elapsed(cal, b, c, paused)
    assert elapsed(cal, c, a, paused) == -whole


@FAST
@given(calendars, in_zone, st.integers(0, 12 * 86_400), pause_specs)
def test_business_intervals_add_up_to_elapsed(
    cal: Calendar, start: datetime, span: int, specs: list[tuple[int, int]]
) -> None:
    end, paused = plus(start, span), around(start, specs)
    pieces = list(business_intervals(cal, start, end, paused))
    assert all(at(a) < at(b) < at(c) for (a, b), (c, _) in pairwise(pieces))
    total = sum((at(b) - at(a) for a, b in pieces), timedelta())
    assert int(total.total_seconds()) == elapsed(cal, start, end, paused)

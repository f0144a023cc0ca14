"""The conventions issue 3 names, one example each (the clock's docstring states them)."""

from __future__ import annotations

from tests.sla.test_clock import (
    HOUR,
    OFFICE_IST,
    OFFICE_LONDON,
    SHIFTS_IST,
    ist,
    london,
    same_instant_and_wall,
)
from tierdesk.sla.clock import deadline, elapsed


def test_a_ticket_opened_before_opening_time_starts_counting_at_opening() -> None:
    assert deadline(OFFICE_IST, ist(2026, 3, 5, 6, 10), 2 * HOUR) == ist(2026, 3, 5, 10)


def test_a_ticket_opened_after_closing_time_starts_counting_next_working_morning() -> None:
    assert deadline(OFFICE_IST, ist(2026, 3, 5, 19, 45), 2 * HOUR) == ist(2026, 3, 6, 10)


def test_a_ticket_opened_on_friday_evening_waits_for_monday() -> None:
    assert deadline(OFFICE_IST, ist(2026, 3, 6, 18, 30), HOUR) == ist(2026, 3, 9, 9)


def test_a_ticket_opened_on_a_holiday_starts_counting_the_next_working_day() -> None:
    # 26 January 2026 (Republic Day) is a Monday holiday on the two-shift calendar: Tuesday
    # gives 4.5 hours before lunch, the fifth hour ends at 14:00.
    assert deadline(SHIFTS_IST, ist(2026, 1, 26, 10), 5 * HOUR) == ist(2026, 1, 27, 14)


def test_a_ticket_opened_exactly_at_closing_time_starts_counting_next_morning() -> None:
    # Working intervals are [open, close): closing time itself is outside hours.
    assert deadline(OFFICE_IST, ist(2026, 3, 5, 18), HOUR) == ist(2026, 3, 6, 9)
    assert elapsed(OFFICE_IST, ist(2026, 3, 5, 18), ist(2026, 3, 6, 8)) == 0


def test_a_pause_over_a_weekend_costs_only_the_working_time_it_covers() -> None:
    # Paused from Friday 17:00 to Monday 09:00: one Friday hour and one Monday hour paused.
    pause = (ist(2026, 3, 6, 17), ist(2026, 3, 9, 9))
    got = deadline(OFFICE_IST, ist(2026, 3, 6, 16), 3 * HOUR, [pause])
    assert got == ist(2026, 3, 9, 11)


def test_a_pause_across_the_dst_change_is_counted_in_real_time() -> None:
    # London, Friday 27 March 2026 16:00 GMT; clocks go forward on Sunday the 29th. A pause
    # from Friday 17:00 GMT to Monday 09:00 BST hides Friday's last hour and Monday's first.
    pause = (london(2026, 3, 27, 17), london(2026, 3, 30, 9))
    got = deadline(OFFICE_LONDON, london(2026, 3, 27, 16), 3 * HOUR, [pause])
    assert same_instant_and_wall(got, london(2026, 3, 30, 11))

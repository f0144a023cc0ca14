"""The explanation of a ticket's clocks, and the ``sla due`` calculator."""

from __future__ import annotations

import json

import pytest
import time_machine

from tests.sla.test_sweep import MON, TUE, ist
from tierdesk.sla.explain import due_from_file, explain_data, explain_text
from tierdesk.tickets import services


def test_explain_shows_plan_target_pauses_and_the_intervals_that_counted(world):
    with time_machine.travel(ist(MON, 9), tick=False):
        ticket = services.ticket_open(
            actor=world.l1, organization=world.acme, subject="Calls drop", body="b", priority=2
        )
    with time_machine.travel(ist(MON, 17), tick=False):
        services.ticket_reply(actor=world.l1, ticket=ticket, body="Which version?")
        services.ticket_pend(actor=world.l1, ticket=ticket, reason="customer")
    with time_machine.travel(ist(TUE, 10), tick=False):
        services.ticket_resume(actor=world.l1, ticket=ticket)
    with time_machine.travel(ist(TUE, 11), tick=False):
        text = explain_text(ticket)
        data = explain_data(ticket)
    resolution = next(c for c in data["clocks"] if c["metric"] == "resolution")
    # 8 business hours on Monday before the pause, 1 on Tuesday after it.
    assert resolution["elapsed_seconds"] == 9 * 3600
    assert resolution["state"] == "running"
    assert "plan: Standard" in text
    assert "paused 2026-11-30T11:30:00+00:00" in text or "paused 2026-11-30T17:00:00+05:30" in text
    assert "Resolution: running  target 20h00m  used 9h00m" in text
    assert "[Standard hours (IST)]" in text


@pytest.fixture
def ist_calendar(tmp_path):
    path = tmp_path / "calendar.json"
    path.write_text(
        json.dumps(
            {
                "timezone": "Asia/Kolkata",
                "week": {
                    d: [["08:00", "12:30"], ["13:30", "18:00"]]
                    for d in ["mon", "tue", "wed", "thu", "fri"]
                },
                "holidays": ["2026-12-02"],
                "holiday_country": "IN",
            }
        )
    )
    return str(path)


def test_sla_due_counts_business_minutes_across_lunch_holidays_and_pauses(ist_calendar):
    # Friday 27 Nov 17:00 + 120 business minutes: 1 h on Friday, then Monday 08:00-09:00.
    assert due_from_file(ist_calendar, "2026-11-27T17:00+05:30", 120) == "2026-11-30T09:00:00+05:30"
    # Tuesday 1 Dec 12:00 + 60: 30 min before lunch, 30 after; Wednesday is a custom holiday.
    assert due_from_file(ist_calendar, "2026-12-01T12:00+05:30", 60) == "2026-12-01T14:00:00+05:30"
    # Guru Nanak's Jayanti (24 Nov 2026) comes from the national set.
    assert due_from_file(ist_calendar, "2026-11-23T17:30+05:30", 60) == "2026-11-25T08:30:00+05:30"
    paused = due_from_file(
        ist_calendar,
        "2026-11-27T17:00+05:30",
        60,
        ["2026-11-27T17:00+05:30/2026-11-27T17:30+05:30"],
    )
    assert paused == "2026-11-30T08:30:00+05:30"


def test_sla_due_refuses_an_instant_without_offset(ist_calendar):
    with pytest.raises(ValueError, match="needs a UTC offset"):
        due_from_file(ist_calendar, "2026-11-27T17:00", 60)

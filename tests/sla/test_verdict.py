"""One verdict for a stopped clock: a response after the due instant is a breach, whatever the
rounding of the seconds used; at or before it, met. The same verdict on the ticket's stored
clock, in ``tierdesk sla explain`` and on the pages (they all read the timeline's result)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import time_machine
from hypothesis import given
from hypothesis import strategies as st

from tierdesk.sla import clock
from tierdesk.sla.explain import explain_data
from tierdesk.sla.timeline import FIRST_RESPONSE, ClockInput, Regime, TargetSpec, compute_clocks
from tierdesk.tickets import services

OPENED = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)
AROUND_THE_CLOCK = clock.Calendar(timezone="UTC", always_open=True)
OFFICE = clock.Calendar(timezone="Europe/Berlin")


def verdict(calendar: clock.Calendar, target: int, stop: datetime) -> tuple[str, datetime | None]:
    regime = Regime(since=OPENED, targets={FIRST_RESPONSE: TargetSpec(target, calendar)})
    data = ClockInput(
        now=stop + timedelta(days=30), regimes=[regime], runs={FIRST_RESPONSE: [(OPENED, stop)]},
        pauses=[],
    )  # fmt: skip
    result = compute_clocks(data)[FIRST_RESPONSE]
    due = clock.deadline(calendar, OPENED, target)
    return result.state, due


@given(
    target=st.integers(min_value=60, max_value=5 * 24 * 3600),
    offset_us=st.integers(min_value=-5_000_000, max_value=5_000_000),
    office=st.booleans(),
)
def test_late_is_late_by_any_fraction_of_a_second(target, offset_us, office):
    calendar = OFFICE if office else AROUND_THE_CLOCK
    due = clock.deadline(calendar, OPENED, target)
    stop = due + timedelta(microseconds=offset_us)
    state, _ = verdict(calendar, target, stop)
    assert state == ("breached" if stop > due else "met")


def test_a_call_back_half_a_second_late_is_a_breach_everywhere(world):
    with time_machine.travel(OPENED, tick=False):
        ticket = services.ticket_open(
            actor=world.acme_contact, organization=world.acme, subject="Down", body="All tills",
            is_emergency=True,
        )  # fmt: skip
    assert ticket.response_due_at == OPENED + timedelta(minutes=30)
    late = OPENED + timedelta(minutes=30, milliseconds=500)
    with time_machine.travel(late, tick=False):
        services.ticket_reply(actor=world.l1, ticket=ticket, body="Calling you now")
    ticket.refresh_from_db()
    assert ticket.response_state == "breached"
    report = explain_data(ticket, at=late + timedelta(hours=1))
    [response] = [c for c in report["clocks"] if c["metric"] == FIRST_RESPONSE]
    assert response["state"] == "breached"


def test_a_call_back_on_the_due_instant_is_met(world):
    with time_machine.travel(OPENED, tick=False):
        ticket = services.ticket_open(
            actor=world.acme_contact, organization=world.acme, subject="Down", body="All tills",
            is_emergency=True,
        )  # fmt: skip
    with time_machine.travel(OPENED + timedelta(minutes=30), tick=False):
        services.ticket_reply(actor=world.l1, ticket=ticket, body="Calling you now")
    ticket.refresh_from_db()
    assert ticket.response_state == "met"

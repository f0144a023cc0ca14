"""SLA clocks on real tickets: warnings, breaches and the escalation chain, travelling in time."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine

from tierdesk.accounts.models import Notification
from tierdesk.sla.models import SlaAlert
from tierdesk.tickets import services
from tierdesk.tickets.models import TicketEvent
from tierdesk.tickets.services.sweep import sla_sweep

IST = ZoneInfo("Asia/Kolkata")
MON, TUE, WED, THU, FRI = range(5)  # the week of Monday 30 November 2026: no Indian holidays


def ist(day: int, hour: int, minute: int = 0) -> datetime:
    return datetime(2026, 11, 30, hour, minute, tzinfo=IST) + timedelta(days=day)


MONDAY_9 = ist(MON, 9)


@pytest.fixture
def p2_ticket(world):
    """A P2 ticket on the Standard plan, opened Monday 09:00 IST, assigned to L1 with a lead."""
    world.service_desk.lead = world.l1_other
    world.service_desk.save()
    with time_machine.travel(MONDAY_9, tick=False):
        ticket = services.ticket_open(
            actor=world.l1, organization=world.acme, subject="Calls drop", body="Since 08:30",
            priority=2,
        )  # fmt: skip
        services.ticket_assign(actor=world.l1, ticket=ticket, assignee=world.l1)
    return ticket


def sweep_at(instant: datetime, workers: int = 1) -> int:
    with time_machine.travel(instant, tick=False):
        return sum(sla_sweep() for _ in range(workers))


def sla_events(ticket) -> list[tuple[str, str, int]]:
    rows = TicketEvent.objects.filter(ticket=ticket, kind__startswith="sla_").order_by("at", "id")
    return [(e.kind, e.data["metric"], e.data["step"]) for e in rows]


def test_opening_stores_due_times_from_the_plan(p2_ticket):
    # P2 on Standard: response in 4 business hours, resolution in 2 business days (20 h).
    assert p2_ticket.sla_plan.slug == "standard"
    assert p2_ticket.response_due_at == ist(MON, 13)
    assert p2_ticket.resolution_due_at == ist(WED, 9)
    assert p2_ticket.response_state == "running"
    # The first thing to happen is the response warning at 75 % (3 business hours).
    assert p2_ticket.sla_next_check_at == ist(MON, 12)


def test_warning_breach_and_every_escalation_step_happen_once(p2_ticket, world):
    timeline = [
        (ist(MON, 11, 59), []),
        (ist(MON, 12), [("sla_warning", "first_response", 0)]),
        (ist(MON, 13), [("sla_breached", "first_response", 0)]),
        (ist(TUE, 14), [("sla_warning", "resolution", 0)]),
        (ist(WED, 9), [("sla_breached", "resolution", 0), ("sla_escalated", "resolution", 1)]),
        (ist(WED, 10), [("sla_escalated", "resolution", 2)]),
        (ist(WED, 13), [("sla_escalated", "resolution", 3)]),
        # The CTO step waits one business day (10 business hours) after the breach.
        (ist(THU, 8, 59), []),
        (ist(THU, 9), [("sla_escalated", "resolution", 4)]),
        (ist(FRI, 9), []),
    ]
    seen: list[tuple[str, str, int]] = []
    for instant, expected in timeline:
        sweep_at(instant, workers=2)  # a second worker sweeping the same instant changes nothing
        seen += expected
        assert sla_events(p2_ticket) == seen, instant
    assert SlaAlert.objects.filter(ticket=p2_ticket).count() == len(seen)
    p2_ticket.refresh_from_db()
    assert p2_ticket.resolution_state == "breached"
    assert p2_ticket.sla_next_check_at is None


def test_each_warning_notifies_the_assignee_and_the_team_lead_once(p2_ticket, world):
    sweep_at(ist(MON, 12), workers=2)
    notified = Notification.objects.filter(ticket=p2_ticket, kind="sla_warning")
    assert sorted(n.recipient.username for n in notified) == ["l1", "l1_other"]


def test_management_steps_notify_the_managers(p2_ticket, world):
    sweep_at(ist(WED, 10))
    step_2 = Notification.objects.filter(ticket=p2_ticket, kind="sla_escalation")
    assert "manager" in {n.recipient.username for n in step_2}


def test_a_first_reply_before_the_due_time_meets_the_response_clock(p2_ticket, world):
    with time_machine.travel(ist(MON, 10), tick=False):
        services.ticket_reply(actor=world.l1, ticket=p2_ticket, body="On it.")
    assert p2_ticket.response_state == "met"
    sweep_at(ist(MON, 13))
    assert ("sla_breached", "first_response", 0) not in sla_events(p2_ticket)


def test_waiting_on_the_customer_pauses_the_clocks(p2_ticket, world):
    with time_machine.travel(ist(MON, 10), tick=False):
        services.ticket_reply(actor=world.l1, ticket=p2_ticket, body="Which version?")
        services.ticket_pend(actor=world.l1, ticket=p2_ticket, reason="customer")
    assert p2_ticket.resolution_state == "paused"
    assert p2_ticket.resolution_due_at is None
    with time_machine.travel(ist(TUE, 10), tick=False):  # a whole business day later
        services.ticket_reply(actor=world.acme_contact, ticket=p2_ticket, body="7.1")
    p2_ticket.refresh_from_db()
    # 1 business hour was used before the pause, so 19 remain from Tuesday 10:00: due Thu 09:00.
    assert p2_ticket.resolution_state == "running"
    assert p2_ticket.resolution_due_at == ist(THU, 9)


def test_a_third_party_wait_does_not_pause_the_standard_plan(p2_ticket, world):
    with time_machine.travel(ist(MON, 10), tick=False):
        services.ticket_pend(actor=world.l1, ticket=p2_ticket, reason="third_party")
    assert p2_ticket.resolution_state == "running"
    assert p2_ticket.resolution_due_at == ist(WED, 9)


def test_raising_the_priority_keeps_the_business_time_used(p2_ticket, world):
    # Two business hours into a P2, the ticket becomes P1: 4 h around the clock, 2 h used.
    with time_machine.travel(ist(MON, 11), tick=False):
        services.ticket_set_priority(actor=world.l1, ticket=p2_ticket, priority=1, reason="down")
    assert p2_ticket.resolution_due_at == ist(MON, 13)


def test_raising_the_priority_past_the_new_target_grants_a_grace_not_a_breach(p2_ticket, world):
    # Five business hours into a P2 (response target 4 h, already breached) -> P1; the
    # resolution clock has used 5 h of P1's 4 h: it gets the last 25 % (1 h) from the change.
    with time_machine.travel(ist(MON, 14), tick=False):
        services.ticket_set_priority(actor=world.l1, ticket=p2_ticket, priority=1, reason="down")
    assert p2_ticket.resolution_state == "running"
    assert p2_ticket.resolution_due_at == ist(MON, 15)


def test_resolving_stops_the_clock_and_reopening_continues_it(p2_ticket, world):
    with time_machine.travel(ist(MON, 11), tick=False):
        services.ticket_resolve(actor=world.l1, ticket=p2_ticket, summary="Restarted the SBC")
    assert p2_ticket.resolution_state == "met"
    assert p2_ticket.sla_next_check_at is None
    with time_machine.travel(ist(TUE, 9), tick=False):
        services.ticket_reopen(actor=world.acme_contact, ticket=p2_ticket, reason="Back again")
    # 2 business hours were used; 18 remain from Tuesday 09:00: Wednesday 17:00.
    assert p2_ticket.resolution_due_at == ist(WED, 17)


def test_an_emergency_gets_the_30_minute_call_back_around_the_clock(world):
    saturday_night = datetime(2026, 11, 28, 23, 0, tzinfo=IST)
    with time_machine.travel(saturday_night, tick=False):
        ticket = services.ticket_open(
            actor=world.acme_contact, organization=world.acme, subject="[Emergency] all down",
            body="Nothing works", is_emergency=True,
        )  # fmt: skip
    assert ticket.priority == 1
    assert ticket.response_due_at == saturday_night + timedelta(minutes=30)


def test_a_killed_sweep_loses_nothing(p2_ticket):
    from django.db import transaction

    class Killed(Exception):
        pass

    with time_machine.travel(ist(MON, 12), tick=False), pytest.raises(Killed), transaction.atomic():
        sla_sweep()
        raise Killed  # the worker dies before its transaction commits
    assert sla_events(p2_ticket) == []
    sweep_at(ist(MON, 12))
    assert sla_events(p2_ticket) == [("sla_warning", "first_response", 0)]

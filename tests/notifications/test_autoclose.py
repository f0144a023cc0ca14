"""Tickets that finish by themselves: a resolved ticket closes after the plan's days unless the
customer replies; a ticket waiting on the customer gets a reminder, then is resolved. Every
step is on the timeline and in the reporter's mail, once however many workers run the job."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
import time_machine

from tierdesk.mail.models import OutboundMail
from tierdesk.sla.models import Plan
from tierdesk.tickets import services
from tierdesk.tickets.models import EventKind, Ticket, TicketEvent
from tierdesk.tickets.services.autoclose import tickets_finish_waiting

T0 = datetime(2026, 12, 1, 10, 0, tzinfo=UTC)


def at(instant, action, *args, **kwargs):
    with time_machine.travel(instant, tick=False):
        return action(*args, **kwargs)


def finish(instant, run_tasks) -> int:
    return sum(at(instant, run_tasks, tickets_finish_waiting) for _ in range(2))  # two workers


def kinds(ticket) -> list[str]:
    return list(TicketEvent.objects.filter(ticket=ticket).values_list("kind", flat=True))


def mails_to_reporter(ticket, kind: str) -> list[OutboundMail]:
    return list(OutboundMail.objects.filter(ticket=ticket, kind=kind))


@pytest.fixture
def ticket(world, run_tasks):
    return at(
        T0, run_tasks, services.ticket_open, actor=world.acme_contact, organization=world.acme,
        subject="Printer on fire", body="Smoke",
    )  # fmt: skip


def test_a_resolved_ticket_closes_after_seven_days_by_default(world, ticket, run_tasks):
    assert ticket.sla_plan.close_resolved_after_days == 7
    at(T0, run_tasks, services.ticket_resolve, actor=world.l1, ticket=ticket, summary="Out")
    assert finish(T0 + timedelta(days=7) - timedelta(minutes=1), run_tasks) == 0
    assert finish(T0 + timedelta(days=7), run_tasks) == 1
    ticket.refresh_from_db()
    assert ticket.status == "closed"
    closed = TicketEvent.objects.get(ticket=ticket, kind=EventKind.CLOSED)
    assert closed.data == {"auto": True} and closed.actor is None and closed.is_public
    [mail] = mails_to_reporter(ticket, "auto_closed")
    assert mail.to_address == world.acme_contact.email and "7 days" in mail.body


def test_a_customer_reply_keeps_it_from_closing(world, ticket, run_tasks):
    at(T0, run_tasks, services.ticket_resolve, actor=world.l1, ticket=ticket, summary="Out")
    later = T0 + timedelta(days=2)
    at(later, run_tasks, services.ticket_reply, actor=world.acme_contact, ticket=ticket,
       body="Still smoking")  # fmt: skip
    assert finish(T0 + timedelta(days=30), run_tasks) == 0
    ticket.refresh_from_db()
    assert ticket.status != "closed"


def test_a_plan_without_days_never_closes_by_itself(world, ticket, run_tasks):
    Plan.objects.filter(pk=ticket.sla_plan_id).update(close_resolved_after_days=None)
    at(T0, run_tasks, services.ticket_resolve, actor=world.l1, ticket=ticket, summary="Out")
    assert finish(T0 + timedelta(days=365), run_tasks) == 0


def test_waiting_on_the_customer_is_off_by_default(world, ticket, run_tasks):
    at(T0, run_tasks, services.ticket_pend, actor=world.l1, ticket=ticket, reason="customer")
    assert finish(T0 + timedelta(days=90), run_tasks) == 0


def test_a_waiting_ticket_gets_a_reminder_then_is_resolved(world, ticket, run_tasks):
    Plan.objects.filter(pk=ticket.sla_plan_id).update(
        remind_pending_after_days=3, resolve_pending_after_days=4
    )
    at(T0, run_tasks, services.ticket_pend, actor=world.l1, ticket=ticket, reason="customer",
       note="Which printer model?")  # fmt: skip
    assert finish(T0 + timedelta(days=3) - timedelta(minutes=1), run_tasks) == 0
    assert finish(T0 + timedelta(days=3), run_tasks) == 1
    assert finish(T0 + timedelta(days=5), run_tasks) == 0  # reminded once
    [reminder] = mails_to_reporter(ticket, "reminder")
    assert "Which printer model?" in reminder.body and "4 days" in reminder.body
    assert finish(T0 + timedelta(days=7), run_tasks) == 1
    ticket.refresh_from_db()
    assert ticket.status == "resolved"
    assert kinds(ticket)[-2:] == [EventKind.REMINDED, EventKind.RESOLVED]
    assert mails_to_reporter(ticket, "resolved")  # mail's own resolution notice


def test_an_answer_after_the_reminder_stops_the_countdown(world, ticket, run_tasks):
    Plan.objects.filter(pk=ticket.sla_plan_id).update(
        remind_pending_after_days=3, resolve_pending_after_days=4
    )
    at(T0, run_tasks, services.ticket_pend, actor=world.l1, ticket=ticket, reason="customer")
    finish(T0 + timedelta(days=3), run_tasks)
    ticket.refresh_from_db()  # the reminder moved its version on
    at(T0 + timedelta(days=4), run_tasks, services.ticket_reply, actor=world.acme_contact,
       ticket=ticket, body="The LaserJet 4")  # fmt: skip
    assert finish(T0 + timedelta(days=30), run_tasks) == 0
    assert Ticket.objects.get(pk=ticket.pk).status != "resolved"

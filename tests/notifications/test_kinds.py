"""Every kind of notification reaches the right people, once: assignment, escalation to my level
or team, a customer's reply on my ticket, a mention in an internal note, an emergency in my
team, every new ticket in my team (by choice), and the SLA sweep's warning and breach."""

from __future__ import annotations

import pytest
import time_machine

from tests.sla.test_sweep import MON, TUE, WED, ist
from tierdesk.accounts.models import Notification, NotificationKind
from tierdesk.notifications.models import NotificationPreference
from tierdesk.tickets import services
from tierdesk.tickets.services.sweep import sla_sweep


def received(user, kind: str) -> list[Notification]:
    return list(Notification.objects.filter(recipient=user, kind=kind))


@pytest.fixture
def ticket(world, run_tasks):
    return run_tasks(
        services.ticket_open, actor=world.acme_contact, organization=world.acme,
        subject="Printer on fire", body="Smoke everywhere",
    )  # fmt: skip


def test_an_agent_hears_of_a_ticket_assigned_to_them(world, ticket, run_tasks):
    run_tasks(services.ticket_assign, actor=world.l1, ticket=ticket, assignee=world.l1_other)
    [note] = received(world.l1_other, NotificationKind.ASSIGNED)
    assert note.ticket == ticket and ticket.reference in note.title


def test_taking_a_ticket_yourself_tells_you_nothing(world, ticket, run_tasks):
    run_tasks(services.ticket_assign, actor=world.l1, ticket=ticket, assignee=world.l1)
    assert received(world.l1, NotificationKind.ASSIGNED) == []


def test_the_team_at_the_new_level_hears_of_an_escalation(world, ticket, run_tasks):
    facts = {"system_details": "HP 4050", "steps_tried": "Water"}
    run_tasks(
        services.ticket_escalate, actor=world.manager, ticket=ticket, reason="r", to_level=2,
        facts=facts,
    )  # fmt: skip
    [note] = received(world.l2, NotificationKind.ESCALATED)
    assert "L2" in note.title
    assert received(world.l1, NotificationKind.ESCALATED) == []


def test_the_assignee_hears_of_the_customers_reply(world, ticket, run_tasks):
    run_tasks(services.ticket_assign, actor=world.l1, ticket=ticket, assignee=world.l1)
    run_tasks(services.ticket_reply, actor=world.l1, ticket=ticket, body="Unplug it.")
    assert received(world.l1, NotificationKind.CUSTOMER_REPLIED) == []  # our own reply
    run_tasks(services.ticket_reply, actor=world.acme_contact, ticket=ticket, body="Done.")
    assert len(received(world.l1, NotificationKind.CUSTOMER_REPLIED)) == 1


def test_a_mention_in_an_internal_note_tells_who_may_see_the_ticket(world, ticket, run_tasks):
    body = "@l1_other please look; @acme_contact must not hear of this; mail@l3.test is no mention"
    run_tasks(services.ticket_note, actor=world.l1, ticket=ticket, body=body)
    assert len(received(world.l1_other, NotificationKind.MENTIONED)) == 1
    assert received(world.acme_contact, NotificationKind.MENTIONED) == []
    assert received(world.l3, NotificationKind.MENTIONED) == []


def test_an_emergency_tells_the_whole_team_urgently(world, run_tasks):
    emergency = run_tasks(
        services.ticket_open, actor=world.acme_contact, organization=world.acme,
        subject="Production down", body="All tills", is_emergency=True,
    )  # fmt: skip
    for agent in (world.l1, world.l1_other):
        [note] = received(agent, NotificationKind.EMERGENCY)
        assert note.urgent and note.ticket == emergency
    assert received(world.l2, NotificationKind.EMERGENCY) == []


def test_every_new_ticket_only_for_who_asked(world, run_tasks):
    NotificationPreference.objects.create(user=world.l1_other, new_tickets=True)
    run_tasks(
        services.ticket_open, actor=world.acme_contact, organization=world.acme,
        subject="Question", body="How do I?",
    )  # fmt: skip
    assert len(received(world.l1_other, NotificationKind.NEW_TICKET)) == 1
    assert received(world.l1, NotificationKind.NEW_TICKET) == []


def test_the_sweep_warns_and_reports_the_breach_to_assignee_and_lead(world):
    world.service_desk.lead = world.l1_other
    world.service_desk.save()
    with time_machine.travel(ist(MON, 9), tick=False):
        ticket = services.ticket_open(
            actor=world.l1, organization=world.acme, subject="s", body="b", priority=2
        )
        services.ticket_assign(actor=world.l1, ticket=ticket, assignee=world.l1)
    for instant in (ist(MON, 12), ist(MON, 13), ist(TUE, 14), ist(WED, 9)):
        with time_machine.travel(instant, tick=False):
            sla_sweep()
            sla_sweep()
    for person in (world.l1, world.l1_other):
        warnings = received(person, NotificationKind.SLA_WARNING)
        breaches = received(person, NotificationKind.SLA_BREACH)
        assert len(warnings) == 2  # first response and resolution, once each
        assert {n.data["metric"] for n in breaches} == {"first_response", "resolution"}

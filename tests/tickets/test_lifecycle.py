"""The ticket lifecycle through the services, as the people using it would notice it."""

from __future__ import annotations

from datetime import timedelta

import pytest
import time_machine
from django.db import transaction

from tierdesk.core.errors import Conflict, InvalidInput, InvalidTransition, MissingFacts, NotFound
from tierdesk.tickets import services
from tierdesk.tickets.models import Category, Ticket
from tierdesk.tickets.services.opening import Impact


def open_acme_ticket(world, **extra):
    return services.ticket_open(
        actor=world.acme_contact,
        organization=world.acme,
        subject="Phones do not enroll",
        body="Since this morning no phone enrolls.",
        category=Category.objects.get(slug="enrollment"),
        **extra,
    )


def test_a_contact_opens_a_ticket_for_their_own_organization_at_level_1(world):
    ticket = open_acme_ticket(world)
    assert ticket.status == "new"
    assert ticket.support_level == 1
    assert ticket.team == world.service_desk
    assert ticket.reporter.user == world.acme_contact
    assert ticket.reference == f"TD-{ticket.pk + 1000}"
    assert list(ticket.events.values_list("kind", flat=True)) == ["opened"]


def test_a_contact_cannot_open_a_ticket_for_another_organization(world):
    with pytest.raises(NotFound):
        services.ticket_open(
            actor=world.acme_contact, organization=world.globex, subject="x", body="y"
        )


def test_a_partner_customers_ticket_goes_to_the_partners_desk(world):
    ticket = services.ticket_open(
        actor=world.cobalt_contact, organization=world.cobalt, subject="x", body="y"
    )
    assert ticket.team == world.bluebird_desk


def test_the_first_agent_reply_opens_the_ticket_and_counts_as_first_response(world):
    ticket = open_acme_ticket(world)
    services.ticket_reply(actor=world.l1, ticket=ticket, body="Looking into it.")
    ticket.refresh_from_db()
    assert ticket.status == "open"
    assert ticket.first_response_at is not None


def test_an_internal_note_is_no_response(world):
    ticket = open_acme_ticket(world)
    services.ticket_note(actor=world.l1, ticket=ticket, body="Probably the APNs cert.")
    ticket.refresh_from_db()
    assert ticket.status == "new"
    assert ticket.first_response_at is None


def test_escalation_names_every_missing_fact_and_changes_nothing(world):
    ticket = open_acme_ticket(world)
    with pytest.raises(MissingFacts) as refused:
        services.ticket_escalate(actor=world.l1, ticket=ticket, reason="needs L2")
    assert refused.value.missing == ["system_details", "steps_tried", "screenshots"]
    ticket.refresh_from_db()
    assert ticket.support_level == 1
    assert not ticket.events.filter(kind="escalated").exists()


def test_escalation_with_the_facts_moves_the_ticket_to_the_level_2_team(world):
    ticket = open_acme_ticket(world)
    services.ticket_assign(actor=world.l1, ticket=ticket, assignee=world.l1)
    services.ticket_escalate(
        actor=world.l1, ticket=ticket, reason="APNs looks fine, needs L2",
        facts={"system_details": "iOS 18.2, agent 7.1", "steps_tried": "Re-enrolled twice",
               "screenshots": "error.png in the first message"},
    )  # fmt: skip
    ticket.refresh_from_db()
    assert (ticket.support_level, ticket.team, ticket.assignee) == (2, world.tech_support, None)


def test_an_l1_agent_may_not_resolve_an_l2_ticket_but_may_still_note(world):
    ticket = open_acme_ticket(
        world, facts={"system_details": "a", "steps_tried": "b", "screenshots": "c"}
    )
    services.ticket_escalate(actor=world.manager, ticket=ticket, reason="r", to_level=2)
    with pytest.raises(NotFound):  # the L2 team's ticket is out of L1's sight now
        services.ticket_resolve(actor=world.l1, ticket=ticket, summary="done")


def test_a_stale_write_is_refused_not_lost(world):
    ticket = open_acme_ticket(world)
    stale = Ticket.objects.get(pk=ticket.pk)
    services.ticket_set_priority(actor=world.l1, ticket=ticket, priority=2, reason="VIP")
    with pytest.raises(Conflict):
        services.ticket_set_priority(actor=world.l1_other, ticket=stale, priority=4, reason="meh")
    ticket.refresh_from_db()
    assert ticket.priority == 2


def test_impact_sets_severity_and_priority_until_an_agent_overrides(world):
    ticket = open_acme_ticket(world, impact=Impact(affected=20, total=100, unit="seats"))
    assert (ticket.severity, ticket.priority) == ("critical", 1)
    services.ticket_set_impact(actor=world.l1, ticket=ticket, impact=Impact(5, 100, "seats"))
    assert (ticket.severity, ticket.priority) == ("major", 2)
    services.ticket_set_priority(actor=world.l1, ticket=ticket, priority=3, reason="workaround")
    services.ticket_set_impact(actor=world.l1, ticket=ticket, impact=Impact(80, 400, "calls"))
    assert (ticket.severity, ticket.priority) == ("critical", 3)


def test_pend_resume_resolve_close_reopen(world):
    ticket = open_acme_ticket(world)
    services.ticket_pend(actor=world.l1, ticket=ticket, reason="customer", note="need logs")
    with pytest.raises(InvalidTransition):
        services.ticket_close(actor=world.l1, ticket=ticket)
    services.ticket_resume(actor=world.l1, ticket=ticket)
    services.ticket_resolve(actor=world.l1, ticket=ticket, summary="Renewed the APNs cert.")
    services.ticket_close(actor=world.acme_contact, ticket=ticket)
    services.ticket_reopen(actor=world.acme_contact, ticket=ticket, reason="Back again")
    assert ticket.status == "open"
    kinds = list(ticket.events.values_list("kind", flat=True))
    assert kinds == ["opened", "pended", "resumed", "resolved", "closed", "reopened"]


def test_a_customer_reply_to_a_ticket_waiting_on_them_resumes_it(world):
    ticket = open_acme_ticket(world)
    services.ticket_pend(actor=world.l1, ticket=ticket, reason="customer")
    services.ticket_reply(actor=world.acme_contact, ticket=ticket, body="Here are the logs.")
    ticket.refresh_from_db()
    assert ticket.status == "open"


def test_reopening_after_the_window_opens_a_linked_follow_up(world, settings):
    settings.TIERDESK_REOPEN_DAYS = 14
    ticket = open_acme_ticket(world)
    services.ticket_resolve(actor=world.l1, ticket=ticket, summary="fixed")
    services.ticket_close(actor=world.acme_contact, ticket=ticket)
    with time_machine.travel(ticket.closed_at + timedelta(days=15)):
        follow_up = services.ticket_reopen(actor=world.acme_contact, ticket=ticket, reason="again")
    assert follow_up.pk != ticket.pk
    assert follow_up.follow_up_of == ticket
    ticket.refresh_from_db()
    assert ticket.status == "closed"


def test_round_robin_hands_tickets_out_in_turn(world):
    first = open_acme_ticket(world)
    second = open_acme_ticket(world)
    services.ticket_assign_round_robin(actor=world.manager, ticket=first)
    services.ticket_assign_round_robin(actor=world.manager, ticket=second)
    assert {first.assignee, second.assignee} == {world.l1, world.l1_other}


def test_a_contact_may_not_write_internal_notes(world):
    ticket = open_acme_ticket(world)
    with pytest.raises(Exception) as refused:
        services.ticket_note(actor=world.acme_contact, ticket=ticket, body="hi")
    assert getattr(refused.value, "status", None) == 403


def test_a_refused_reply_leaves_the_callers_transaction_usable(world):
    ticket = open_acme_ticket(world)
    with transaction.atomic():
        with pytest.raises(InvalidInput):
            services.ticket_reply(actor=world.l1, ticket=ticket, body="Hi", body_format="rtf")
        services.ticket_reply(actor=world.l1, ticket=ticket, body="Looking into it.")
    assert ticket.messages.count() == 2


def test_an_empty_reply_is_refused_with_the_field(world):
    ticket = open_acme_ticket(world)
    with pytest.raises(InvalidInput) as refused:
        services.ticket_reply(actor=world.l1, ticket=ticket, body="  ")
    assert refused.value.field == "body"

"""A batch's ``UnitOfWork``: the histories and plans it read up front are the ones the tables
give, it keeps them current as its services write, and what it defers is written when it
finishes."""

from __future__ import annotations

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext

from tests.sla.test_plan_choice import subscribe
from tierdesk.core import search
from tierdesk.sla.clocks import load_events
from tierdesk.tickets import services
from tierdesk.tickets.models import Ticket, TicketEvent
from tierdesk.tickets.services.unit import UnitOfWork, histories_of


def open_ticket(world, subject="Calls drop"):
    return services.ticket_open(
        actor=world.acme_contact, organization=world.acme, subject=subject, body="All of them."
    )


def stored_history(ticket):
    return [(e.kind, e.at, e.data) for e in TicketEvent.objects.filter(ticket=ticket)]


def test_histories_are_every_tickets_events_in_order_in_one_query(world, django_assert_num_queries):
    tickets = [open_ticket(world, f"Case {n}") for n in range(3)]
    services.ticket_pend(actor=world.l1, ticket=tickets[0], reason="customer")
    services.ticket_reply(actor=world.acme_contact, ticket=tickets[0], body="Logs attached.")
    first = TicketEvent.objects.filter(ticket=tickets[2]).first()
    # Two events at the same instant (the id decides) and nested JSON.
    TicketEvent.objects.create(
        ticket=tickets[2], kind="replied", at=first.at, data={"a": [1, {"b": None}], "c": "é"}
    )
    TicketEvent.objects.create(ticket=tickets[2], kind="pended", at=first.at, data={})
    pks = [ticket.pk for ticket in tickets]
    with django_assert_num_queries(1):
        found = histories_of([pks[2], pks[0], max(pks) + 100, pks[1]])
    assert list(found) == [pks[2], pks[0], max(pks) + 100, pks[1]]
    assert found[max(pks) + 100] == []
    for ticket in tickets:
        assert [(e.kind, e.at, e.data) for e in found[ticket.pk]] == stored_history(ticket)
    with django_assert_num_queries(0):
        assert histories_of([]) == {}


def test_events_written_with_the_unit_join_its_histories_in_order(world):
    ticket = open_ticket(world)
    work = UnitOfWork.preloaded(ticket_ids=[ticket.pk])

    services.ticket_reply(actor=world.l1, ticket=ticket, body="Which version?", work=work)
    services.ticket_note(actor=world.l1, ticket=ticket, body="Known bug.", work=work)
    services.ticket_reply(actor=world.acme_contact, ticket=ticket, body="7.1", work=work)

    held = load_events(ticket, work.histories)
    assert [event.kind for event in held] == ["opened", "replied", "noted", "replied"]
    assert held == histories_of([ticket.pk])[ticket.pk]


def test_a_forgotten_history_is_read_again_from_the_tables(world):
    ticket = open_ticket(world)
    work = UnitOfWork.preloaded(ticket_ids=[ticket.pk])
    with pytest.raises(RuntimeError), transaction.atomic():
        services.ticket_reply(actor=world.l1, ticket=ticket, body="Rolled back.", work=work)
        raise RuntimeError("rolled back")
    assert work.histories.get(ticket.pk) is not None  # it holds the rolled-back reply
    work.forget()
    assert [event.kind for event in load_events(ticket, work.histories)] == ["opened"]


def test_a_unit_opens_tickets_on_the_plans_it_chose_without_asking_again(world):
    subscribe(world.acme, "premium-24x7")
    work = UnitOfWork.preloaded(organizations=[world.acme])
    with CaptureQueriesContext(connection) as queries:
        ticket = services.ticket_open(
            actor=world.acme_contact, organization=world.acme, subject="x", body="y", work=work
        )
    assert ticket.sla_plan.slug == "premium-24x7"
    assert not [q for q in queries.captured_queries if "crm_subscription" in q["sql"]]


def test_search_documents_wait_for_the_unit_to_finish(world):
    ticket = open_ticket(world)
    work = UnitOfWork()
    services.ticket_note(actor=world.l1, ticket=ticket, body="Quokka driver.", work=work)
    assert work.search_ids == {ticket.pk}
    assert not search.filter_matching(Ticket.objects.all(), "quokka", include_internal=True)
    work.finish()
    assert work.search_ids == set()
    assert list(search.filter_matching(Ticket.objects.all(), "quokka", include_internal=True)) == [
        ticket
    ]

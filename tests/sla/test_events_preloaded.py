"""A batch's preloaded ticket histories (``events_preloaded``): the clocks computed from them
must be the ones the stored events give."""

from __future__ import annotations

import pytest
from django.db import transaction

from tierdesk.sla.clocks import (
    events_preloaded,
    load_events,
    load_events_of,
    preloaded_events_forget,
)
from tierdesk.tickets import services


def open_ticket(world):
    return services.ticket_open(
        actor=world.acme_contact, organization=world.acme, subject="Calls drop", body="All of them."
    )


def test_events_written_while_preloaded_join_the_preloaded_history_in_order(world):
    ticket = open_ticket(world)

    with events_preloaded([ticket.pk]):
        services.ticket_pend(actor=world.l1, ticket=ticket, reason="customer")
        services.ticket_reply(actor=world.acme_contact, ticket=ticket, body="Logs attached.")
        services.ticket_reply(actor=world.l1, ticket=ticket, body="Thanks.")
        preloaded = load_events(ticket)

    assert [event.kind for event in preloaded] == ["opened", "pended", "replied", "replied"]
    assert preloaded == load_events_of([ticket.pk])[ticket.pk]


def test_a_forgotten_preload_reads_the_stored_history_again(world):
    ticket = open_ticket(world)

    with events_preloaded([ticket.pk]):
        with pytest.raises(RuntimeError), transaction.atomic():
            services.ticket_pend(actor=world.l1, ticket=ticket, reason="customer")
            raise RuntimeError("rolled back")
        preloaded_events_forget()

        assert [event.kind for event in load_events(ticket)] == ["opened"]

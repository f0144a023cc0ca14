"""The "breaching soon" queue reads a vendor agent's visibility branch by branch (fast on a big
table); the page it gives must be exactly the plain ``visible()`` query's, page after page."""

from __future__ import annotations

from datetime import timedelta

import pytest

from tests.web.conftest import open_ticket
from tierdesk.core.clock import now
from tierdesk.desk import selectors
from tierdesk.sla.models import AlertKind, SlaAlert
from tierdesk.tickets import services
from tierdesk.tickets.models import Ticket
from tierdesk.tickets.selectors import TicketFilters


def due_soon(world) -> None:
    """Open tickets in every branch of visibility (a team, assigned to someone, team-less at each
    level), some inside their warning window (warned, due soon) in shuffled order with ties,
    some not warned yet, some finished."""
    teams = [world.service_desk, world.tech_support, world.research, None]
    customers = [(world.acme_contact, world.acme), (world.cobalt_contact, world.cobalt)]
    at = now()
    for number in range(24):
        contact, organization = customers[number % 2]
        ticket = open_ticket(contact, organization, f"Due soon {number}")
        level = 1 + number % 3
        if number % 5 == 0:
            services.ticket_assign(actor=world.manager, ticket=ticket, assignee=world.l1)
        minutes = 10 + (number * 7) % 11 * 20  # repeats: ties are broken by id
        warned = number % 6 != 0
        due = at + timedelta(minutes=minutes) if warned else at + timedelta(days=2)
        Ticket.objects.filter(pk=ticket.pk).update(
            team=teams[number % 4], support_level=level, sla_next_check_at=due,
            status="resolved" if number == 7 else "open", response_state="",
            resolution_state="running", resolution_due_at=due, update_state="",
        )  # fmt: skip
        if warned:  # the sweep warned: the ticket is inside its warning window
            SlaAlert.objects.create(
                ticket=ticket, metric="resolution", kind=AlertKind.WARNING, due_at=at,
                fired_at=at,
            )  # fmt: skip


@pytest.mark.parametrize("persona", ["l1", "l1_other", "l2", "l3", "partner_agent", "manager"])
@pytest.mark.parametrize("filters", [None, TicketFilters(priority=[3]), TicketFilters(q="soon")])
def test_breaching_soon_shows_exactly_what_the_plain_visible_query_shows(world, persona, filters):
    due_soon(world)
    user = world.persona(persona)
    tickets = selectors.queue_queryset(user=user, view="breaching", filters=filters)
    plain = [t.pk for t in tickets]
    assert plain, "every persona should have something due soon"
    for size in (1, 3, 5, len(plain) + 1):
        for start in range(0, len(plain) + 1, size):
            got = selectors.queue_slice(
                user=user, view="breaching", filters=filters, start=start, count=size
            )
            assert [row.pk for row in got] == plain[start : start + size]


def test_the_breaching_page_lists_an_agents_own_ticket_of_another_team(world, client_as):
    due_soon(world)
    mine = Ticket.objects.filter(assignee=world.l1, team=world.research, status="open")
    ticket = mine.exclude(sla_next_check_at__gt=now() + timedelta(hours=4)).first()
    assert ticket is not None
    response = client_as("l1").get("/desk/queue/breaching/")
    assert ticket.reference in response.content.decode()

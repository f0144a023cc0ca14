"""The desk's ticket page: who opens which ticket, what it reads, and in how many statements."""

from __future__ import annotations

import pytest
from django.core.files.base import ContentFile

from tests.desk.test_tenancy import AGENTS
from tierdesk.reports import services as report_services
from tierdesk.tickets import policies, services
from tierdesk.tickets import selectors as ticket_selectors
from tierdesk.tickets.models import Ticket


@pytest.mark.parametrize("persona", AGENTS)
def test_an_agent_opens_exactly_the_tickets_their_lists_show(desk, client_as, persona):
    """The page checks one ticket with ``policies.can``; its lists filter with ``visible``: the
    two faces of the rule must let the same agent reach the same tickets."""
    user = desk.world.persona(persona)
    client = client_as(persona)
    for ticket in (desk.acme, desk.globex, desk.cobalt, desk.umbrella):
        listed = policies.visible(user, policies.VIEW, Ticket.objects.filter(pk=ticket.pk))
        expected = 200 if listed.exists() else 404
        response = client.get(f"/desk/tickets/{ticket.reference}/")
        assert response.status_code == expected, (persona, ticket.subject)


def test_an_unknown_or_malformed_reference_is_a_404(desk, client_as):
    client = client_as("l1")
    for ref in ("TD-999999999", "999999999999999999", "TD-0", "TD-abc", "TD-1e3"):
        assert client.get(f"/desk/tickets/{ref}/").status_code == 404, ref


def test_a_rated_ticket_shows_the_rating_without_a_statement_of_its_own(
    desk, client_as, django_assert_max_num_queries
):
    world = desk.world
    services.ticket_resolve(actor=world.l1, ticket=desk.acme, summary="Re-enrolled.")
    resolved = Ticket.objects.get(pk=desk.acme.pk)
    report_services.ticket_rate(
        actor=world.acme_contact, ticket=resolved, good=False, comment="Took long", channel="portal"
    )
    agent = client_as("l1")
    url = f"/desk/tickets/{resolved.reference}/"
    agent.get(url)  # the first page loads the configuration caches
    # The session, the user with their principal, the ticket with its people and rating, the
    # messages, the attachments and the events.
    with django_assert_max_num_queries(6):
        page = agent.get(url).content.decode()
    assert 'id="ticket-rating"' in page
    assert "bad" in page and "Took long" in page


def test_a_ticket_never_rated_shows_no_rating(desk, client_as):
    services.ticket_resolve(actor=desk.world.l1, ticket=desk.acme, summary="Re-enrolled.")
    page = client_as("l1").get(f"/desk/tickets/{desk.acme.reference}/").content.decode()
    assert 'id="ticket-rating"' not in page


@pytest.mark.parametrize("persona", ["l1", "acme_contact"])
def test_the_conversation_is_what_the_ticket_selectors_give(desk, persona):
    """``ticket_conversation`` (compiled once) reads what ``ticket_messages``,
    ``ticket_attachments`` and ``ticket_events`` read: internal notes and files only for
    the support side."""
    world = desk.world
    note = services.ticket_note(actor=world.l1, ticket=desk.acme, body="Checked the MDM logs.")
    services.attachment_add(
        actor=world.l1, ticket=desk.acme, stream=ContentFile(b"mdm\n"), filename="mdm.log",
        internal=True,
    )  # fmt: skip
    services.ticket_reply(actor=world.l1, ticket=desk.acme, body="Please restart the phone.")
    user = world.persona(persona)
    ticket = Ticket.objects.get(pk=desk.acme.pk)
    read = ticket_selectors.ticket_conversation(user=user, ticket=ticket)

    def ids(rows):
        return [row.pk for row in rows]

    assert ids(read.messages) == ids(ticket_selectors.ticket_messages(user=user, ticket=ticket))
    assert ids(read.events) == ids(ticket_selectors.ticket_events(user=user, ticket=ticket))
    attachments = ticket_selectors.ticket_attachments(user=user, ticket=ticket)
    assert ids(read.attachments) == ids(attachments)
    internal = persona == "l1"
    assert (note.pk in ids(read.messages)) is internal
    assert ("mdm.log" in [a.filename for a in read.attachments]) is internal
    assert all(m.author is not None for m in read.messages if m.by_agent)

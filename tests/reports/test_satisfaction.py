"""Satisfaction: one click from the resolution mail, or the portal; shown on the ticket."""

from __future__ import annotations

import re

import pytest

from tests.web.conftest import open_ticket
from tierdesk.core.rating_links import rating_token
from tierdesk.crm.models import Contact
from tierdesk.mail.notices import notice_for_event
from tierdesk.mail.rendering import render
from tierdesk.reports.models import Rating
from tierdesk.tickets import services
from tierdesk.tickets.models import EventKind, TicketEvent


@pytest.fixture
def resolved(world):
    ticket = open_ticket(world.acme_contact, world.acme, "Printer jammed")
    services.ticket_resolve(actor=world.l1, ticket=ticket, summary="Cleared the jam.")
    return ticket


def test_the_resolution_mail_rates_in_one_click(client, resolved):
    event = TicketEvent.objects.get(ticket=resolved, kind=EventKind.RESOLVED)
    notice = notice_for_event(event.pk)
    assert notice is not None
    links = {
        verdict: url
        for verdict, url in zip(
            ("good", "bad"), re.findall(r"http\S+/rate/\S+/", _body(notice)), strict=True
        )
    }
    response = client.get(links["good"].removeprefix("http://127.0.0.1:8000"))
    assert response.status_code == 200
    rating = Rating.objects.get(ticket=resolved)
    assert rating.good and rating.channel == "mail"
    # The page takes a comment, and a change of mind, with the same token.
    bad = links["bad"].removeprefix("http://127.0.0.1:8000")
    client.post(bad, {"comment": "It jammed again the next day."})
    rating.refresh_from_db()
    assert not rating.good and rating.comment == "It jammed again the next day."
    assert Rating.objects.count() == 1


def _body(notice):
    return render(notice["kind"], notice["context"]).body


def test_a_forged_or_foreign_link_rates_nothing(client, world, resolved):
    assert client.get("/reports/rate/not-a-token/good/").status_code == 404
    colleague = Contact.objects.get(user=world.acme_colleague)
    foreign = rating_token(resolved.pk, colleague.pk)  # signed, but not for the reporter
    assert client.get(f"/reports/rate/{foreign}/good/").status_code == 404
    reporter = Contact.objects.get(user=world.acme_contact)
    token = rating_token(resolved.pk, reporter.pk)
    assert client.get(f"/reports/rate/{token}/meh/").status_code == 404
    assert not Rating.objects.exists()


def test_an_open_ticket_cannot_be_rated(client, world):
    ticket = open_ticket(world.acme_contact, world.acme, "Still broken")
    token = rating_token(ticket.pk, Contact.objects.get(user=world.acme_contact).pk)
    assert client.get(f"/reports/rate/{token}/good/").status_code == 404


def test_the_reporter_rates_in_the_portal_and_agents_see_it(client_as, world, resolved):
    reporter = client_as("acme_contact")
    portal = reporter.get(f"/tickets/{resolved.reference}/")
    assert b'id="rate-link"' in portal.content
    url = f"/reports/rate-ticket/{resolved.reference}/"
    saved = reporter.post(url, {"verdict": "good", "comment": "Quick!"}, follow=True)
    assert b"your rating is saved" in saved.content
    assert Rating.objects.get(ticket=resolved).channel == "portal"
    assert reporter.post(url, {"verdict": "so-so"}).status_code == 400
    for persona in ("acme_colleague", "globex_contact", "l1", "manager"):
        assert client_as(persona).get(url).status_code == 404, persona
    desk = client_as("l1").get(f"/desk/tickets/{resolved.reference}/")
    assert (
        b"Reporter&#x27;s rating:</strong> good" in desk.content
        or b"rating:</strong> good" in desk.content
    )

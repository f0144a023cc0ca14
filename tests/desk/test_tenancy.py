"""Every page this part of the desk adds, for every persona: a contact or anonymous visitor
finds nothing, a partner's agent only its own customers, another tenant's object is a 404."""

from __future__ import annotations

from typing import Any

import pytest
from django.urls import reverse

from tests.conftest import PERSONAS
from tierdesk.crm.models import Contact
from tierdesk.desk.models import TicketPresence
from tierdesk.tickets.models import Ticket

CONTACTS = {"acme_contact", "acme_colleague", "globex_contact", "cobalt_contact",
            "umbrella_contact"}  # fmt: skip
AGENTS = sorted(set(PERSONAS) - CONTACTS)


def pages(desk: Any) -> dict[str, tuple[str, str, dict[str, Any]]]:
    """name -> (method, URL, data) about Acme's ticket, organization and contact."""
    acme, ref = desk.world.acme, desk.acme.reference
    contact = Contact.objects.get(user=desk.world.acme_contact)
    return {
        "search": ("get", reverse("desk:search"), {"q": "enroll"}),
        "search_ref": ("get", reverse("desk:search"), {"q": ref}),
        "organization": ("get", reverse("desk:organization", kwargs={"pk": acme.pk}), {}),
        "contact": ("get", reverse("desk:contact", kwargs={"pk": contact.pk}), {}),
        "take": ("post", reverse("desk:ticket_take", kwargs={"ref": ref}), {}),
        "presence": ("post", reverse("desk:ticket_presence", kwargs={"ref": ref}), {}),
        "bulk": ("post", reverse("desk:queue_bulk", kwargs={"view": "team"}),
                 {"ticket": [desk.acme.pk], "action": "note", "text": "bulk note"}),
    }  # fmt: skip


def call(client: Any, page: tuple[str, str, dict[str, Any]]) -> Any:
    method, url, data = page
    return getattr(client, method)(url, data)


@pytest.mark.parametrize("name", ["search", "search_ref", "organization", "contact", "take",
                                  "presence", "bulk"])  # fmt: skip
@pytest.mark.parametrize("persona", sorted(CONTACTS))
def test_a_contact_finds_none_of_these_pages(desk, client_as, persona, name):
    assert call(client_as(persona), pages(desk)[name]).status_code == 404


@pytest.mark.parametrize("name", ["search", "organization", "contact", "take", "presence",
                                  "bulk"])  # fmt: skip
def test_anonymous_visitors_are_sent_to_sign_in(desk, client_as, name):
    response = call(client_as(None), pages(desk)[name])
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")


@pytest.mark.parametrize("persona", ["partner_agent", "other_partner_agent"])
@pytest.mark.parametrize("name", ["organization", "contact", "take", "presence"])
def test_a_partners_agent_gets_404_for_a_direct_customers_objects(desk, client_as, persona, name):
    assert call(client_as(persona), pages(desk)[name]).status_code == 404
    assert not TicketPresence.objects.exists()
    assert Ticket.objects.get(pk=desk.acme.pk).assignee is None


@pytest.mark.parametrize("persona", ["partner_agent", "other_partner_agent"])
def test_a_partners_agent_neither_opens_nor_finds_a_direct_customers_ticket(
    desk, client_as, persona
):
    client = client_as(persona)
    by_ref = call(client, pages(desk)["search_ref"])
    by_words = call(client, pages(desk)["search"])
    assert by_ref.status_code == 200  # searched as words: no redirect, nothing revealed
    for response in (by_ref, by_words):
        assert desk.acme.subject not in response.content.decode()
        assert f"/desk/tickets/{desk.acme.reference}/" not in response.content.decode()


@pytest.mark.parametrize("persona", ["partner_agent", "other_partner_agent"])
def test_a_partners_bulk_action_on_a_direct_customers_ticket_is_refused(desk, client_as, persona):
    response = call(client_as(persona), pages(desk)["bulk"])
    assert response.status_code == 302
    assert not Ticket.objects.get(pk=desk.acme.pk).messages.filter(body="bulk note").exists()


@pytest.mark.parametrize("persona", AGENTS)
def test_every_agent_reaches_what_they_may_see(desk, client_as, persona):
    """Vendor agents, managers and admins see Acme's pages; a partner sees its own customer's."""
    client = client_as(persona)
    partner = persona in {"partner_agent", "other_partner_agent"}
    for name in ("search", "organization", "contact"):
        expected = 404 if partner and name != "search" else 200
        assert call(client, pages(desk)[name]).status_code == expected, name
    if persona == "partner_agent":
        cobalt = reverse("desk:organization", kwargs={"pk": desk.world.cobalt.pk})
        assert client.get(cobalt).status_code == 200
    if persona == "other_partner_agent":
        umbrella = reverse("desk:organization", kwargs={"pk": desk.world.umbrella.pk})
        cobalt = reverse("desk:organization", kwargs={"pk": desk.world.cobalt.pk})
        assert client.get(umbrella).status_code == 200
        assert client.get(cobalt).status_code == 404

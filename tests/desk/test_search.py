"""The desk's one search box: a ticket's number opens it; names, addresses and words find
tickets (closed ones too), organizations, contacts and articles, within what the agent sees."""

from __future__ import annotations

import pytest

from tests.web.conftest import open_ticket
from tests.web.test_tenancy import public_article
from tierdesk.crm.models import Contact
from tierdesk.desk.selectors import search
from tierdesk.kb import search as kb_search
from tierdesk.tickets import services


def titles(response, key: str) -> list[str]:
    found = response.context["found"]
    group = next(g for g in found.groups if g.provider.key == key)
    return [hit.title for hit in group.shown]


@pytest.mark.parametrize("typed", ["{ref}", "{number}", "#{number}", " {ref_lower} "])
def test_a_tickets_reference_or_number_opens_the_ticket(desk, client_as, typed):
    ref = desk.acme.reference
    text = typed.format(ref=ref, number=ref.split("-")[1], ref_lower=ref.lower())
    response = client_as("l1").get("/desk/search/", {"q": text})
    assert response.status_code == 302
    assert response["Location"] == f"/desk/tickets/{ref}/"


def test_a_number_the_agent_may_not_see_is_searched_as_words_and_reveals_nothing(desk, client_as):
    response = client_as("partner_agent").get("/desk/search/", {"q": desk.acme.reference})
    assert response.status_code == 200
    assert titles(response, "tickets") == []
    assert "Phones do not enroll" not in response.content.decode()


def test_words_find_tickets_by_the_start_of_a_word_closed_ones_included(desk, client_as):
    world = desk.world
    services.ticket_resolve(actor=world.l1, ticket=desk.acme, summary="Re-enrolled.")
    services.ticket_close(actor=world.acme_contact, ticket=desk.acme)
    response = client_as("l1").get("/desk/search/", {"q": "phon enrol"})
    assert titles(response, "tickets") == [f"{desk.acme.reference} Phones do not enroll"]
    assert "Closed" in response.content.decode()


def test_an_organization_is_found_by_part_of_its_name(desk, client_as):
    response = client_as("l1").get("/desk/search/", {"q": "glob"})
    assert titles(response, "organizations") == ["Globex Logistics"]
    response = client_as("l1").get("/desk/search/", {"q": "logist"})
    assert titles(response, "organizations") == ["Globex Logistics"]


def test_a_contact_is_found_by_name_or_email_address(desk, client_as):
    Contact.objects.create(
        organization=desk.world.acme, name="Jo Rivera", email="jo.rivera@acme.test"
    )
    by_name = client_as("l1").get("/desk/search/", {"q": "rivera"})
    by_address = client_as("l1").get("/desk/search/", {"q": "jo.rivera@acme"})
    assert titles(by_name, "contacts") == ["Jo Rivera"]
    assert titles(by_address, "contacts") == ["Jo Rivera"]


def test_a_partner_finds_only_its_own_customers(desk, client_as):
    partner = client_as("partner_agent")
    assert titles(partner.get("/desk/search/", {"q": "cobalt"}), "organizations") == [
        "Cobalt Clinics"
    ]
    assert titles(partner.get("/desk/search/", {"q": "umbrella"}), "organizations") == []
    assert titles(partner.get("/desk/search/", {"q": "acme"}), "contacts") == []
    assert titles(partner.get("/desk/search/", {"q": "dental"}), "tickets") == []
    assert titles(partner.get("/desk/search/", {"q": "clinic"}), "tickets") == [
        f"{desk.cobalt.reference} Clinic tablets offline"
    ]


def test_nothing_found_says_so_and_never_well_done(desk, client_as):
    response = client_as("l1").get("/desk/search/", {"q": "zzqx nothing"})
    text = response.content.decode()
    assert response.status_code == 200
    assert "Nothing found" in text
    assert "Well done" not in text


def test_an_empty_query_explains_the_box(desk, client_as):
    response = client_as("l1").get("/desk/search/")
    assert response.status_code == 200
    assert "TD-1042" in response.content.decode()


def test_every_provider_is_asked_and_shown(desk, client_as):
    """The provider list is the one place a new kind of result joins."""
    open_ticket(desk.world.acme_contact, desk.world.acme, "Acme printer")
    found = search.find(user=desk.world.manager, query="acme")
    assert [g.provider.key for g in found.groups] == [p.key for p in search.PROVIDERS]
    assert {g.provider.key for g in found.groups if g.hits} >= {"tickets", "organizations"}


def test_the_search_box_is_on_every_desk_page_and_slash_focuses_it(desk, client_as):
    for path in ("/desk/queue/team/", f"/desk/tickets/{desk.acme.reference}/", "/desk/search/"):
        text = client_as("l1").get(path).content.decode()
        assert 'id="td-find"' in text and 'data-key="/"' in text
    assert 'id="td-find"' not in client_as("acme_contact").get("/tickets/").content.decode()


def test_a_published_article_is_found_too(desk, client_as):
    article = public_article()  # "Reset a password"
    kb_search.index_article(article)
    response = client_as("l1").get("/desk/search/", {"q": "password"})
    assert titles(response, "articles") == ["Reset a password"]
    assert f"/{article.slug}/" in response.content.decode()

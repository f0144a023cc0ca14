"""Every list page costs a fixed number of queries, however many rows it shows (style.md §5):
the views load everything, the templates query nothing."""

from __future__ import annotations

import pytest
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext

from tests.web.conftest import open_ticket
from tierdesk.core.config_cache import clear_config_caches
from tierdesk.tickets import services
from tierdesk.tickets.models import Ticket

# Page -> (persona, query budget). The budget covers the session, the user with their principal
# (one query: tierdesk.accounts.backends), the filter choices, one bounded count per queue view
# (a manager has one view more), the saved views, the bulk form's agents, the page and the SLA
# warnings of its rows. Find: the tickets, organizations, contacts, and the articles (with the
# user's permissions, which the knowledge base's policy reads).
LIST_PAGES = {
    "/desk/queue/team/": ("l1", 15),
    "/desk/queue/mine/": ("l1", 15),
    "/desk/queue/unassigned/": ("l1", 15),
    "/desk/queue/breaching/": ("l1", 15),
    "/desk/queue/overdue/": ("l1", 15),
    "/desk/queue/waiting/": ("l1", 15),
    "/desk/queue/escalated/": ("l2", 15),
    "/desk/queue/all/": ("manager", 16),
    "/desk/queue/team/?q=enroll": ("l1", 15),
    "/desk/queue/team/?sort=-due&size=100": ("l1", 15),
    "/desk/search/?q=enroll": ("l1", 8),
    "/desk/search/?q=acme": ("partner_agent", 8),
    "/tickets/": ("acme_contact", 10),
    "/": ("acme_contact", 10),
    "/support-policy/": (None, 8),
    "/news/": (None, 4),
}


def busy(world, count: int) -> None:
    for number in range(count):
        ticket = open_ticket(world.acme_contact, world.acme, f"Enroll issue {number}")
        if number % 3 == 0:
            services.ticket_assign(actor=world.l1, ticket=ticket, assignee=world.l1)
            services.ticket_reply(actor=world.l1, ticket=ticket, body="Looking.")
            services.ticket_pend(actor=world.l1, ticket=ticket, reason="customer")


def queries(client, path) -> int:
    cache.clear()  # count the queue counts too, not the cache
    clear_config_caches()  # and the configuration the rows are shown with
    with CaptureQueriesContext(connection) as captured:
        response = client.get(path)
    assert response.status_code == 200, path
    return len(captured)


@pytest.mark.parametrize("path", sorted(LIST_PAGES))
def test_a_list_page_stays_within_its_query_budget(
    world, client_as, path, django_assert_max_num_queries
):
    busy(world, 12)
    persona, budget = LIST_PAGES[path]
    client = client_as(persona)
    client.get(path)  # the first page in a process loads the configuration caches
    with django_assert_max_num_queries(budget):
        assert client.get(path).status_code == 200


@pytest.mark.parametrize(
    ("persona", "path"), [("l1", "/desk/queue/team/"), ("manager", "/desk/queue/all/"),
                          ("acme_contact", "/tickets/")],
)  # fmt: skip
def test_a_list_costs_the_same_with_3_rows_and_with_25(world, client_as, persona, path):
    client = client_as(persona)
    busy(world, 3)
    few = queries(client, path)
    busy(world, 30)
    many = queries(client, path)
    assert few == many


def test_the_ticket_page_stays_within_its_budget(world, client_as, django_assert_max_num_queries):
    ticket = open_ticket(world.acme_contact, world.acme, "Enroll issue")
    for number in range(10):
        services.ticket_reply(actor=world.l1, ticket=ticket, body=f"Reply {number}")
    agent, contact = client_as("l1"), client_as("acme_contact")
    # The first page in a process loads the configuration caches (teams, categories, plans,
    # canned responses); from then on: the session, the user with their principal, the ticket
    # with its people, the messages, the attachments and the events.
    with django_assert_max_num_queries(12):
        assert agent.get(f"/desk/tickets/{ticket.reference}/").status_code == 200
    with django_assert_max_num_queries(6):
        assert agent.get(f"/desk/tickets/{ticket.reference}/").status_code == 200
    with django_assert_max_num_queries(12):
        assert contact.get(f"/tickets/{ticket.reference}/").status_code == 200


def test_the_queue_counts_are_cached_until_the_agent_changes_a_ticket(desk, client_as):
    client = client_as("l1")
    assert client.get("/desk/queue/mine/").context["counts"]["mine"] == 0
    services.ticket_assign(actor=desk.world.l1, ticket=desk.acme, assignee=desk.world.l1)
    assert client.get("/desk/queue/mine/").context["counts"]["mine"] == 0  # cached
    client.post(
        f"/desk/tickets/{desk.acme.reference}/actions/set_priority/",
        {"set_priority-priority": "2", "set_priority-reason": "Many phones"},
    )
    assert client.get("/desk/queue/mine/").context["counts"]["mine"] == 1


@pytest.mark.parametrize("persona", ["l1", "manager"])
def test_the_organization_and_contact_pages_stay_within_their_budget(
    world, client_as, persona, django_assert_max_num_queries
):
    """The session, the user, the organization (or contact), its tickets, its contacts and its
    subscriptions: six, however many of each."""
    busy(world, 12)
    client = client_as(persona)
    reporter = Ticket.objects.filter(organization=world.acme).first().reporter_id
    for path in (f"/desk/organizations/{world.acme.pk}/", f"/desk/contacts/{reporter}/"):
        client.get(path)
        with django_assert_max_num_queries(6):
            assert client.get(path).status_code == 200

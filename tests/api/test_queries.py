"""List endpoints cost a fixed number of queries, however long the page (style.md §5)."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from tierdesk.tickets import services


@pytest.fixture
def busy_queue(world):
    for number in range(30):
        services.ticket_open(
            actor=world.acme_contact, organization=world.acme, subject=f"Issue {number}",
            body="It broke.",
        )  # fmt: skip
    services.ticket_open(
        actor=world.globex_contact, organization=world.globex, subject="Other", body="b"
    )
    return world


def count_queries(client, path, **params):
    with CaptureQueriesContext(connection) as queries:
        response = client.get(path, **params)
    assert response.status_code == 200, response.content
    return len(queries), response.json()


def test_the_agents_queue_costs_at_most_8_queries(
    busy_queue, api_as, django_assert_max_num_queries
):
    l1 = api_as("l1")
    with django_assert_max_num_queries(8):
        response = l1.get(
            "/api/v1/tickets", team=busy_queue.service_desk.pk, active="true", ordering="queue",
            page_size=25,
        )  # fmt: skip
    assert len(response.json()["items"]) == 25
    assert response.json()["has_next"] is True


@pytest.mark.parametrize(
    ("persona", "path"),
    [
        ("l1", "/api/v1/tickets"),
        ("acme_contact", "/api/v1/tickets"),
        ("partner_agent", "/api/v1/tickets"),
        ("manager", "/api/v1/organizations"),
        ("manager", "/api/v1/contacts"),
        ("manager", "/api/v1/agents"),
        ("manager", "/api/v1/teams"),
        ("manager", "/api/v1/categories"),
    ],
)
def test_a_list_costs_the_same_for_a_short_and_a_long_page(busy_queue, api_as, persona, path):
    client = api_as(persona)
    client.get("/api/v1/me")  # the token's first use writes last_used_at: not counted below
    client.get(path, page_size=1)  # nor the first load of the configuration caches
    short, _ = count_queries(client, path, page_size=2)
    long, page = count_queries(client, path, page_size=100)
    assert short == long
    assert len(page["items"]) > 2 or persona != "manager"

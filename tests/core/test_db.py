"""The planning aids for the agents' queues (``tierdesk.core.db``)."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from tierdesk.core.db import generic_plans
from tierdesk.tickets import services
from tierdesk.tickets.models import Ticket


def plan_cache_mode() -> str:
    with connection.cursor() as cursor:
        cursor.execute("SHOW plan_cache_mode")
        return str(cursor.fetchone()[0])


def test_in_constants_matches_like_in_and_refuses_anything_but_enum_values(world):
    services.ticket_open(actor=world.l1, organization=world.acme, subject="Open", body="b")
    assert Ticket.objects.filter(status__in_constants=["new", "open"]).count() == 1
    assert Ticket.objects.filter(status__in_constants=["closed"]).count() == 0
    with pytest.raises(ValueError, match="enum values only"):
        list(Ticket.objects.filter(status__in_constants=["new') OR (1=1"]))


@pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL's plan_cache_mode")
@pytest.mark.django_db(transaction=True)
def test_the_queue_asks_for_a_generic_plan_for_its_own_query_only(world, api_as):
    with CaptureQueriesContext(connection) as captured:
        queue = api_as("l1").get(
            "/api/v1/tickets", team=world.service_desk.pk, active="true", ordering="queue"
        )
    assert queue.status_code == 200
    statements = [q["sql"] for q in captured.captured_queries]
    asked = statements.index("SET LOCAL plan_cache_mode = force_generic_plan")
    assert statements[asked + 1].startswith('SELECT "tickets_ticket"."id"')
    assert plan_cache_mode() == "auto"  # SET LOCAL ended with the queue's own transaction


@pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL's plan_cache_mode")
@pytest.mark.django_db(transaction=True)
def test_generic_plans_hold_for_the_block_only_outside_a_transaction(world):
    with generic_plans():
        inside = plan_cache_mode()
    assert (inside, plan_cache_mode()) == ("force_generic_plan", "auto")


@pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL's plan_cache_mode")
def test_generic_plans_hold_for_the_block_only_inside_a_transaction(world):
    with generic_plans():
        inside = plan_cache_mode()
    assert (inside, plan_cache_mode()) == ("force_generic_plan", "auto")

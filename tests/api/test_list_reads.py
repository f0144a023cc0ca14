"""The hand-written reads behind every API request and the ticket list give exactly what the
ORM gives: the same tickets in the same order, the same document, the same principal."""

from __future__ import annotations

import pytest

from tests.conftest import PERSONAS, token_for
from tierdesk.accounts.principal import (
    TEAM_IDS,
    principal_of,
    tokens_with_principal,
    users_with_principal,
)
from tierdesk.accounts.selectors import api_token_for_key, user_with_principal
from tierdesk.core.api.renderers import json_response
from tierdesk.tickets import selectors, services
from tierdesk.tickets.models import Category, Ticket
from tierdesk.tickets.schemas import ticket_out


@pytest.fixture
def tickets(world, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):  # the search index updates on commit
        opened = _open_some(world)
    Ticket.objects.filter(pk=opened[0].pk).update(assignee=world.l1, team=world.service_desk)
    Ticket.objects.filter(pk=opened[1].pk).update(team=world.tech_support, support_level=2)
    Ticket.objects.filter(pk=opened[2].pk).update(
        priority=1, category=Category.objects.order_by("id").first(), follow_up_of=opened[0]
    )
    return world


def _open_some(world):
    opened = []
    for number in range(7):
        contact = world.acme_contact if number % 2 else world.cobalt_contact
        organization = world.acme if number % 2 else world.cobalt
        opened.append(
            services.ticket_open(
                actor=contact,
                organization=organization,
                subject=f"Printer {number} jams",
                body="It jams.",
                priority=None,
            )
        )
    services.ticket_open(
        actor=world.l1, organization=world.globex, subject="No reporter", body="b", priority=1
    )
    return opened


def both_ways(user, start, stop, **filters):
    ordering = filters.pop("ordering", "newest")
    found = selectors.ticket_list(
        user=user, filters=selectors.TicketFilters(**filters), ordering=ordering
    )
    by_orm = [ticket_out(t) for t in found[start:stop]]
    written_out = [ticket_out(t) for t in selectors.ticket_page(found, start, stop)]
    # Compared as sent: equal datetimes in another time zone would still differ on the wire.
    return json_response(by_orm).content, json_response(written_out).content


@pytest.mark.parametrize("persona", PERSONAS)
@pytest.mark.parametrize("ordering", ["queue", "newest", "oldest", "updated"])
def test_a_written_out_page_is_the_orms_page(tickets, persona, ordering):
    by_orm, written_out = both_ways(tickets.persona(persona), 0, 26, ordering=ordering)
    assert written_out == by_orm


@pytest.mark.parametrize(
    "filters",
    [
        {"active": True, "ordering": "queue"},
        {"team_id": "service_desk"},
        {"unassigned": True},
        {"q": "printer"},
        {"status": ["resolved"]},
    ],
)
def test_filters_and_later_pages_agree_too(tickets, filters):
    if filters.get("team_id"):
        filters = {**filters, "team_id": getattr(tickets, filters["team_id"]).pk}
    for start, stop in ((0, 3), (2, 5), (6, 26), (40, 50)):
        by_orm, written_out = both_ways(tickets.manager, start, stop, **filters)
        assert written_out == by_orm


def test_the_search_finds_the_same_tickets(tickets):
    by_orm, written_out = both_ways(tickets.l1, 0, 26, q="printer")
    assert written_out.count(b'"reference"') > 1
    assert written_out == by_orm


def test_nobody_gets_an_empty_page(tickets):
    by_orm, written_out = both_ways(None, 0, 26)
    assert written_out == by_orm == b"[]"


def test_a_written_out_page_costs_one_query(tickets, django_assert_num_queries):
    found = selectors.ticket_list(user=tickets.l1, ordering="queue")
    selectors.ticket_page(found, 0, 26)  # the configuration caches load once per process
    with django_assert_num_queries(1):
        page = [ticket_out(t) for t in selectors.ticket_page(found, 0, 26)]
    assert page


@pytest.mark.parametrize("persona", [*PERSONAS, "nobody"])
def test_the_token_brings_its_user_with_the_same_principal(world, persona):
    user = world.persona(persona) if persona != "nobody" else _user_without_role()
    token = api_token_for_key(token_for(user))
    assert token is not None
    assert token.user == user
    assert [getattr(token.user, f.attname) for f in user._meta.concrete_fields] == [
        getattr(user, f.attname) for f in user._meta.concrete_fields
    ]
    fresh = type(user).objects.get(pk=user.pk)
    assert principal_of(token.user) == principal_of(fresh)
    assert principal_of(user_with_principal(user.pk)) == principal_of(fresh)


def test_the_token_brings_its_own_columns(world):
    raw = token_for(world.l1)
    token = api_token_for_key(raw)
    stored = type(token).objects.get(pk=token.pk)
    assert [getattr(token, f.attname) for f in token._meta.concrete_fields] == [
        getattr(stored, f.attname) for f in stored._meta.concrete_fields
    ]
    assert api_token_for_key(raw + "x") is None


def columns(obj):
    return None if obj is None else [getattr(obj, f.attname) for f in obj._meta.concrete_fields]


def loaded_as(user):
    """What a user brings along, as (model, its columns) from the user down."""
    found = [(type(user), columns(user)), getattr(user, TEAM_IDS, None)]
    for name in ("agent", "contact"):
        assert name in user._state.fields_cache  # loaded with the user, not on access
        related = user._state.fields_cache[name]
        organization = None if related is None else related.organization
        found += [columns(related), columns(organization)]
    return found


@pytest.mark.parametrize("persona", [*PERSONAS, "nobody"])
def test_the_compiled_lookups_build_what_the_orm_builds(world, persona):
    user = world.persona(persona) if persona != "nobody" else _user_without_role()
    raw = token_for(user)

    by_orm = users_with_principal().get(pk=user.pk)
    compiled = user_with_principal(user.pk)
    assert loaded_as(compiled) == loaded_as(by_orm)

    token_by_orm = tokens_with_principal().get(pk=api_token_for_key(raw).pk)
    token = api_token_for_key(raw)
    assert columns(token) == columns(token_by_orm)
    assert getattr(token, TEAM_IDS) == getattr(token_by_orm, TEAM_IDS)
    assert loaded_as(token.user)[2:] == loaded_as(token_by_orm.user)[2:]


def test_a_user_loaded_elsewhere_gets_its_principal_in_one_query(world, django_assert_num_queries):
    for persona in ("l1", "partner_agent", "acme_contact", "admin"):
        user = type(world.l1).objects.get(pk=world.persona(persona).pk)
        with django_assert_num_queries(1):
            principal = principal_of(user)
        assert principal == principal_of(user_with_principal(user.pk))


def _user_without_role():
    from tierdesk.accounts.models import User

    return User.objects.create(username="neither", email="neither@example.test")

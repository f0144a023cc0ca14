"""Statements compiled once (``core.fetch``) are the ORM's own: the same text as the production
queryset, the same instances back, on SQLite and PostgreSQL alike."""

from __future__ import annotations

from typing import Any

import pytest
from django.db import connections, router
from django.db.models import F
from django.test.utils import CaptureQueriesContext

from tierdesk.core import fetch
from tierdesk.core.fetch import CompiledQuery, Fragment, Param
from tierdesk.crm.models import Contact, Organization
from tierdesk.tickets import selectors
from tierdesk.tickets.models import Ticket


def values(instance: Any) -> list[Any]:
    """Every loaded column, with its Python type (a boolean stays a boolean on SQLite)."""
    loaded = instance.get_deferred_fields()
    return [
        (field.attname, type(getattr(instance, field.attname)), getattr(instance, field.attname))
        for field in instance._meta.concrete_fields
        if field.attname not in loaded
    ]


def test_by_pk_runs_the_orms_own_statement(world):
    alias = router.db_for_read(Organization)
    compiled = fetch._by_pk(Organization).plan(alias)
    query = Organization._base_manager.filter(pk=world.acme.pk).order_by().query
    sql, params = query.get_compiler(alias).as_sql()
    assert compiled.sql == sql
    assert len(compiled.params) == len(params) == 1


def test_by_pk_gives_what_the_orm_gives(world):
    for organization in Organization.objects.order_by("id"):
        found = fetch.by_pk(Organization, organization.pk)
        assert found is not None and found._state.adding is False
        assert values(found) == values(organization)


@pytest.mark.parametrize("pk", [0, -1, 10**9, 2**63, -(2**63) - 1, "x", None, "12x"])
def test_by_pk_answers_none_for_a_key_no_row_has(world, pk):
    assert fetch.by_pk(Organization, pk) is None


def test_by_pk_costs_one_query(world, django_assert_num_queries):
    fetch.by_pk(Organization, world.acme.pk)
    with django_assert_num_queries(1):
        assert fetch.by_pk(Organization, world.globex.pk) == world.globex


def test_a_compiled_query_gives_what_its_queryset_gives(world):
    """select_related, only, a value slot and a fragment slot: the instances the ORM makes."""
    compiled = CompiledQuery(
        lambda: (
            Contact.objects.select_related("organization")
            .only("name", "email", "organization__name", "organization__contacts_see_all_tickets")
            .filter(organization__kind=Param("kind", Organization._meta.get_field("kind")))
            .filter(pk__in=Fragment("ids", Contact._meta.pk))
            .order_by("-name", "id")
        )
    )
    alias = router.db_for_read(Contact)
    ids = Contact.objects.filter(name__contains="contact").values("pk")
    ids_sql, ids_params = ids.query.get_compiler(alias).as_sql()
    for kind in ("customer", "partner", "vendor"):
        by_orm = list(
            Contact.objects.select_related("organization")
            .only("name", "email", "organization__name", "organization__contacts_see_all_tickets")
            .filter(organization__kind=kind, pk__in=ids)
            .order_by("-name", "id")
        )
        found = compiled.rows(alias, kind=kind, ids=(ids_sql, ids_params))
        assert [values(c) for c in found] == [values(c) for c in by_orm]
        assert [values(c.organization) for c in found] == [values(c.organization) for c in by_orm]
        deferred = [c.get_deferred_fields() for c in found]
        assert deferred == [c.get_deferred_fields() for c in by_orm]


def test_a_compiled_query_refuses_values_querysets():
    with pytest.raises(TypeError):
        CompiledQuery(lambda: Ticket.objects.values("pk")).plan("default")


def test_the_ticket_page_compiles_its_outer_statement_once_per_ordering(world):
    selectors._page_query.cache_clear()
    for _ in range(3):
        for ordering in ("queue", "newest", "oldest", "updated"):
            tickets = selectors.ticket_list(user=world.manager, ordering=ordering)
            selectors.ticket_page(tickets, 0, 25)
    assert selectors._page_query.cache_info().currsize == 4
    plan = selectors._page_query(selectors.ORDERINGS["queue"]).plan("default")
    # The ORM wrote it: select_related's joins, the ordering, the fragment where the ids go.
    assert "__fragment_ids__" in plan.sql and plan.sql.count("JOIN") == 3
    assert plan.sql.endswith('"tickets_ticket"."id" ASC')


def test_a_compiled_update_runs_the_orms_own_statement_and_changes_what_update_changes(world):
    """The statement ``update()`` sends, with its slots filled: the same text, the same rows
    counted, the same values written (an F() expression and a value slot)."""
    alias = router.db_for_write(Ticket)
    name_field = Contact._meta.get_field("name")
    pk_field = Contact._meta.get_field("id")
    compiled = fetch.CompiledUpdate(
        lambda: Contact.objects.filter(pk=Param("pk", pk_field)),
        name=Param("name", name_field),
    )
    contact = Contact.objects.order_by("id").first()
    assert contact is not None
    with CaptureQueriesContext(connections[alias]) as orm:
        Contact.objects.filter(pk=contact.pk).update(name="By the ORM")
    with CaptureQueriesContext(connections[alias]) as ours:
        assert compiled.run(alias, pk=contact.pk, name="Compiled once") == 1
    expected = orm.captured_queries[0]["sql"].replace("By the ORM", "Compiled once")
    assert ours.captured_queries[0]["sql"] == expected
    contact.refresh_from_db()
    assert contact.name == "Compiled once"
    assert compiled.run(alias, pk=10**9, name="nobody") == 0
    counted = fetch.CompiledUpdate(
        lambda: Organization.objects.filter(pk=Param("pk", Organization._meta.get_field("id"))),
        name=F("name"),
    )
    assert counted.run(alias, pk=world.acme.pk) == 1


def test_a_compiled_update_refuses_an_ordered_or_sliced_update():
    with pytest.raises(TypeError):
        fetch.CompiledUpdate(lambda: Contact.objects.order_by("name"), name="x").plan("default")

"""A mail batch's lookups are written-out SQL (``core/fetch``); each must give what the ORM
query it replaced gives: the same rows as the same instances (values, related objects, deferred
fields), over data where the filters and the order matter."""

from __future__ import annotations

from typing import Any

from django.db import connection, transaction
from django.db.models import Model
from django.test.utils import CaptureQueriesContext

from tierdesk.core.fetch import padded
from tierdesk.crm.models import Contact, Organization
from tierdesk.mail import parsing
from tierdesk.mail.batch import _lock_stored
from tierdesk.mail.models import InboundMessage
from tierdesk.mail.senders import known_contacts
from tierdesk.mail.services import inbound_row, known_tickets
from tierdesk.mail.services.deciding import _tickets_by_pk
from tierdesk.tickets import services
from tierdesk.tickets.models import Ticket


def state(instance: Model | None) -> Any:
    """Everything the ORM puts on an instance: its class, every loaded column's value, which
    columns are deferred, and where it came from."""
    if instance is None:
        return None
    fields = type(instance)._meta.concrete_fields
    loaded = {
        f.attname: getattr(instance, f.attname) for f in fields if f.attname in vars(instance)
    }
    return (
        type(instance),
        loaded,
        instance.get_deferred_fields(),
        instance._state.db,
        instance._state.adding,
    )


def orm_known_contacts(addresses: set[str]) -> dict[str, Contact]:
    """The ORM query ``known_contacts`` wrote out."""
    found: dict[str, Contact] = {}
    for contact in (
        Contact.objects.select_related("organization")
        .filter(organization__is_active=True, email__in=addresses)
        .order_by("id")
    ):
        found.setdefault(contact.email, contact)
    return found


def test_known_contacts_are_the_orm_querys_with_their_organizations(
    world, django_assert_num_queries
):
    closed = Organization.objects.create(name="Closed Ltd", is_active=False)
    shared = "shared@example.test"
    Contact.objects.create(organization=closed, name="Old", email=shared)  # inactive: skipped
    Contact.objects.create(organization=world.globex, name="Second", email=shared, phone="+1 2")
    Contact.objects.create(organization=world.acme, name="Third", email=shared)  # newer: loses
    Contact.objects.create(organization=closed, name="Only", email="only-closed@example.test")
    Contact.objects.create(organization=world.cobalt, name="Caps", email="Caps@Example.test")
    addresses = [
        shared, "only-closed@example.test", "caps@example.test", "Caps@Example.test",
        "acme_contact@example.test", "cobalt_contact@example.test", "nobody@example.test", "",
    ]  # fmt: skip
    # Every subset size, so that the padded IN lists of several lengths are each compared.
    for size in range(len(addresses) + 1):
        wanted = addresses[:size]
        expected = orm_known_contacts({a for a in wanted if a})
        with django_assert_num_queries(1 if any(wanted) else 0):
            found = known_contacts(wanted)
        assert list(found) == list(expected)
        for address, contact in found.items():
            assert state(contact) == state(expected[address])
            with django_assert_num_queries(0):  # attached, as select_related attaches it
                organization = contact.organization
            assert state(organization) == state(expected[address].organization)
    assert known_contacts([shared])[shared].name == "Second"


def test_known_tickets_are_the_orm_querys(world):
    tickets = [
        services.ticket_open(
            actor=world.acme_contact, organization=world.acme, subject=f"Case {n}", body="Text."
        )
        for n in range(3)
    ]
    services.ticket_assign(actor=world.l1, ticket=tickets[1], assignee=world.l2)
    pks = [ticket.pk for ticket in tickets]
    wanted = [*pks, max(pks) + 100, 2**63, 10**30]  # no such ticket; past the 64-bit range
    for size in range(len(wanted) + 1):
        subset = set(wanted[:size])
        found = _tickets_by_pk(subset)
        # The ORM finds nothing past the 64-bit range on PostgreSQL; SQLite's driver raised
        # OverflowError on such a number (a made-up subject tag): now nothing is found there too.
        expected = Ticket.objects.in_bulk([pk for pk in subset if pk < 2**63])
        assert {pk: state(t) for pk, t in found.items()} == {
            pk: state(t) for pk, t in expected.items()
        }

    subject = f"Re: [{tickets[0].reference}] [{tickets[2].reference}] [TD-{10**30}]"
    mail = parsing.parse(f"From: a@example.test\nSubject: {subject}\n\nText.\n".encode())
    named = known_tickets([mail])
    assert named[tickets[0].pk].pk == tickets[0].pk and named[tickets[2].pk].pk == tickets[2].pk
    assert list(named.values()).count(None) == len(named) - 2


def stored(number: int, text: str = "Hello.") -> InboundMessage:
    raw = f"From: a@example.test\nMessage-ID: <m{number}@example.test>\n\n{text}\n".encode()
    row = inbound_row(raw, parsing.parse(raw), source="test", mailbox=None)
    row.save()
    return row


def test_locked_rows_are_the_orm_querys_with_raw_deferred(db, django_assert_num_queries):
    rows = [stored(number, "x" * number) for number in (3, 1, 2, 5, 4)]
    keys = [row.key for row in rows] + ["<no-such-key>"]
    for size in range(len(keys) + 1):
        with transaction.atomic():
            found = _lock_stored(keys[:size])
            expected = list(
                InboundMessage.objects.select_for_update()
                .defer("raw")
                .filter(key__in=keys[:size])
                .order_by("pk")
            )
            assert [state(row) for row in found] == [state(row) for row in expected]
    with transaction.atomic():
        locked = _lock_stored(keys)
        assert [row.pk for row in locked] == sorted(row.pk for row in rows)
        assert all(row.get_deferred_fields() == {"raw"} for row in locked)
        with django_assert_num_queries(1):  # deferred: read on access
            assert bytes(locked[0].raw) == bytes(rows[0].raw)


def test_the_lock_is_for_update_where_the_database_has_it(db):
    row = stored(1)
    with transaction.atomic(), CaptureQueriesContext(connection) as queries:
        _lock_stored([row.key])
    sql = queries.captured_queries[-1]["sql"]
    assert sql.endswith(" FOR UPDATE") == connection.features.has_select_for_update


def test_in_lists_are_padded_to_few_lengths_with_values_they_already_hold():
    for count, length in [(0, 0), (1, 1), (3, 4), (9, 16), (1024, 1024), (1025, 2048)]:
        values = list(range(count))
        assert len(padded(values)) == length
        assert set(padded(values)) == set(values)
    assert len(padded(range(40000))) == 40960  # past 1,024: a multiple of it, not 65,536

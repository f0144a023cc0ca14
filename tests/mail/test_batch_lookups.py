"""What a mail batch looks up once for all its messages (the senders, the tickets they name, the
stored rows it locks), over data where the filters and the order matter."""

from __future__ import annotations

from django.db import transaction

from tierdesk.crm.models import Contact, Organization
from tierdesk.mail import parsing
from tierdesk.mail.batch import _lock_stored
from tierdesk.mail.models import InboundMessage
from tierdesk.mail.senders import known_contacts
from tierdesk.mail.services import inbound_row, known_tickets
from tierdesk.tickets import services


def test_known_contacts_are_the_oldest_of_an_active_organization_with_theirs_attached(
    world, django_assert_num_queries
):
    closed = Organization.objects.create(name="Closed Ltd", is_active=False)
    shared = "shared@example.test"
    Contact.objects.create(organization=closed, name="Old", email=shared)  # inactive: skipped
    Contact.objects.create(organization=world.globex, name="Second", email=shared)
    Contact.objects.create(organization=world.acme, name="Third", email=shared)  # newer: loses
    Contact.objects.create(organization=closed, name="Only", email="only-closed@example.test")
    Contact.objects.create(organization=world.cobalt, name="Caps", email="Caps@Example.test")
    addresses = [shared, "only-closed@example.test", "caps@example.test", "Caps@Example.test",
                 "acme_contact@example.test", "nobody@example.test", ""]  # fmt: skip
    with django_assert_num_queries(1):
        found = known_contacts(addresses)
    assert {address: contact.name for address, contact in found.items()} == {
        shared: "Second",
        "Caps@Example.test": "Caps",
        "acme_contact@example.test": "acme_contact",
    }
    with django_assert_num_queries(0):  # attached, as select_related attaches it
        assert found[shared].organization == world.globex
        assert known_contacts(["", ""]) == {}


def test_known_tickets_name_each_tag_and_none_for_numbers_that_are_no_ticket(world):
    tickets = [
        services.ticket_open(
            actor=world.acme_contact, organization=world.acme, subject=f"Case {n}", body="Text."
        )
        for n in range(3)
    ]
    subject = (
        f"Re: [{tickets[0].reference}] [{tickets[2].reference}] [TD-{10**30}] [TD-{2**63 + 1000}]"
    )
    mail = parsing.parse(f"From: a@example.test\nSubject: {subject}\n\nText.\n".encode())
    named = known_tickets([mail])
    assert named[tickets[0].pk].pk == tickets[0].pk and named[tickets[2].pk].pk == tickets[2].pk
    assert list(named.values()).count(None) == len(named) - 2
    assert known_tickets([]) == {}


def stored(number: int, text: str = "Hello.") -> InboundMessage:
    raw = f"From: a@example.test\nMessage-ID: <m{number}@example.test>\n\n{text}\n".encode()
    row = inbound_row(raw, parsing.parse(raw), source="test", mailbox=None)
    row.save()
    return row


def test_locked_rows_come_in_id_order_with_their_raw_bytes_deferred(db, django_assert_num_queries):
    rows = [stored(number, "x" * number) for number in (3, 1, 2, 5, 4)]
    keys = [row.key for row in reversed(rows)] + ["<no-such-key>"]
    with transaction.atomic():
        locked = _lock_stored(keys)
        assert [row.pk for row in locked] == sorted(row.pk for row in rows)
        assert all(row.get_deferred_fields() == {"raw"} for row in locked)
        with django_assert_num_queries(1):  # deferred: read on access
            assert bytes(locked[0].raw) == bytes(rows[0].raw)
        assert _lock_stored([]) == []

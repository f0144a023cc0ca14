"""On PostgreSQL a public reply writes the ticket's UPDATE, its message and its event in one
statement (``messages._reply_in_one_statement``), and an attachment itself and its event in one
(``attachments._insert_with_event``): the same rows as the statements they replace, and
nothing at all when the compare-and-set is lost."""

from __future__ import annotations

import io
from datetime import UTC, datetime
from unittest import mock

import pytest
import time_machine
from django.db import connection, transaction
from django.forms.models import model_to_dict

from tests.tickets.test_lifecycle import open_acme_ticket
from tierdesk.core.errors import Conflict
from tierdesk.tickets import services
from tierdesk.tickets.models import Attachment, Message, Ticket, TicketEvent
from tierdesk.tickets.services import attachments, messages

AT = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
LATER = datetime(2026, 3, 2, 10, 30, tzinfo=UTC)


def _stored(ticket: Ticket) -> tuple[dict, list[dict], list[dict]]:
    row = model_to_dict(Ticket.objects.get(pk=ticket.pk))
    texts = list(Message.objects.filter(ticket=ticket).order_by("pk").values())
    events = list(TicketEvent.objects.filter(ticket=ticket).order_by("pk").values())
    for item in [row, *texts, *events]:
        for key in ("id", "ticket", "ticket_id", "search_document"):
            item.pop(key, None)
    for event in events:
        event["data"].pop("message", None)
    return row, texts, events


@pytest.mark.parametrize("actor", ["l1", "acme_contact"])
def test_the_one_statement_writes_what_the_three_statements_wrote(world, actor):
    with time_machine.travel(AT, tick=False):
        one, three = open_acme_ticket(world), open_acme_ticket(world)
    with time_machine.travel(LATER, tick=False):
        reply = services.ticket_reply(actor=getattr(world, actor), ticket=one, body="Hi")
        with mock.patch.object(messages, "_reply_in_one_statement", return_value=False):
            services.ticket_reply(actor=getattr(world, actor), ticket=three, body="Hi")
    assert _stored(one) == _stored(three)
    event = TicketEvent.objects.filter(ticket=one).latest("pk")
    assert event.data["message"] == reply.pk == Message.objects.filter(ticket=one).latest("pk").pk
    stored = Ticket.objects.get(pk=one.pk)
    assert {f: getattr(one, f) for f in model_to_dict(stored)} == {
        f: getattr(stored, f) for f in model_to_dict(stored)
    }


def test_a_reply_on_a_stale_ticket_is_refused_and_writes_nothing(world):
    ticket = open_acme_ticket(world)
    stale = Ticket.objects.get(pk=ticket.pk)
    services.ticket_reply(actor=world.l1, ticket=ticket, body="First")
    counts = Message.objects.count(), TicketEvent.objects.count()
    with pytest.raises(Conflict), transaction.atomic():
        services.ticket_reply(actor=world.l1_other, ticket=stale, body="Second")
    assert (Message.objects.count(), TicketEvent.objects.count()) == counts
    assert Ticket.objects.get(pk=ticket.pk).version == ticket.version


def test_the_statement_itself_writes_nothing_when_the_ticket_changed(world):
    # Called directly, without the savepoint that would hide a partial write.
    if connection.vendor != "postgresql":
        pytest.skip("the one statement is PostgreSQL's")
    ticket = open_acme_ticket(world)
    stale = Ticket.objects.get(pk=ticket.pk)
    services.ticket_reply(actor=world.l1, ticket=ticket, body="First")
    counts = Message.objects.count(), TicketEvent.objects.count()
    message = messages._new_message(stale, world.l1, "Second", "plain", "public", "email", LATER)
    with pytest.raises(Conflict):
        messages._reply_in_one_statement(stale, message, world.l1, {}, LATER, {"by_agent": True})
    assert (Message.objects.count(), TicketEvent.objects.count()) == counts
    assert message.pk is None


def test_an_attachment_and_its_event_are_the_rows_the_two_inserts_wrote(world, settings, tmp_path):
    # On PostgreSQL one statement (``attachments._insert_with_event``); the usual two elsewhere.
    settings.MEDIA_ROOT = tmp_path
    with time_machine.travel(AT, tick=False):
        one, two = open_acme_ticket(world), open_acme_ticket(world)
    with time_machine.travel(LATER, tick=False):
        added = services.attachment_add(
            actor=world.l1, ticket=one, stream=io.BytesIO(b"log"), filename="a.log", internal=True
        )
        with mock.patch.object(attachments, "_insert_with_event", return_value=False):
            services.attachment_add(
                actor=world.l1, ticket=two, stream=io.BytesIO(b"log"), filename="a.log",
                internal=True,
            )  # fmt: skip
    rows = [Attachment.objects.filter(ticket=ticket).values().get() for ticket in (one, two)]
    events = [
        TicketEvent.objects.filter(ticket=ticket, kind="attached").values().get()
        for ticket in (one, two)
    ]
    assert events[0]["data"] == {"attachment": added.pk, "filename": "a.log", "size": 3, "fact": ""}
    assert events[0]["is_public"] is False
    for pair in (rows, events):
        for row in pair:
            for key in ("id", "ticket_id", "file"):
                row.pop(key, None)
            row.get("data", {}).pop("attachment", None)
        assert pair[0] == pair[1]
    assert Attachment.objects.get(pk=added.pk).file.read() == b"log"

"""Many messages at once (IMAP polls, ``ingest-email``): one commit for the raw mail, one for the
processing, a savepoint per message; nothing lost, nothing twice, a failure stays one message's."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from tests.mail.conftest import ack_id, corpus, words
from tierdesk.core import search
from tierdesk.mail import parsing
from tierdesk.mail.batch import Delivery, mail_ingest_batch
from tierdesk.mail.models import InboundMessage, OutboundMail
from tierdesk.mail.services import deciding, inbound_store, mail_retry
from tierdesk.sla.clocks import ticket_clocks
from tierdesk.sla.services import stored_columns
from tierdesk.tickets import services
from tierdesk.tickets.models import Ticket

pytestmark = pytest.mark.usefixtures("mailbox")


@pytest.fixture
def ingest_batch(django_capture_on_commit_callbacks):
    """``mail_ingest_batch`` with its after-commit work (the sending task) run."""

    def run(*raws: bytes):
        deliveries = [Delivery(raw, f"test#{number}") for number, raw in enumerate(raws, 1)]
        with django_capture_on_commit_callbacks(execute=True):
            return mail_ingest_batch(deliveries)

    return run


def numbered(raw: bytes, number: int) -> bytes:
    """The same mail with its own Message-ID."""
    return raw.replace(b"Message-ID: <", f"Message-ID: <n{number}-".encode(), 1)


def tagged(reference: str, number: int, text: str) -> bytes:
    """A customer's reply naming the ticket in its subject, with its own Message-ID and text."""
    raw = numbered(corpus("tagged_reply_no_headers.eml", reference=reference), number)
    return raw.replace(b"Also: it only happens on the Airtel trunk.", text.encode())


def opened(ingest) -> Ticket:
    result = ingest(corpus("thunderbird_plain.eml"))
    return Ticket.objects.get(pk=Ticket.pk_from_reference(result.ticket_reference))


def clocks_are_current(ticket: Ticket) -> bool:
    """The stored clock columns are what the ticket's whole history gives at its last event."""
    ticket.refresh_from_db()
    last = ticket.events.order_by("at", "id").last()
    columns = stored_columns(ticket_clocks(ticket, at=last.at))
    return {name: getattr(ticket, name) for name in columns} == columns


def test_a_batch_opens_and_threads_like_single_deliveries_and_acknowledges_each_new_ticket(
    world, smtp_sink, ingest, ingest_batch
):
    first = ingest(corpus("thunderbird_plain.eml"))
    ticket = Ticket.objects.get(pk=Ticket.pk_from_reference(first.ticket_reference))
    smtp_sink.clear()
    reply = corpus("apple_mail_reply_by_header.eml", in_reply_to=ack_id(ticket), subject="x")

    results = ingest_batch(
        reply,
        corpus("emergency_subject.eml"),
        corpus("tagged_reply_no_headers.eml", reference=ticket.reference),
        corpus("vacation_autoreply.eml"),
    )

    assert [r.action for r in results] == ["appended", "created", "appended", "unmatched"]
    assert ticket.messages.count() == 3
    emergency = Ticket.objects.get(pk=Ticket.pk_from_reference(results[1].ticket_reference))
    assert emergency.is_emergency
    [ack] = smtp_sink.messages  # only the new ticket is acknowledged
    assert emergency.reference in ack["Subject"]
    assert "call you back within" in words(ack)
    # Every ticket message links back to its original mail.
    stored = InboundMessage.objects.exclude(ticket_message=None)
    assert stored.count() == 4
    assert {m.ticket_message.ticket_id for m in stored} == {ticket.pk, emergency.pk}
    opening = emergency.messages.filter(kind="public").get()
    assert InboundMessage.objects.get(ticket=emergency).ticket_message == opening


def test_one_failing_message_rolls_back_only_itself_and_can_be_retried(
    world, smtp_sink, ingest_batch, monkeypatch
):
    raw = corpus("thunderbird_plain.eml")
    real_new_body = deciding.new_body

    def new_body(parsed):
        if "n2-" in parsed.message_id:
            raise RuntimeError("the disk is full")
        return real_new_body(parsed)

    monkeypatch.setattr(deciding, "new_body", new_body)

    results = ingest_batch(numbered(raw, 1), numbered(raw, 2), numbered(raw, 3))

    assert [r.action for r in results] == ["created", "failed", "created"]
    assert "the disk is full" in results[1].reason
    assert Ticket.objects.count() == 2
    # Stored without a mailbox, the others still record the one their addresses name.
    assert not InboundMessage.objects.filter(status="processed", mailbox=None).exists()
    failed = InboundMessage.objects.get(status="failed")
    assert "RuntimeError: the disk is full" in failed.error and failed.attempts == 1
    assert bytes(failed.raw) == numbered(raw, 2)  # stored whole, nothing lost
    assert len(smtp_sink.messages) == 2 and OutboundMail.objects.count() == 2

    monkeypatch.setattr(deciding, "new_body", real_new_body)
    retried = mail_retry(actor=world.admin, inbound=failed)

    assert retried.action == "created"
    assert Ticket.objects.count() == 3


def test_a_batch_delivered_again_is_taken_once(world, smtp_sink, ingest_batch):
    raw = corpus("thunderbird_plain.eml")
    batch = (numbered(raw, 1), numbered(raw, 2), numbered(raw, 1))

    first = ingest_batch(*batch)
    again = ingest_batch(*batch)

    assert [r.action for r in first] == ["created", "created", "duplicate"]
    assert first[2].ticket_reference == first[0].ticket_reference
    assert [r.action for r in again] == ["duplicate"] * 3
    assert [r.ticket_reference for r in again] == [r.ticket_reference for r in first]
    assert Ticket.objects.count() == 2 and InboundMessage.objects.count() == 2
    assert len(smtp_sink.messages) == 2


def test_a_message_stored_but_never_processed_is_processed_by_the_next_batch(
    world, smtp_sink, ingest_batch
):
    raw = corpus("thunderbird_plain.eml")
    parsed = parsing.parse(raw)
    inbound_store(raw, parsed, source="killed", mailbox=None)  # process died here

    [result] = ingest_batch(raw)

    assert result.action == "created"
    assert InboundMessage.objects.get().status == "processed"
    assert len(smtp_sink.messages) == 1


def test_the_acknowledgement_is_rendered_by_the_worker_and_checked_when_sent(
    world, smtp_sink, ingest_batch, settings
):
    settings.TIERDESK_MAIL_AUTO_PER_HOUR = 2
    raw = corpus("thunderbird_plain.eml")

    ingest_batch(*(numbered(raw, number) for number in range(4)))

    assert len(smtp_sink.messages) == 2
    held = OutboundMail.objects.filter(status="suppressed").order_by("pk")
    assert held.count() == 2 and "rate limit" in held[0].last_error
    assert all(mail.body and mail.subject for mail in OutboundMail.objects.all())


def test_a_message_that_clashed_with_another_writer_is_tried_once_more_on_its_own(
    world, smtp_sink, ingest_batch, monkeypatch
):
    from tierdesk.core.errors import Conflict

    raw = corpus("thunderbird_plain.eml")
    real_new_body = deciding.new_body
    clashes = []

    def new_body(parsed):
        # Clashes in the batch's first pass and again in its pass with a savepoint per message.
        if "n2-" in parsed.message_id and len(clashes) < 2:
            clashes.append(parsed.message_id)
            raise Conflict("changed by someone else meanwhile")
        return real_new_body(parsed)

    monkeypatch.setattr(deciding, "new_body", new_body)

    results = ingest_batch(numbered(raw, 1), numbered(raw, 2), numbered(raw, 2))

    assert [r.action for r in results] == ["created", "created", "duplicate"]
    assert results[2].ticket_reference == results[1].ticket_reference
    assert Ticket.objects.count() == 2 and len(smtp_sink.messages) == 2
    retried = InboundMessage.objects.get(message_id__startswith="n2-")
    assert (retried.status, retried.attempts) == ("processed", 2)


def test_the_replies_of_a_batch_are_findable_by_their_words_once_it_returns(
    world, smtp_sink, ingest, ingest_batch
):
    ticket = opened(ingest)

    results = ingest_batch(
        tagged(ticket.reference, 1, "The quokka gateway hangs."),
        numbered(corpus("thunderbird_plain.eml"), 2),
    )

    assert [r.action for r in results] == ["appended", "created"]
    matching = search.filter_matching(Ticket.objects.all(), "quokka", include_internal=False)
    assert list(matching) == [ticket]


def test_replies_to_one_ticket_in_one_batch_all_land_and_keep_its_clocks_current(
    world, smtp_sink, ingest, ingest_batch
):
    ticket = opened(ingest)
    # Waiting on the customer: the first reply resumes the ticket and its clocks run again.
    services.ticket_pend(actor=world.l1, ticket=ticket, reason="customer")
    version = ticket.version

    results = ingest_batch(
        tagged(ticket.reference, 1, "Logs attached."), tagged(ticket.reference, 2, "And more.")
    )

    assert [r.action for r in results] == ["appended", "appended"]
    ticket.refresh_from_db()
    assert (ticket.status, ticket.version) == ("open", version + 2)
    assert ticket.resolution_state == "running"
    assert clocks_are_current(ticket)


def test_a_reply_failing_between_two_others_to_its_ticket_leaves_them_whole(
    world, smtp_sink, ingest, ingest_batch, monkeypatch
):
    ticket = opened(ingest)
    services.ticket_pend(actor=world.l1, ticket=ticket, reason="customer")
    real_attach = deciding._attach

    def attach(actor, message, parsed, work=None):  # fails after the reply was written
        if "n2-" in parsed.message_id:
            raise RuntimeError("the disk is full")
        return real_attach(actor, message, parsed, work)

    monkeypatch.setattr(deciding, "_attach", attach)

    results = ingest_batch(*(tagged(ticket.reference, n, f"Reply {n}.") for n in (1, 2, 3)))

    assert [r.action for r in results] == ["appended", "failed", "appended"]
    assert [body.split("\n")[0] for body in ticket.messages.values_list("body", flat=True)][1:] == [
        "Reply 1.",
        "Reply 3.",
    ]
    assert clocks_are_current(ticket)
    # The third reply did not trip over what the failed one had changed and was rolled back.
    third = InboundMessage.objects.get(message_id__startswith="n3-")
    assert third.attempts == 1


def test_a_batch_that_goes_through_takes_one_savepoint_not_one_per_message(
    world, smtp_sink, ingest, ingest_batch
):
    ticket = opened(ingest)

    with CaptureQueriesContext(connection) as queries:
        results = ingest_batch(*(tagged(ticket.reference, n, f"Reply {n}.") for n in range(4)))

    assert [r.action for r in results] == ["appended"] * 4
    savepoints = [q for q in queries.captured_queries if q["sql"].startswith("SAVEPOINT")]
    # The batch's transaction (a savepoint itself inside the test's) and its one pass.
    assert len(savepoints) == 2

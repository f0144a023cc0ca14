"""A batch of ticket events (a problem's broadcast) gets its reporters' mails composed at once:
each mail is the one the event would get on its own (its ticket's mailbox, its own thread),
the reads do not grow with the batch, and the batch reaches the worker as one task."""

from __future__ import annotations

from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext
from django_tasks_db.models import DBTaskResult

from tests.mail.conftest import corpus
from tierdesk.mail.events import event_mails_batched
from tierdesk.mail.models import InboundMessage, OutboundMail
from tierdesk.mail.outbound import event_mail, event_mails, outbound_send_many
from tierdesk.tickets import services
from tierdesk.tickets.models import EventKind, Ticket

FIELDS = ("ticket_id", "kind", "to_address", "subject", "body", "mailbox_id", "in_reply_to",
          "references", "status", "is_automatic")  # fmt: skip


def tickets_with_replies(world, ingest, count: int = 3) -> tuple[list[Ticket], list[int]]:
    """One ticket that came in by mail, the others from the portal; an agent replied to each
    (the reply events' mails not yet composed)."""
    result = ingest(corpus("thunderbird_plain.eml"))
    tickets = [Ticket.objects.get(pk=Ticket.pk_from_reference(result.ticket_reference))]
    for i in range(count - 1):
        contact = world.acme_contact if i % 2 else world.globex_contact
        tickets.append(services.ticket_open(
            actor=contact, organization=world.acme if i % 2 else world.globex, subject=f"Slow {i}",
            body="Since this morning.",
        ))  # fmt: skip
    events = []
    for ticket in tickets:
        message = services.ticket_reply(actor=world.l1, ticket=ticket, body="A fix is out.")
        events.append(ticket.events.get(kind=EventKind.REPLIED, data__message=message.pk).pk)
    return tickets, events


def replies() -> list[tuple]:
    return list(
        OutboundMail.objects.filter(kind="reply").order_by("ticket_id").values_list(*FIELDS)
    )


def test_a_batch_gets_the_mails_each_event_gets_on_its_own(world, mailbox, ingest):
    tickets, events = tickets_with_replies(world, ingest)
    with transaction.atomic():
        for event_id in events:
            event_mail(event_id)
        one_by_one = replies()
        transaction.set_rollback(True)

    assert event_mails(events) == 3
    assert replies() == one_by_one
    by_mail = OutboundMail.objects.get(ticket=tickets[0], kind="reply")
    # In the reporter's own thread: it answers the mail that opened the ticket.
    assert by_mail.in_reply_to == InboundMessage.objects.get(ticket=tickets[0]).message_id
    assert not OutboundMail.objects.filter(ticket=tickets[1], kind="reply", in_reply_to__gt="")
    assert by_mail.mailbox == mailbox
    assert event_mails(events) == 0  # a retried task queues nothing more


def test_the_reads_of_a_batch_do_not_grow_with_it(world, mailbox, ingest):
    _tickets, events = tickets_with_replies(world, ingest, count=6)
    with CaptureQueriesContext(connection) as two:
        event_mails(events[1:3])
    with CaptureQueriesContext(connection) as three:
        event_mails(events[3:])
    assert len(three) == len(two)


def test_events_committed_in_a_batch_block_reach_the_worker_as_one_task(
    world, mailbox, ingest, django_capture_on_commit_callbacks
):
    ticket = services.ticket_open(
        actor=world.acme_contact, organization=world.acme, subject="x", body="y"
    )
    DBTaskResult.objects.all().delete()
    with event_mails_batched(), django_capture_on_commit_callbacks(execute=True):
        first = services.ticket_reply(actor=world.l1, ticket=ticket, body="One.")
        second = services.ticket_reply(actor=world.l1, ticket=ticket, body="Two.")
    [task] = DBTaskResult.objects.filter(task_path__endswith="mail_notify_many")
    replied = ticket.events.filter(kind=EventKind.REPLIED, data__by_agent=True).order_by("pk")
    assert task.args_kwargs["args"] == [list(replied.values_list("pk", flat=True))]
    assert not DBTaskResult.objects.filter(task_path__endswith="mail_notify").exists()
    assert {first.pk, second.pk} == {e.data["message"] for e in replied}


def test_mails_sent_together_each_reach_their_reporter_once(world, mailbox, smtp_sink, ingest):
    _tickets, events = tickets_with_replies(world, ingest)
    smtp_sink.clear()
    event_mails(events)
    ids = list(OutboundMail.objects.filter(kind="reply").values_list("pk", flat=True))

    assert outbound_send_many(ids) == ["sent"] * 3
    assert outbound_send_many(ids) == ["skipped"] * 3  # sent once, never twice
    assert sorted(str(m["To"]) for m in smtp_sink.messages) == sorted(
        OutboundMail.objects.filter(pk__in=ids).values_list("to_address", flat=True)
    )


def test_a_batch_keeps_the_hourly_limit_of_automatic_mail_per_address(
    world, mailbox, ingest, settings
):
    ticket = services.ticket_open(
        actor=world.globex_contact, organization=world.globex, subject="x", body="y"
    )
    for reason in ("Tried.", "Again."):
        services.ticket_resolve(actor=world.l1, ticket=ticket, summary=reason)
        services.ticket_reopen(actor=world.l1, ticket=ticket, reason=reason)
    events = list(
        ticket.events.filter(kind__in=[EventKind.RESOLVED, EventKind.REOPENED])
        .order_by("pk")
        .values_list("pk", flat=True)
    )
    settings.TIERDESK_MAIL_AUTO_PER_HOUR = 3

    assert event_mails(events) == 4
    mails = OutboundMail.objects.filter(ticket=ticket).order_by("pk")
    assert [m.status for m in mails] == ["queued"] * 3 + ["suppressed"]
    assert "rate limit" in mails[3].last_error

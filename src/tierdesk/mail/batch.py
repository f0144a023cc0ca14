"""Many messages at once: what an IMAP poll fetched, the files of ``ingest-email``, an mbox.

The same guarantees as ``mail_ingest`` for each message, paid once per batch instead of once
per message:

1. Every raw message of the batch is stored with one multi-row INSERT (one commit), under its
   unique key, before any processing. A key already stored (another delivery) is left alone.
2. One transaction processes the batch: it locks the batch's rows (in id order, so concurrent
   batches cannot deadlock), looks up the senders in one query, and gives each message a
   savepoint of its own. An error rolls back only that message's savepoint; the message is
   marked ``failed`` with its traceback in the same transaction, for an admin to retry. The
   outcomes of the others are written together at the end (one UPDATE). A message that failed
   on a clash with another writer (``Conflict``, a deadlock) is tried once more on its own after
   the batch committed.
3. The acknowledgements of the batch's new tickets are inserted together at the end of the
   transaction and handed to the worker as one task; they commit with their tickets or not at
   all.
4. Callers act on the results (IMAP flags) only after this returns, that is after the commit.
   If the commit itself fails nothing of the batch was processed: the stored messages stay
   ``received`` and their next delivery processes them.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Any

from django.db import OperationalError, transaction

from tierdesk.core.clock import now
from tierdesk.core.errors import Conflict
from tierdesk.mail import parsing
from tierdesk.mail.models import InboundMessage, InboundStatus, IntakeAction, Mailbox, OutboundMail
from tierdesk.mail.outbound import outbound_queue_rows
from tierdesk.mail.senders import known_contacts
from tierdesk.mail.services import (
    FIRST_MESSAGE,
    IngestResult,
    Lookups,
    Outcome,
    duplicate_of,
    inbound_fail,
    inbound_process,
    inbound_row,
    process_locked,
    result_of,
)
from tierdesk.tickets.models import Message

# Raw bytes per INSERT: a batch of large messages is stored in a few statements, not one
# statement of hundreds of megabytes.
STORE_BYTES = 16 * 1024 * 1024


@dataclass(frozen=True)
class Delivery:
    """One message handed to the intake: its bytes, where it came from, and (LMTP, pipes) the
    envelope recipients."""

    raw: bytes
    source: str
    recipients: tuple[str, ...] = ()


def mail_ingest_batch(
    deliveries: Sequence[Delivery], *, mailbox: Mailbox | None = None
) -> list[IngestResult]:
    """Store, then process, many raw messages; one result per delivery, in order. Safe to call
    again with the same messages (they are duplicates then)."""
    if not deliveries:
        return []
    parsed = [parsing.parse(delivery.raw) for delivery in deliveries]
    rows = [
        inbound_row(delivery.raw, mail, source=delivery.source, mailbox=mailbox)
        for delivery, mail in zip(deliveries, parsed, strict=True)
    ]
    _store(rows)
    return _process(rows, parsed, deliveries)


def _store(rows: list[InboundMessage]) -> None:
    """Commit the rows not stored yet (first of each key); a stored key is left as it is."""
    unique = list({row.key: row for row in reversed(rows)}.values())[::-1]
    for chunk in _chunks(unique):
        # Outside a transaction this is its own committed transaction; ON CONFLICT DO NOTHING
        # (INSERT OR IGNORE on SQLite) leaves other deliveries' rows alone.
        InboundMessage.objects.bulk_create(chunk, ignore_conflicts=True)


def _chunks(rows: list[InboundMessage]) -> Iterator[list[InboundMessage]]:
    chunk: list[InboundMessage] = []
    size = 0
    for row in rows:
        if chunk and size + len(row.raw) > STORE_BYTES:
            yield chunk
            chunk, size = [], 0
        chunk.append(row)
        size += len(row.raw)
    if chunk:
        yield chunk


def _process(
    rows: list[InboundMessage],
    parsed: list[parsing.ParsedMail],
    deliveries: Sequence[Delivery],
) -> list[IngestResult]:
    results: dict[int, IngestResult] = {}
    first_of: dict[str, int] = {}  # key: index of its first delivery in the batch
    again: list[tuple[int, InboundMessage]] = []
    with transaction.atomic():
        locked = {
            row.key: row
            for row in InboundMessage.objects.select_for_update()
            .defer("raw")
            .filter(key__in=[row.key for row in rows])
            .order_by("pk")
        }
        acknowledgements: list[OutboundMail] = []
        finished: list[tuple[InboundMessage, Outcome]] = []
        lookups = Lookups(
            contacts=known_contacts(mail.from_address for mail in parsed),
            acknowledgements=acknowledgements,
            finished=finished,
        )
        for index, (row, mail, delivery) in enumerate(zip(rows, parsed, deliveries, strict=True)):
            if row.key in first_of:  # the same message twice in one batch
                continue
            first_of[row.key] = index
            inbound = locked.get(row.key)
            results[index], clashed = _one(inbound, row, mail, list(delivery.recipients), lookups)
            if clashed and inbound is not None:
                again.append((index, inbound))
        _finish_many([_finished(inbound, outcome) for inbound, outcome in finished])
        outbound_queue_rows(acknowledgements)
    for index, inbound in again:
        # A clash with another writer (compare-and-set, two batches locking the same tickets
        # in opposite order) is over once this batch committed: the message gets one more try
        # on its own, as a single delivery.
        results[index] = inbound_process(
            inbound, parsed[index], recipients=list(deliveries[index].recipients)
        )
    return [
        results[index] if first_of[row.key] == index else _again(results[first_of[row.key]])
        for index, row in enumerate(rows)
    ]


def _one(
    inbound: InboundMessage | None,
    stored: InboundMessage,
    mail: parsing.ParsedMail,
    recipients: list[str],
    lookups: Lookups,
) -> tuple[IngestResult, bool]:
    """Process one locked message in a savepoint of its own; the result, and whether it failed
    on a clash with another writer (worth one more try after the batch)."""
    if inbound is None:  # deleted between the INSERT and the lock (an admin): nothing to do
        return IngestResult(IntakeAction.FAILED, None, "the stored message is gone"), False
    if inbound.status == InboundStatus.PROCESSED:
        return duplicate_of(inbound), False
    if inbound.sha256 == stored.sha256:
        inbound.raw = stored.raw  # the bytes just stored: not fetched again
    if stored.mailbox is not None and stored.mailbox.pk == inbound.mailbox_id:
        inbound.mailbox = stored.mailbox
    if inbound.truncated:
        mail = parsing.parse(bytes(inbound.raw))
    acknowledgements, finished = lookups.acknowledgements or [], lookups.finished or []
    marks = len(acknowledgements), len(finished)
    try:
        with transaction.atomic():
            outcome = process_locked(inbound, mail, recipients, lookups)
    except Exception as exc:
        # Rolled back with the savepoint: neither answered nor finished.
        del acknowledgements[marks[0] :]
        del finished[marks[1] :]
        return inbound_fail(inbound, exc), isinstance(exc, Conflict | OperationalError)
    return result_of(inbound, outcome), False


def _again(first: IngestResult) -> IngestResult:
    if first.action == IntakeAction.FAILED:
        return first
    return IngestResult(
        IntakeAction.DUPLICATE, first.ticket_reference,
        f"same message as #{first.inbound_id} in this batch ({first.action})", first.inbound_id,
    )  # fmt: skip


@dataclass(frozen=True)
class Finished:
    """What _finish writes for one message, kept for a batch's single UPDATE."""

    inbound_id: int
    action: str
    reason: str
    ticket_id: int | None
    message_id: int | None
    first_message: bool  # the ticket's first message (a new ticket's), resolved by the UPDATE
    attempts: int
    mailbox_id: int | None


def _finished(inbound: InboundMessage, outcome: Outcome) -> Finished:
    message = outcome.message
    return Finished(
        inbound_id=inbound.pk, action=outcome.action, reason=outcome.reason[:2000],
        ticket_id=outcome.ticket.pk if outcome.ticket else None,
        message_id=message.pk if isinstance(message, Message) else None,
        first_message=message == FIRST_MESSAGE, attempts=inbound.attempts + 1,
        mailbox_id=outcome.mailbox.pk if outcome.mailbox else None,
    )  # fmt: skip


def _finish_many(rows: list[Finished]) -> None:
    """_finish for many messages in one statement (UPDATE ... FROM VALUES: PostgreSQL and
    SQLite 3.33+). The ORM's bulk_update builds a CASE per column and row, which costs more
    than the round trips it saves."""
    if not rows:
        return
    table = InboundMessage._meta.db_table
    messages = Message._meta.db_table
    values = ", ".join(["(%s, %s, %s, %s, %s, %s, %s, %s)"] * len(rows))
    sql = f"""
        UPDATE {table} SET status = %s, error = '', processed_at = %s,
            action = v.column2, reason = v.column3, ticket_id = CAST(v.column4 AS bigint),
            ticket_message_id = CASE WHEN v.column6 = 1
                THEN (SELECT MIN(id) FROM {messages} WHERE ticket_id = CAST(v.column4 AS bigint))
                ELSE CAST(v.column5 AS bigint) END,
            attempts = CAST(v.column7 AS integer),
            mailbox_id = COALESCE(CAST(v.column8 AS bigint), {table}.mailbox_id)
        FROM (VALUES {values}) AS v
        WHERE {table}.id = CAST(v.column1 AS bigint)
    """
    params: list[Any] = [InboundStatus.PROCESSED, now()]
    for row in rows:
        params += [
            row.inbound_id, row.action, row.reason, row.ticket_id, row.message_id,
            1 if row.first_message else 0, row.attempts, row.mailbox_id,
        ]  # fmt: skip
    with transaction.get_connection().cursor() as cursor:
        cursor.execute(sql, params)

"""Many messages at once: what an IMAP poll fetched, the files of ``ingest-email``, an mbox.

The same guarantees as ``mail_ingest`` for each message, paid once per batch instead of once
per message:

1. Every raw message of the batch is stored with one multi-row INSERT (one commit), under its
   unique key, before any processing. A key already stored (another delivery) is left alone.
2. One transaction processes the batch: it locks the batch's rows (in id order, so concurrent
   batches cannot deadlock), looks up the senders, the tickets the mails name and those
   tickets' SLA histories in one query each, and processes the messages in one savepoint. If
   any message fails, that savepoint is rolled back and the batch is processed again with a
   savepoint per message: an error then rolls back only that message's savepoint; the message
   is marked ``failed`` with its traceback in the same transaction, for an admin to retry.
   (Nothing of the first pass is kept, so the outcome is the one a savepoint per message gives;
   a batch that goes through, nearly every one, saves two round trips per message.) The
   outcomes of the others are written together at the end (one UPDATE), and the search
   documents of the tickets the batch changed are rewritten once, set-based, before the commit
   (the batch's ``UnitOfWork``, handed to every ticket service it calls, holds them, the
   histories and the plans it read up front).
   A message that failed on a clash with another writer (``Conflict``, a deadlock) is tried
   once more on its own after the batch committed.
3. The acknowledgements of the batch's new tickets are inserted together at the end of the
   transaction and handed to the worker as one task; they commit with their tickets or not at
   all.
4. Callers act on the results (IMAP flags) only after this returns, that is after the commit.
   If the commit itself fails nothing of the batch was processed: the stored messages stay
   ``received`` and their next delivery processes them.
"""

from __future__ import annotations

import copy
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field, replace
from typing import Any

from django.db import OperationalError, transaction

from tierdesk.core.clock import now
from tierdesk.core.errors import Conflict
from tierdesk.core.inserts import insert_rows
from tierdesk.mail import parsing
from tierdesk.mail.models import InboundMessage, InboundStatus, IntakeAction, Mailbox
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
    known_tickets,
    process_locked,
    result_of,
)
from tierdesk.mail.verifying import authenticate_all
from tierdesk.tickets.models import Message
from tierdesk.tickets.services import UnitOfWork

# Raw bytes per INSERT: a batch of large messages is stored in a few statements, not one
# statement of hundreds of megabytes.
STORE_BYTES = 16 * 1024 * 1024
# Rows per INSERT: well inside SQLite's limit on parameters (32,766) however large the batch.
STORE_ROWS = 500


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
    # Who sent each mail, after the raw mail is safe and before the processing transaction
    # opens: DNS answers (or their timeouts) never hold a write lock.
    authenticate_all(
        (delivery.raw, mail) for delivery, mail in zip(deliveries, parsed, strict=True)
    )
    return _process(rows, parsed, deliveries)


def _store(rows: list[InboundMessage]) -> None:
    """Commit the rows not stored yet (first of each key); a stored key is left as it is."""
    unique = list({row.key: row for row in reversed(rows)}.values())[::-1]
    for chunk in _chunks(unique):
        # Outside a transaction this is its own committed transaction; ON CONFLICT DO NOTHING
        # (INSERT OR IGNORE on SQLite) leaves other deliveries' rows alone.
        insert_rows(chunk, ignore_conflicts=True)


def _chunks(rows: list[InboundMessage]) -> Iterator[list[InboundMessage]]:
    chunk: list[InboundMessage] = []
    size = 0
    for row in rows:
        if chunk and (size + len(row.raw) > STORE_BYTES or len(chunk) == STORE_ROWS):
            yield chunk
            chunk, size = [], 0
        chunk.append(row)
        size += len(row.raw)
    if chunk:
        yield chunk


@dataclass(frozen=True)
class _Work:
    """One message of the batch to process: where its result goes, the row this batch stored
    (``stored``) and the locked row (``inbound``; ``None`` if it is gone)."""

    index: int
    inbound: InboundMessage | None
    stored: InboundMessage
    mail: parsing.ParsedMail
    recipients: list[str]


@dataclass
class _Pass:
    """What one pass over the batch produced."""

    lookups: Lookups
    results: dict[int, IngestResult] = field(default_factory=dict)
    again: list[tuple[int, InboundMessage]] = field(default_factory=list)  # clashed: one more try


def _process(
    rows: list[InboundMessage],
    parsed: list[parsing.ParsedMail],
    deliveries: Sequence[Delivery],
) -> list[IngestResult]:
    first_of: dict[str, int] = {}  # key: index of its first delivery in the batch
    for index, row in enumerate(rows):
        first_of.setdefault(row.key, index)
    with transaction.atomic():
        done = _run(_locked_work(rows, parsed, deliveries, first_of))
        finished = done.lookups.finished or []
        _finish_many([_finished(inbound, outcome) for inbound, outcome in finished])
        outbound_queue_rows(done.lookups.acknowledgements or [])
    for index, inbound in done.again:
        # A clash with another writer (compare-and-set, two batches locking the same tickets
        # in opposite order) is over once this batch committed: the message gets one more try
        # on its own, as a single delivery.
        done.results[index] = inbound_process(
            inbound, parsed[index], recipients=list(deliveries[index].recipients)
        )
    return [
        done.results[index]
        if first_of[row.key] == index
        else _again(done.results[first_of[row.key]])
        for index, row in enumerate(rows)
    ]


def _locked_work(
    rows: list[InboundMessage],
    parsed: list[parsing.ParsedMail],
    deliveries: Sequence[Delivery],
    first_of: dict[str, int],
) -> list[_Work]:
    """The first delivery of each message, with its stored row locked (in id order, so
    concurrent batches cannot deadlock on them)."""
    locked = {row.key: row for row in _lock_stored(list(first_of))}
    recipients = [list(delivery.recipients) for delivery in deliveries]
    return [
        _Work(index, locked.get(key), rows[index], parsed[index], recipients[index])
        for key, index in first_of.items()
    ]


def _lock_stored(keys: list[str]) -> list[InboundMessage]:
    """The stored rows of these keys, locked in id order. The raw bytes stay deferred (loaded
    on access), as processing needs only the parsed mail."""
    if not keys:
        return []
    stored = InboundMessage.objects.select_for_update().defer("raw").filter(key__in=keys)
    return list(stored.order_by("pk"))


def _run(work: list[_Work]) -> _Pass:
    """Every message in one savepoint first: nearly every batch succeeds whole, and a savepoint
    per message costs two round trips each. If any message fails, that savepoint is rolled back
    and the batch is done again with a savepoint per message, where a failure stays that
    message's (as if it had been so from the start: nothing of the first pass is kept)."""
    try:
        with transaction.atomic():
            # On copies of the locked rows: processing notes things on them (the mailbox found
            # by address), which a pass rolled back must not leave behind for the next.
            copies = [replace(item, inbound=copy.copy(item.inbound)) for item in work]
            return _pass(copies, isolated=False)
    except Exception:
        return _pass(work, isolated=True)


def _pass(work: list[_Work], *, isolated: bool) -> _Pass:
    contacts = known_contacts(item.mail.from_address for item in work)
    tickets = known_tickets(item.mail for item in work)
    # The replies' tickets' histories, read once for their SLA clocks; the senders'
    # organizations' plans, chosen once for the tickets they open; the search documents of
    # the tickets the pass changed, written once at its end (in the batch's transaction:
    # findable at the same commit as the messages).
    replied = [pk for pk, ticket in tickets.items() if ticket is not None]
    organizations = {c.organization_id: c.organization for c in contacts.values()}
    unit = UnitOfWork.preloaded(ticket_ids=replied, organizations=organizations.values())
    lookups = Lookups(
        contacts=contacts, tickets=tickets, acknowledgements=[], finished=[], work=unit
    )
    done = _Pass(lookups)
    for item in work:
        done.results[item.index], clashed = _one(item, lookups, isolated=isolated)
        if clashed and item.inbound is not None:
            done.again.append((item.index, item.inbound))
    unit.finish()
    return done


def _one(item: _Work, lookups: Lookups, *, isolated: bool) -> tuple[IngestResult, bool]:
    """Process one locked message; the result, and whether it failed on a clash with another
    writer (worth one more try after the batch). ``isolated``: in a savepoint of its own, a
    failure marks the message failed; otherwise the failure ends the pass."""
    inbound, stored, mail = item.inbound, item.stored, item.mail
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
    if not isolated:
        return result_of(inbound, process_locked(inbound, mail, item.recipients, lookups)), False
    acknowledgements, finished = lookups.acknowledgements or [], lookups.finished or []
    marks = len(acknowledgements), len(finished)
    try:
        with transaction.atomic():
            outcome = process_locked(inbound, mail, item.recipients, lookups)
    except Exception as exc:
        # Rolled back with the savepoint: neither answered nor finished; and the tickets and
        # histories looked up for the batch may hold what was rolled back (a version, an
        # event): the messages after it look theirs up again.
        del acknowledgements[marks[0] :]
        del finished[marks[1] :]
        if lookups.tickets:
            lookups.tickets.clear()
        if lookups.work is not None:
            lookups.work.forget()
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
    authentication: str


def _finished(inbound: InboundMessage, outcome: Outcome) -> Finished:
    message = outcome.message
    return Finished(
        inbound_id=inbound.pk, action=outcome.action, reason=outcome.reason[:2000],
        ticket_id=outcome.ticket.pk if outcome.ticket else None,
        message_id=message.pk if isinstance(message, Message) else None,
        first_message=message == FIRST_MESSAGE, attempts=inbound.attempts + 1,
        mailbox_id=outcome.mailbox.pk if outcome.mailbox else None,
        authentication=outcome.authentication,
    )  # fmt: skip


def _finish_many(rows: list[Finished]) -> None:
    """_finish for many messages in one statement (UPDATE ... FROM VALUES: PostgreSQL and
    SQLite 3.33+). The ORM's bulk_update builds a CASE per column and row, which costs more
    than the round trips it saves."""
    if not rows:
        return
    table = InboundMessage._meta.db_table
    messages = Message._meta.db_table
    values = ", ".join(["(%s, %s, %s, %s, %s, %s, %s, %s, %s)"] * len(rows))
    sql = f"""
        UPDATE {table} SET status = %s, error = '', processed_at = %s,
            action = v.column2, reason = v.column3, ticket_id = CAST(v.column4 AS bigint),
            ticket_message_id = CASE WHEN v.column6 = 1
                THEN (SELECT MIN(id) FROM {messages} WHERE ticket_id = CAST(v.column4 AS bigint))
                ELSE CAST(v.column5 AS bigint) END,
            attempts = CAST(v.column7 AS integer),
            mailbox_id = COALESCE(CAST(v.column8 AS bigint), {table}.mailbox_id),
            authentication = v.column9
        FROM (VALUES {values}) AS v
        WHERE {table}.id = CAST(v.column1 AS bigint)
    """
    params: list[Any] = [InboundStatus.PROCESSED, now()]
    for row in rows:
        params += [
            row.inbound_id, row.action, row.reason, row.ticket_id, row.message_id,
            1 if row.first_message else 0, row.attempts, row.mailbox_id, row.authentication,
        ]  # fmt: skip
    with transaction.get_connection().cursor() as cursor:
        cursor.execute(sql, params)

"""Storing and processing a received message: the steps around the decision."""

from __future__ import annotations

import logging
import traceback
from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Subquery

from tierdesk.core.clock import now
from tierdesk.mail import parsing, policies
from tierdesk.mail.models import (
    InboundMessage,
    InboundStatus,
    IntakeAction,
    Mailbox,
)
from tierdesk.mail.services.deciding import decide
from tierdesk.mail.services.results import FIRST_MESSAGE, IngestResult, Lookups, Outcome
from tierdesk.mail.verifying import authenticate_all
from tierdesk.tickets.domain import reference
from tierdesk.tickets.models import Message

log = logging.getLogger(__name__)


# ---- the entry point ---------------------------------------------------------------------


def mail_ingest(
    raw: bytes,
    *,
    source: str,
    mailbox: Mailbox | None = None,
    recipients: list[str] = (),  # type: ignore[assignment]
) -> IngestResult:
    """Store, then process, one raw message. Safe to call again with the same bytes."""
    parsed = parsing.parse(raw)
    inbound, created = inbound_store(raw, parsed, source=source, mailbox=mailbox)
    if not created and inbound.status == InboundStatus.PROCESSED:
        return duplicate_of(inbound)
    if inbound.truncated:
        parsed = parsing.parse(bytes(inbound.raw))
    authenticate(raw, parsed)
    return inbound_process(inbound, parsed, recipients=list(recipients))


def inbound_key(raw: bytes, parsed: parsing.ParsedMail) -> str:
    if parsed.message_id:
        return f"mid:{parsed.message_id}"[:300]
    return f"sha:{parsing.sha256(raw)}"


def inbound_row(
    raw: bytes, parsed: parsing.ParsedMail, *, source: str, mailbox: Mailbox | None
) -> InboundMessage:
    """The unsaved row of a received message: the raw bytes, or over the size limit only the
    header block."""
    truncated = len(raw) > settings.TIERDESK_MAIL_MAX_BYTES
    return InboundMessage(
        key=inbound_key(raw, parsed), mailbox=mailbox, source=source[:300],
        raw=parsing.header_block(raw) if truncated else raw, size=len(raw), truncated=truncated,
        sha256=parsing.sha256(raw), message_id=parsed.message_id[:250],
        from_address=parsed.from_address, subject=parsed.subject, received_at=now(),
        to_cc=f" {' '.join(parsed.to_cc[:100])} " if parsed.to_cc else "",
        sender_notes="\n".join(parsed.sender_patterns)[:2000],
    )  # fmt: skip


def inbound_store(
    raw: bytes, parsed: parsing.ParsedMail, *, source: str, mailbox: Mailbox | None
) -> tuple[InboundMessage, bool]:
    """Commit the raw message (or, over the size limit, its headers) before anything else."""
    inbound = inbound_row(raw, parsed, source=source, mailbox=mailbox)
    key = inbound.key
    connection = transaction.get_connection()
    try:
        if connection.in_atomic_block:
            with transaction.atomic():
                inbound.save()
        else:
            # Outside a transaction the INSERT alone is one committed transaction: one round
            # trip instead of BEGIN, INSERT, COMMIT, and the same durability.
            inbound.save()
        return inbound, True
    except IntegrityError:
        return InboundMessage.objects.get(key=key), False


def inbound_process(
    inbound: InboundMessage, parsed: parsing.ParsedMail, *, recipients: list[str] | None = None
) -> IngestResult:
    try:
        with transaction.atomic():
            locked = _lock(inbound)
            if locked.status == InboundStatus.PROCESSED:
                return IngestResult(
                    IntakeAction.DUPLICATE, _reference(locked.ticket_id),
                    f"already received as #{locked.pk}", locked.pk,
                )  # fmt: skip
            outcome = process_locked(locked, parsed, recipients or [], Lookups())
    except Exception as exc:
        return inbound_fail(inbound, exc)
    return result_of(inbound, outcome)


def process_locked(
    inbound: InboundMessage, parsed: parsing.ParsedMail, recipients: list[str], lookups: Lookups
) -> Outcome:
    """Decide what the (locked) stored message is and record it; the caller's transaction
    makes the ticket work, the acknowledgement and the stored outcome one."""
    outcome = decide(inbound, parsed, recipients, lookups)
    if parsed.authentication is not None:
        outcome.authentication = parsed.authentication.summary
    if outcome.ticket is not None and parsed.message_id:
        lookups.threaded[parsed.message_id] = outcome.ticket.pk
    if lookups.finished is None:
        _finish(inbound, outcome)
    else:
        lookups.finished.append((inbound, outcome))
    return outcome


def authenticate(raw: bytes, parsed: parsing.ParsedMail) -> None:
    """Check who sent the mail, outside any write transaction (DNS may take its timeout)."""
    authenticate_all([(raw, parsed)])


def result_of(inbound: InboundMessage, outcome: Outcome) -> IngestResult:
    ticket = outcome.ticket
    return IngestResult(
        outcome.action, ticket.reference if ticket else None, outcome.reason, inbound.pk
    )


def duplicate_of(inbound: InboundMessage) -> IngestResult:
    return IngestResult(
        IntakeAction.DUPLICATE, _reference(inbound.ticket_id),
        f"already received as #{inbound.pk} ({inbound.action})", inbound.pk,
    )  # fmt: skip


def _lock(inbound: InboundMessage) -> InboundMessage:
    """The stored row, locked: concurrent deliveries of one message process it once. The raw
    bytes and the mailbox the caller already holds are not fetched again."""
    locked = InboundMessage.objects.select_for_update().defer("raw").get(pk=inbound.pk)
    if "raw" in inbound.__dict__:
        locked.raw = inbound.raw
    cached = inbound._state.fields_cache.get("mailbox")
    if cached is not None and cached.pk == locked.mailbox_id:
        locked.mailbox = cached
    return locked


def mail_retry(*, actor: Any, inbound: InboundMessage) -> IngestResult:
    """Process a stored message again (after a failure was fixed); admins only."""
    policies.check(actor, policies.RETRY, inbound)
    if inbound.status == InboundStatus.PROCESSED:
        return IngestResult(IntakeAction.DUPLICATE, _reference(inbound.ticket_id),
                            "already processed", inbound.pk)  # fmt: skip
    raw = bytes(inbound.raw)
    parsed = parsing.parse(raw)
    authenticate(raw, parsed)
    return inbound_process(inbound, parsed)


def _finish(inbound: InboundMessage, outcome: Outcome) -> None:
    # A mailbox found by the mail's addresses is recorded with the outcome (no UPDATE of its own).
    changes: dict[str, Any] = {"mailbox": outcome.mailbox} if outcome.mailbox else {}
    message: Any = outcome.message
    if message == FIRST_MESSAGE and outcome.ticket is not None:
        first = Message.objects.filter(ticket_id=outcome.ticket.pk).order_by("id").values("pk")
        message = Subquery(first[:1])
    InboundMessage.objects.filter(pk=inbound.pk).update(
        status=InboundStatus.PROCESSED, action=outcome.action, reason=outcome.reason[:2000],
        ticket=outcome.ticket, ticket_message=message, processed_at=now(), error="",
        attempts=inbound.attempts + 1, authentication=outcome.authentication, **changes,
    )  # fmt: skip


def inbound_fail(inbound: InboundMessage, exc: Exception) -> IngestResult:
    log.exception("mail intake: message #%s failed", inbound.pk)
    error = "".join(traceback.format_exception(exc, limit=-8))[-4000:]
    InboundMessage.objects.filter(pk=inbound.pk).update(
        status=InboundStatus.FAILED, action=IntakeAction.FAILED, error=error,
        attempts=inbound.attempts + 1, processed_at=now(),
    )  # fmt: skip
    return IngestResult(IntakeAction.FAILED, None, f"{type(exc).__name__}: {exc}", inbound.pk)


def _reference(ticket_id: int | None) -> str | None:
    return None if ticket_id is None else reference(ticket_id)

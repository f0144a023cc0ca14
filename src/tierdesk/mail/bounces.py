"""Delivery reports: mark the address of a message we sent, file the report on its ticket,
and keep every other report for an admin to look at. A report never opens a ticket and never
starts any mail.

A report changes an address only when it names a message we sent *to that address*: the
returned original's Message-ID (one of ours, signed) must be a stored ``OutboundMail`` whose
recipient is the failed one. Anyone can write a ``multipart/report``; only we know which ids we
sent to whom. A hard bounce (5.x.x: no such user, domain gone) suppresses mail to the address
for ``TIERDESK_MAIL_HARD_BOUNCE_DAYS``; soft bounces (4.x.x: mailbox full, greylisting that
never cleared) suppress it for ``TIERDESK_MAIL_SOFT_BOUNCE_HOURS`` once three come within a
week. A "delayed" warning changes nothing and tells no one. The rest (reports about mail we did
not send, or whose recipient is not the one we sent to) go to the unmatched mail.
"""

from __future__ import annotations

import io
from datetime import timedelta
from typing import Any

from django.conf import settings

from tierdesk.accounts.principal import SYSTEM
from tierdesk.core.clock import now
from tierdesk.mail.models import (
    AddressState,
    InboundMessage,
    IntakeAction,
    OutboundMail,
    UnmatchedKind,
    UnmatchedMail,
)
from tierdesk.mail.parsing import DeliveryStatus, ParsedMail
from tierdesk.tickets import services as tickets
from tierdesk.tickets.models import Ticket
from tierdesk.tickets.services import UnitOfWork

SOFT_BOUNCES_TO_SUPPRESS = 3
SOFT_WINDOW = timedelta(days=7)


def bounce_handle(
    inbound: InboundMessage, parsed: ParsedMail, work: UnitOfWork | None = None
) -> tuple[str, str, Ticket | None]:
    """Mark the addresses of ours that bounced and file the report; (action, reason, ticket)."""
    sent = _sent(parsed.bounced_message_id)
    ours = [s for s in parsed.delivery_status if sent and s.recipient == sent.to_address.lower()]
    failures = [status for status in ours if status.is_failure]
    if not failures:
        return _no_failure_of_ours(inbound, parsed, ours, sent)
    for status in failures:
        address_bounced(status)
    ticket = Ticket.objects.filter(pk=sent.ticket_id).first() if sent and sent.ticket_id else None
    summary = "; ".join(_describe(s) for s in failures)
    if ticket is not None:
        _file_report(inbound, ticket, summary, work)
    where = f" on {ticket.reference}" if ticket else ""
    return IntakeAction.BOUNCE, f"{parsed.report_format} report: {summary}{where}", ticket


def _no_failure_of_ours(
    inbound: InboundMessage,
    parsed: ParsedMail,
    ours: list[DeliveryStatus],
    sent: OutboundMail | None,
) -> tuple[str, str, Ticket | None]:
    if ours:  # a delay of a mail of ours: it may still arrive, nobody needs to hear of it
        return IntakeAction.BOUNCE, f"delivery delayed: {_describe(ours[0])}", None
    statuses = parsed.delivery_status
    delayed = bool(statuses) and all(status.is_delay for status in statuses)
    kind = UnmatchedKind.DELAY if delayed else UnmatchedKind.BOUNCE
    first = statuses[0] if statuses else None
    why = "its recipient is not the one we sent to" if sent else "names no message we sent"
    detail = "; ".join(_describe(s) for s in statuses[:20]) or "no recipient found"
    unmatched_keep(
        inbound, kind=kind, recipient=first.recipient if first else "",
        status=first.status if first else "", detail=f"{parsed.report_format}: {detail}",
    )  # fmt: skip
    return IntakeAction.UNMATCHED, f"{parsed.report_format} report that {why}: {detail}", None


def unmatched_keep(
    inbound: InboundMessage, *, kind: str, recipient: str = "", status: str = "", detail: str = ""
) -> UnmatchedMail:
    """Keep a report or auto-reply that belongs to nothing for an admin to look at."""
    return UnmatchedMail.objects.create(
        inbound=inbound, kind=kind, recipient=recipient[:254], status=status[:20],
        detail=detail[:4000], created_at=now(),
    )  # fmt: skip


def _sent(message_id: str) -> OutboundMail | None:
    if not message_id:
        return None
    return (
        OutboundMail.objects.filter(message_id=message_id.strip("<> "))
        .only("pk", "ticket_id", "to_address")
        .first()
    )


def _describe(status: DeliveryStatus) -> str:
    kind = "delayed" if status.is_delay else "hard bounce" if status.is_hard else "soft bounce"
    text = f"{status.recipient}: {status.status or '?'} ({kind})"
    return f"{text} {status.diagnostic}".strip()[:600]


def _file_report(
    inbound: InboundMessage, ticket: Ticket, summary: str, work: UnitOfWork | None
) -> None:
    tickets.attachment_add(
        actor=SYSTEM, ticket=ticket, stream=io.BytesIO(bytes(inbound.raw)),
        filename="delivery-report.eml", content_type="message/rfc822", internal=True, work=work,
    )  # fmt: skip
    tickets.ticket_note(
        actor=SYSTEM, ticket=ticket, body=f"Mail could not be delivered: {summary}", work=work
    )


def address_bounced(status: DeliveryStatus) -> AddressState:
    """Count the bounce and, when it warrants, suppress mail to the address for a while."""
    at = now()
    state, _ = AddressState.objects.select_for_update().get_or_create(address=status.recipient)
    changes: dict[str, Any] = {
        "last_status": status.status[:20],
        "last_diagnostic": status.diagnostic,
        "last_bounce_at": at,
    }
    if status.is_hard:
        changes["hard_bounces"] = state.hard_bounces + 1
        changes["suppressed_until"] = at + timedelta(days=settings.TIERDESK_MAIL_HARD_BOUNCE_DAYS)
    else:
        recent = state.last_bounce_at is not None and at - state.last_bounce_at <= SOFT_WINDOW
        soft = (state.soft_bounces if recent else 0) + 1
        changes["soft_bounces"] = soft
        if soft >= SOFT_BOUNCES_TO_SUPPRESS:
            hours = settings.TIERDESK_MAIL_SOFT_BOUNCE_HOURS
            changes["suppressed_until"] = at + timedelta(hours=hours)
    AddressState.objects.filter(pk=state.pk).update(**changes)
    for name, value in changes.items():
        setattr(state, name, value)
    return state


def address_unsuppress(*, address: str) -> int:
    """An admin says the address works again (the customer fixed their mailbox)."""
    return AddressState.objects.filter(address=address.lower()).update(
        suppressed_until=None, soft_bounces=0
    )

"""Delivery-status reports: attach them to the ticket whose mail bounced and stop mailing an
address that does not take mail.

A hard bounce (5.x.x: no such user, domain gone) suppresses mail to the address for
``TIERDESK_MAIL_HARD_BOUNCE_DAYS``. Soft bounces (4.x.x: mailbox full, greylisting that never
cleared) suppress it for ``TIERDESK_MAIL_SOFT_BOUNCE_HOURS`` once three come within a week. A
report never starts any mail itself.
"""

from __future__ import annotations

import io
from datetime import timedelta
from typing import Any

from django.conf import settings

from tierdesk.accounts.principal import SYSTEM
from tierdesk.core.clock import now
from tierdesk.mail.models import AddressState, InboundMessage, IntakeAction, OutboundMail
from tierdesk.mail.parsing import DeliveryStatus, ParsedMail
from tierdesk.mail.threading import ticket_pk_from_message_id
from tierdesk.tickets import services as tickets
from tierdesk.tickets.models import Ticket

SOFT_BOUNCES_TO_SUPPRESS = 3
SOFT_WINDOW = timedelta(days=7)


def bounce_handle(inbound: InboundMessage, parsed: ParsedMail) -> tuple[str, str, Ticket | None]:
    """Record the failures and file the report on its ticket; (action, reason, ticket)."""
    failures = [status for status in parsed.delivery_status if status.is_failure]
    for status in failures:
        address_bounced(status)
    ticket = _bounced_ticket(parsed.bounced_message_id)
    summary = "; ".join(_describe(s) for s in failures) or "no failed recipients (delay notice)"
    if ticket is not None:
        _file_report(inbound, ticket, summary)
    where = f" on {ticket.reference}" if ticket else " (no ticket found for the bounced mail)"
    return IntakeAction.BOUNCE, summary + where, ticket


def _bounced_ticket(message_id: str) -> Ticket | None:
    if not message_id:
        return None
    sent = OutboundMail.objects.filter(message_id=message_id).only("ticket_id").first()
    pk = sent.ticket_id if sent is not None else ticket_pk_from_message_id(message_id)
    return Ticket.objects.filter(pk=pk or 0).first()


def _describe(status: DeliveryStatus) -> str:
    kind = "hard" if status.is_hard else "soft"
    text = f"{status.recipient}: {status.status or '?'} ({kind} bounce)"
    return f"{text} {status.diagnostic}".strip()


def _file_report(inbound: InboundMessage, ticket: Ticket, summary: str) -> None:
    tickets.attachment_add(
        actor=SYSTEM, ticket=ticket, stream=io.BytesIO(bytes(inbound.raw)),
        filename="delivery-report.eml", content_type="message/rfc822", internal=True,
    )  # fmt: skip
    tickets.ticket_note(actor=SYSTEM, ticket=ticket, body=f"Mail could not be delivered: {summary}")


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

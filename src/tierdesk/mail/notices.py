"""Which ticket events the reporter hears about by mail (P8), and what each notice says.

An agent's public reply goes out as that reply; waiting on the customer asks them for the
information; any other wait, a resolution and a reopening by support are status notices. The
reporter's own actions and everything internal stay quiet.
"""

from __future__ import annotations

from typing import Any

from tierdesk.accounts.principal import principal_of
from tierdesk.core.rating_links import VERDICTS, rating_url
from tierdesk.mail.models import OutboundKind
from tierdesk.mail.rendering import ticket_subject
from tierdesk.tickets.models import EventKind, Message, TicketEvent

# Events that may send the reporter a mail (``_kind_and_context`` says which ones actually do);
# ``events.mail_may_follow`` hands only these to the worker.
MAIL_EVENT_KINDS = frozenset(
    {EventKind.REPLIED, EventKind.PENDED, EventKind.RESOLVED, EventKind.REOPENED}
)


def notice_for_event(event_id: int) -> dict[str, Any] | None:
    """Arguments for ``outbound_queue``, or ``None`` when the event needs no mail."""
    event = (
        TicketEvent.objects.select_related("ticket__reporter", "ticket__sla_plan", "actor")
        .filter(pk=event_id, kind__in=MAIL_EVENT_KINDS)
        .first()
    )
    if event is None or not event.is_public:
        return None
    ticket = event.ticket
    reporter = ticket.reporter
    if reporter is None or not reporter.email:
        return None
    kind, extra = _kind_and_context(event)
    if kind is None:
        return None
    context = {
        "reference": ticket.reference,
        "subject": ticket_subject(ticket),
        "name": reporter.name,
        "agent": _name(event.actor),
        **extra,
    }
    return {
        "kind": kind,
        "to": reporter.email.lower(),
        "context": context,
        "dedupe_key": f"event:{event.pk}:{reporter.email.lower()}",
        "ticket": ticket,
    }


def _kind_and_context(event: TicketEvent) -> tuple[str | None, dict[str, Any]]:
    data = event.data or {}
    ticket = event.ticket
    if event.kind == EventKind.REPLIED:
        if not data.get("by_agent"):
            return None, {}
        message = Message.objects.filter(pk=int(data.get("message") or 0), kind="public").first()
        return (OutboundKind.REPLY, {"body": message.body}) if message else (None, {})
    if event.kind == EventKind.PENDED:
        note = data.get("note", "")
        if data.get("reason") == "customer":
            return OutboundKind.INFO_REQUEST, {"note": note}
        return OutboundKind.PENDING, {"note": note, "reason": ticket.get_pending_reason_display()}
    if event.kind == EventKind.RESOLVED:
        return OutboundKind.RESOLVED, {"summary": data.get("summary", ""), **_rating_links(ticket)}
    if event.kind == EventKind.REOPENED and _is_agent(event.actor):
        return OutboundKind.REOPENED, {"reason": data.get("reason", "")}
    return None, {}


def _rating_links(ticket: Any) -> dict[str, str]:
    """The one-click good / bad links for the reporter (the token's home: core.rating_links)."""
    return {
        f"rate_{verdict}_url": rating_url(ticket.pk, ticket.reporter_id, verdict)
        for verdict in VERDICTS
    }


def _is_agent(user: Any) -> bool:
    return user is not None and principal_of(user).is_agent


def _name(user: Any) -> str:
    if user is None:
        return "Support"
    return getattr(user, "display_name", "") or user.get_full_name() or user.get_username()


__all__ = ["MAIL_EVENT_KINDS", "notice_for_event"]

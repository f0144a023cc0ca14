"""Which ticket events the reporter hears about by mail (P8), and what each notice says.

An agent's public reply goes out as that reply; waiting on the customer asks them for the
information; any other wait, a resolution and a reopening by support are status notices. The
reporter's own actions and everything internal stay quiet.
"""

from __future__ import annotations

from collections.abc import Iterable
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
    return notices_for_events([event_id]).get(event_id)


def notices_for_events(event_ids: Iterable[int]) -> dict[int, dict[str, Any]]:
    """``notice_for_event`` for many events at once, by event id (an event that needs no mail
    is left out): the events with their tickets, reporters and actors in one query, the
    replies they announce in one more."""
    events = list(
        TicketEvent.objects.select_related("ticket__reporter", "ticket__sla_plan", "actor")
        .filter(pk__in=list(event_ids), kind__in=MAIL_EVENT_KINDS, is_public=True)
        .order_by("pk")
    )
    replies = _replies(events)
    notices = {}
    for event in events:
        notice = _notice(event, replies)
        if notice is not None:
            notices[event.pk] = notice
    return notices


def _replies(events: list[TicketEvent]) -> dict[int, Message]:
    """The public messages the agents' reply events name, by id."""
    ids = {
        int((event.data or {}).get("message") or 0)
        for event in events
        if event.kind == EventKind.REPLIED
    }
    return {m.pk: m for m in Message.objects.filter(pk__in=ids - {0}, kind="public")}


def _notice(event: TicketEvent, replies: dict[int, Message]) -> dict[str, Any] | None:
    ticket = event.ticket
    reporter = ticket.reporter
    if reporter is None or not reporter.email:
        return None
    kind, extra = _kind_and_context(event, replies)
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


def _kind_and_context(
    event: TicketEvent, replies: dict[int, Message]
) -> tuple[str | None, dict[str, Any]]:
    data = event.data or {}
    ticket = event.ticket
    if event.kind == EventKind.REPLIED:
        if not data.get("by_agent"):
            return None, {}
        message = replies.get(int(data.get("message") or 0))
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


__all__ = ["MAIL_EVENT_KINDS", "notice_for_event", "notices_for_events"]

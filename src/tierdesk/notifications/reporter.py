"""What the reporter hears of the steps a ticket takes by itself: the reminder while it waits on
them, and the closing of a resolved ticket (the resolution itself is mail's resolution notice).
Queued through mail's outbound pipeline, on the ticket's thread (``mailing.queue_mail``)."""

from __future__ import annotations

from typing import Any

from tierdesk.mail.rendering import ticket_subject
from tierdesk.notifications.mailing import AUTO_CLOSED_KIND, REMINDER_KIND, queue_mail
from tierdesk.tickets.models import EventKind, TicketEvent


def reporter_may_hear(*, kind: str, data: dict[str, Any], **_: Any) -> bool:
    return kind == EventKind.REMINDED or (kind == EventKind.CLOSED and bool(data.get("auto")))


def reporter_mail_for_event(event_id: int) -> int:
    """Queue the reporter's mail about one such event; the count queued (0 or 1)."""
    event = TicketEvent.objects.select_related("ticket__reporter", "ticket__sla_plan").get(
        pk=event_id
    )
    ticket, data = event.ticket, event.data or {}
    reporter = ticket.reporter
    if reporter is None or not reporter.email or not reporter_may_hear(kind=event.kind, data=data):
        return 0
    context: dict[str, Any] = {"name": reporter.name}
    if event.kind == EventKind.REMINDED:
        kind, template = REMINDER_KIND, "reminder.txt"
        subject = f"Reminder: {ticket_subject(ticket)}"
        context.update(note=ticket.pending_note, resolve_days=data.get("resolve_days"))
    else:
        days = ticket.sla_plan.close_resolved_after_days if ticket.sla_plan else None
        kind, template = AUTO_CLOSED_KIND, "auto_closed.txt"
        subject = f"Closed: {ticket_subject(ticket)}"
        context["reason"] = (
            f"it was resolved {days} days ago and we did not hear back."
            if days
            else "the waiting period ended."
        )
    mail = queue_mail(
        kind=kind, to=reporter.email.lower(), subject=subject, template=template,
        context=context, dedupe_key=f"event:{event.pk}:{reporter.email.lower()}", ticket=ticket,
        on_ticket=True,
    )  # fmt: skip
    return 1 if mail is not None else 0

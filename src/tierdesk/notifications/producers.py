"""Who hears about a ticket event: assignment, escalation to a level or team, a customer's
reply, a mention in an internal note, an emergency or a new ticket in a team.

``NotificationsConfig.ready()`` subscribes ``event_on_commit`` to the ticket domain's
``event_recorded`` hook with ``may_concern_people`` as its predicate; the worker runs
``notifications_for_event``. The SLA sweep raises its own notifications (warning, breach, each
chain step) in its batch; everything is stored with ``accounts.services.notifications_raise``.
"""

from __future__ import annotations

import re
from typing import Any

from django.conf import settings

from tierdesk.accounts.models import Agent, Notification, NotificationKind, User
from tierdesk.accounts.services import notifications_raise
from tierdesk.core.clock import now
from tierdesk.notifications import config
from tierdesk.tickets import policies
from tierdesk.tickets.models import EventKind, Message, Ticket, TicketEvent

# Events that may tell an agent something (the predicate narrows replies and openings).
PEOPLE_EVENT_KINDS = frozenset(
    {EventKind.ASSIGNED, EventKind.ESCALATED, EventKind.REPLIED, EventKind.NOTED, EventKind.OPENED}
)
MENTION = re.compile(r"(?<![\w.@])@([\w.+-]+[\w])")


def may_concern_people(*, kind: str, data: dict[str, Any], **_: Any) -> bool:
    """Cheap: whether the event can notify anybody, so most events cost no task row."""
    if kind == EventKind.REPLIED:
        return not data.get("by_agent")
    if kind == EventKind.OPENED:
        return bool(data.get("emergency")) or config.anybody_wants_new_tickets()
    return kind in PEOPLE_EVENT_KINDS


def notifications_for_event(event_id: int) -> int:
    """Raise the notifications one ticket event gives; the count of recipients."""
    event = (
        TicketEvent.objects.select_related("ticket__team__lead", "ticket__assignee", "actor")
        .filter(pk=event_id, kind__in=PEOPLE_EVENT_KINDS)
        .first()
    )
    if event is None:
        return 0
    rows = [
        _row(event, user, kind, title)
        for kind, users, title in _audiences(event)
        for user in users
        if user.is_active and user.pk != event.actor_id
    ]
    notifications_raise(rows)
    return len(rows)


def _audiences(event: TicketEvent) -> list[tuple[str, list[Any], str]]:
    ticket, ref = event.ticket, event.ticket.reference
    assignee = [ticket.assignee] if ticket.assignee else []
    if event.kind == EventKind.ASSIGNED:
        return [(NotificationKind.ASSIGNED, assignee, f"{ref} was assigned to you")]
    if event.kind == EventKind.ESCALATED:
        people = assignee or team_members(ticket, level=ticket.support_level)
        title = f"{ref} was escalated to L{ticket.support_level}"
        return [(NotificationKind.ESCALATED, people, title)]
    if event.kind == EventKind.REPLIED:
        return [(NotificationKind.CUSTOMER_REPLIED, assignee, f"{ref}: the customer replied")]
    if event.kind == EventKind.NOTED:
        return [(NotificationKind.MENTIONED, _mentioned(event), f"{ref}: you were mentioned")]
    return _opened(ticket, ref)


def _opened(ticket: Ticket, ref: str) -> list[tuple[str, list[Any], str]]:
    if ticket.is_emergency:
        people = team_members(ticket) or managers()
        return [(NotificationKind.EMERGENCY, people, f"Emergency {ref}: {ticket.subject}")]
    wanting = [u for u in team_members(ticket) if config.wants_new_tickets(u.pk)]
    return [(NotificationKind.NEW_TICKET, wanting, f"New ticket {ref}: {ticket.subject}")]


def team_members(ticket: Ticket, *, level: int = 1) -> list[Any]:
    """The agents of the ticket's team at ``level`` or above (its lead included)."""
    if ticket.team_id is None:
        return []
    agents = Agent.objects.filter(teams=ticket.team_id, support_level__gte=level)
    people = list(User.objects.filter(agent__in=agents))
    lead = ticket.team.lead if ticket.team else None
    if lead is not None and lead not in people:
        people.append(lead)
    return people


def managers() -> list[Any]:
    return list(User.objects.filter(agent__is_manager=True))


def _mentioned(event: TicketEvent) -> list[Any]:
    message = Message.objects.filter(pk=int((event.data or {}).get("message") or 0)).first()
    names = set(MENTION.findall(message.body)) if message else set()
    if not names:
        return []
    people = User.objects.filter(username__in=names, agent__isnull=False, is_active=True)
    return [user for user in people if policies.can(user, policies.VIEW, event.ticket)]


def _row(event: TicketEvent, user: Any, kind: str, title: str) -> Notification:
    ticket = event.ticket
    return Notification(
        recipient=user, ticket=ticket, kind=kind, title=title[:255],
        urgent=is_urgent(ticket), dedupe_key=f"event:{event.pk}:{kind}:{user.pk}",
        data={"event": event.pk, "actor": str(event.actor) if event.actor else "Tierdesk"},
        created_at=now(),
    )  # fmt: skip


def is_urgent(ticket: Any) -> bool:
    """P1 and emergencies: quiet hours and the digest never hold them back."""
    return bool(ticket.is_emergency) or ticket.priority == 1


def ticket_link(ticket: Any) -> str:
    return f"{settings.SITE_URL}/desk/tickets/{ticket.reference}/"

"""Who may see alert groups and acknowledge them; who configures sources. One rule, two faces.

An alert group is seen by whoever may add notes to its ticket (an agent who sees the ticket:
``tickets.policies``), and acknowledged by the same people; contacts never see the monitoring
side of a ticket. Sources, rules and the rota are the administrators' (the admin site).
"""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet

from tierdesk.accounts.principal import principal_of
from tierdesk.tickets import policies as ticket_policies
from tierdesk.tickets.domain import Action
from tierdesk.tickets.models import Ticket

VIEW = "view"
ACKNOWLEDGE = "acknowledge"
ACTIONS = frozenset({VIEW, ACKNOWLEDGE})


def can(actor: Any, action: str, group: Any) -> bool:
    if action not in ACTIONS or group.ticket_id is None:
        return False
    if not principal_of(actor).is_agent:
        return False
    return ticket_policies.can(actor, Action.NOTE, group.ticket)


def visible(actor: Any, action: str, queryset: QuerySet) -> QuerySet:
    if action not in ACTIONS or not principal_of(actor).is_agent:
        return queryset.none()
    if principal_of(actor).sees_everything:
        return queryset
    tickets = ticket_policies.visible(actor, Action.NOTE, Ticket.objects.all())
    return queryset.filter(ticket__in=tickets.values("pk"))

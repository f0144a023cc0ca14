"""Who may see stored mail and act on it: one rule, two faces (``can`` and ``visible``).

The intake queue (raw messages, errors, bounces) is for admins and managers: it holds mail of
every customer. Anyone who may see a ticket may see the original of a message on it, so a
customer can check what their own mail said.
"""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet

from tierdesk.accounts.principal import Role, principal_of
from tierdesk.core.errors import Forbidden, NotFound
from tierdesk.tickets import policies as ticket_policies
from tierdesk.tickets.models import Ticket

VIEW = "view"
RETRY = "retry"
ADMINISTER = frozenset({VIEW, RETRY})
MAIL_ADMINS = frozenset({Role.SYSTEM, Role.ADMIN, Role.MANAGER})


def can(user: Any, action: str, inbound: Any) -> bool:
    principal = principal_of(user)
    if principal.role in MAIL_ADMINS:
        return action in ADMINISTER
    if action != VIEW or inbound.ticket_message_id is None:
        return False
    return ticket_policies.can(user, ticket_policies.VIEW, inbound.ticket)


def visible(user: Any, action: str, queryset: QuerySet) -> QuerySet:
    principal = principal_of(user)
    if principal.role in MAIL_ADMINS:
        return queryset if action in ADMINISTER else queryset.none()
    if action != VIEW:
        return queryset.none()
    tickets = ticket_policies.visible(user, ticket_policies.VIEW, Ticket.objects.all())
    return queryset.filter(ticket_message__isnull=False, ticket__in=tickets.values("pk"))


def check(user: Any, action: str, inbound: Any) -> None:
    if not can(user, VIEW, inbound):
        raise NotFound("No such message.")
    if not can(user, action, inbound):
        raise Forbidden("Only admins and managers may do that to stored mail.")

"""Reads of stored mail, already scoped to the user."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet

from tierdesk.core.errors import NotFound
from tierdesk.mail import policies
from tierdesk.mail.models import InboundMessage, InboundStatus, OutboundMail
from tierdesk.tickets import policies as ticket_policies


def inbound_list(*, user: Any, status: str | None = None) -> QuerySet[InboundMessage]:
    queryset = InboundMessage.objects.select_related("mailbox", "ticket").defer("raw")
    if status:
        queryset = queryset.filter(status=status)
    return policies.visible(user, policies.VIEW, queryset)


def inbound_failed(*, user: Any) -> QuerySet[InboundMessage]:
    return inbound_list(user=user, status=InboundStatus.FAILED)


def original_of_message(*, user: Any, message_id: int) -> InboundMessage:
    """The full original e-mail behind a ticket message (headers, quotes, every part)."""
    queryset = InboundMessage.objects.select_related("ticket__organization")
    found = policies.visible(user, policies.VIEW, queryset).filter(ticket_message_id=message_id)
    inbound = found.first()
    if inbound is None:
        raise NotFound("No such message.")
    return inbound


def outbound_for_ticket(*, user: Any, ticket: Any) -> QuerySet[OutboundMail]:
    """Mail sent about a ticket, for support staff looking at its delivery."""
    if not ticket_policies.sees_internal(user) or not ticket_policies.can(
        user, ticket_policies.VIEW, ticket
    ):
        return OutboundMail.objects.none()
    return OutboundMail.objects.filter(ticket=ticket).order_by("created_at")

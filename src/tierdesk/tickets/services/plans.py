"""A ticket's SLA plan as its subscriptions change: the SLA engine chooses, the ticket records."""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.db.models import Q

from tierdesk.accounts.principal import SYSTEM
from tierdesk.sla.services import plan_for
from tierdesk.tickets.models import OPEN_STATUSES, EventKind, Ticket
from tierdesk.tickets.services.base import change_and_record


def ticket_plan_refresh(*, actor: Any, ticket: Ticket) -> bool:
    """Re-choose the ticket's plan (after a subscription or product change); True if it moved.
    The clocks the new plan gives ride in the change's UPDATE."""
    plan = plan_for(ticket.organization, ticket.product_id)
    new_id = plan.pk if plan else None
    if new_id == ticket.sla_plan_id:
        return False
    old_id = ticket.sla_plan_id
    with transaction.atomic():
        change_and_record(
            ticket, EventKind.PLAN_CHANGED, actor, {"sla_plan_id": new_id},
            plan=[old_id, new_id], name=getattr(plan, "name", None),
        )  # fmt: skip
    return True


def organization_plans_refresh(*, organization_id: int) -> int:
    """Re-choose the plan of every active ticket of the organization and, for a partner, of its
    customers (after a subscription changed); returns how many tickets moved plan."""
    tickets = Ticket.objects.filter(status__in=OPEN_STATUSES).filter(
        Q(organization_id=organization_id) | Q(organization__partner_id=organization_id)
    )
    moved = 0
    for ticket in tickets.select_related("organization").iterator(chunk_size=500):
        moved += ticket_plan_refresh(actor=SYSTEM, ticket=ticket)
    return moved

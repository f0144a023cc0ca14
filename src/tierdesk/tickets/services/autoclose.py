"""Tickets that finish by themselves (P8), by the plan's days:

- a resolved ticket closes ``close_resolved_after_days`` after its resolution, unless the
  customer replied (a reply reopens it, so it is no longer resolved);
- a ticket waiting on the customer gets a reminder ``remind_pending_after_days`` after it began
  waiting, and is resolved ``resolve_pending_after_days`` after the reminder.

Each step is a ticket service run as ``SYSTEM`` and recorded on the timeline (``closed`` with
``auto``, ``reminded``, ``resolved``); the reporter hears of each by mail. The periodic job may
run on many workers at once: each step is a compare-and-set on the ticket's version, so the
worker that loses the race skips the ticket (``Conflict``) and each step happens once.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta
from typing import Any

from django.db import transaction
from django.db.models import F, OuterRef, Q, QuerySet, Subquery

from tierdesk.accounts.principal import SYSTEM
from tierdesk.core.clock import now
from tierdesk.core.errors import TierdeskError
from tierdesk.sla.models import Plan
from tierdesk.tickets.domain import PendingReason, Status
from tierdesk.tickets.models import EventKind, Ticket, TicketEvent
from tierdesk.tickets.services.base import change_and_record
from tierdesk.tickets.services.lifecycle import ticket_close, ticket_resolve

log = logging.getLogger(__name__)


def tickets_finish_waiting(*, at: datetime | None = None, limit: int = 500) -> int:
    """Close, remind and resolve what the plans say is due; the count of steps taken."""
    at = at or now()
    done = 0
    for plan in Plan.objects.all():
        done += _each(_resolved_to_close(plan, at), _close, limit)
        done += _each(_pending_to_remind(plan, at), _remind, limit)
        done += _each(_reminded_to_resolve(plan, at), _resolve_unanswered, limit)
    return done


def _resolved_to_close(plan: Plan, at: datetime) -> QuerySet[Ticket]:
    if plan.close_resolved_after_days is None:
        return Ticket.objects.none()
    cutoff = at - timedelta(days=plan.close_resolved_after_days)
    return Ticket.objects.filter(sla_plan=plan, status=Status.RESOLVED, resolved_at__lte=cutoff)


def _waiting(plan: Plan) -> QuerySet[Any]:  # annotated: the stubs know only model fields
    """Tickets of the plan waiting on the customer, with when that began and the last reminder."""
    events = TicketEvent.objects.filter(ticket=OuterRef("pk")).order_by("-at", "-id")
    return Ticket.objects.filter(
        sla_plan=plan, status=Status.PENDING, pending_reason=PendingReason.CUSTOMER
    ).annotate(
        waiting_since=Subquery(events.filter(kind=EventKind.PENDED).values("at")[:1]),
        reminded_at=Subquery(events.filter(kind=EventKind.REMINDED).values("at")[:1]),
    )


def _pending_to_remind(plan: Plan, at: datetime) -> QuerySet[Any]:
    if plan.remind_pending_after_days is None:
        return Ticket.objects.none()
    cutoff = at - timedelta(days=plan.remind_pending_after_days)
    not_yet = Q(reminded_at__isnull=True) | Q(reminded_at__lt=F("waiting_since"))
    return _waiting(plan).filter(not_yet, waiting_since__lte=cutoff)


def _reminded_to_resolve(plan: Plan, at: datetime) -> QuerySet[Any]:
    if plan.remind_pending_after_days is None or plan.resolve_pending_after_days is None:
        return Ticket.objects.none()
    cutoff = at - timedelta(days=plan.resolve_pending_after_days)
    return _waiting(plan).filter(reminded_at__gte=F("waiting_since"), reminded_at__lte=cutoff)


def _each(tickets: QuerySet[Any], step: Any, limit: int) -> int:
    done = 0
    for ticket in tickets.order_by("id")[:limit]:
        try:
            with transaction.atomic():
                step(ticket)
        except TierdeskError as exc:  # another worker (or a person) changed it first
            log.info("auto-close: %s skipped: %s", ticket.reference, exc)
            continue
        done += 1
    return done


def _close(ticket: Ticket) -> None:
    ticket_close(actor=SYSTEM, ticket=ticket, auto=True)


def _remind(ticket: Ticket) -> None:
    days = ticket.sla_plan.resolve_pending_after_days if ticket.sla_plan else None
    change_and_record(ticket, EventKind.REMINDED, SYSTEM, {}, resolve_days=days)


def _resolve_unanswered(ticket: Ticket) -> None:
    summary = (
        "We did not hear from you after our reminder, so we consider the problem solved. "
        "If it is not, reply and the ticket reopens."
    )
    ticket_resolve(actor=SYSTEM, ticket=ticket, summary=summary)

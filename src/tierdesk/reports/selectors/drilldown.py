"""The tickets behind a figure: each measure of the rollups asked of the tickets themselves.

Every number on the dashboard links here with its measure and filters; the list is a page of
the tickets the manager may see (``tickets.policies.visible``) that the figure counted. The
tests check each measure's count against the rollup's figure.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.db.models import Case, Exists, F, OuterRef, QuerySet, When

from tierdesk.core.errors import InvalidInput
from tierdesk.reports.backlog import breached_q, open_at
from tierdesk.reports.rollups import DAY, STOPPED, day_start
from tierdesk.reports.selectors.filters import Filters
from tierdesk.tickets import policies as ticket_policies
from tierdesk.tickets.models import EventKind, Ticket, TicketEvent

MEASURES = {
    "opened": "Opened",
    "resolved": "Resolved",
    "closed": "Closed",
    "reopened": "Reopened",
    "response_stopped": "First response given (met or breached)",
    "response_met": "First response met",
    "response_breached": "First response breached",
    "resolution_stopped": "Resolution clock stopped (met or breached)",
    "resolution_met": "Resolution met",
    "resolution_breached": "Resolution breached",
    "backlog": "Open at the end of the period",
    "backlog_breached": "Open with a breached clock",
    "breach_first_response": "First-response breaches recorded",
    "breach_resolution": "Resolution breaches recorded",
    "breach_next_update": "Next-update breaches recorded",
    "escalated": "Escalated to a higher level",
    "chain_step": "Management chain steps fired",
    "rating_good": "Rated good",
    "rating_bad": "Rated bad",
}
PAGE_SIZE = 50


def _event_in(kind: str, start: datetime, end: datetime, **data: Any) -> Exists:
    events = TicketEvent.objects.filter(
        ticket_id=OuterRef("pk"), kind=kind, at__gte=start, at__lt=end
    )
    return Exists(events.filter(**{f"data__{k}": v for k, v in data.items()}))


def measure_tickets(*, user: Any, measure: str, filters: Filters) -> QuerySet[Ticket]:
    """The tickets the user may see that the measure counted over the filters' days."""
    if measure not in MEASURES:
        raise InvalidInput(f"Measure must be one of: {', '.join(MEASURES)}.", field="measure")
    start, end = day_start(filters.first), day_start(filters.last + DAY)
    tickets = ticket_policies.visible(user, ticket_policies.VIEW, Ticket.objects.all())
    tickets = tickets.filter(filters.dimensions_q(rollup=False))
    return _measured(tickets, measure, start, end).order_by("-created_at", "-id")


def _measured(tickets: QuerySet[Ticket], measure: str, start: datetime, end: datetime) -> Any:
    within = {"gte": start, "lt": end}
    if measure == "opened":
        return tickets.filter(created_at__gte=start, created_at__lt=end)
    if measure in ("resolved", "closed", "reopened"):
        return tickets.filter(_event_in(measure, start, end))
    if measure.startswith("response_"):
        stopped = tickets.annotate(response_stopped=_response_stopped())
        return stopped.filter(
            response_state__in=_states(measure.removeprefix("response_")),
            response_stopped__gte=start,
            response_stopped__lt=end,
        )
    if measure.startswith("resolution_"):
        states = _states(measure.removeprefix("resolution_"))
        return tickets.filter(
            resolution_state__in=states, resolved_at__gte=start, resolved_at__lt=end
        )
    if measure.startswith("backlog"):
        return _backlog(tickets, measure, end)
    if measure.startswith("breach_"):
        metric = measure.removeprefix("breach_")
        return tickets.filter(_event_in(EventKind.SLA_BREACHED, start, end, metric=metric))
    if measure == "escalated":
        return tickets.filter(_event_in(EventKind.ESCALATED, start, end))
    if measure == "chain_step":
        return tickets.filter(_event_in(EventKind.SLA_ESCALATED, start, end))
    good = measure == "rating_good"
    return tickets.filter(
        rating__good=good, **{f"rating__rated_at__{op}": value for op, value in within.items()}
    )


def _states(name: str) -> tuple[str, ...]:
    return STOPPED if name == "stopped" else (name,)


def _response_stopped() -> Case:
    """The first agent reply, or the resolution when it came first (``rollups``' rule)."""
    return Case(
        When(first_response_at__isnull=True, then=F("resolved_at")),
        When(resolved_at__isnull=True, then=F("first_response_at")),
        When(first_response_at__lt=F("resolved_at"), then=F("first_response_at")),
        default=F("resolved_at"),
    )


def _backlog(tickets: QuerySet[Ticket], measure: str, end: datetime) -> QuerySet[Ticket]:
    open_at_end = open_at(tickets, end)
    return open_at_end.filter(breached_q()) if measure == "backlog_breached" else open_at_end

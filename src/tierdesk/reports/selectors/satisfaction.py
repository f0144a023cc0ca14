"""The rating of a ticket, for the pages that show it."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet

from tierdesk.reports.models import Rating
from tierdesk.reports.policies import RATABLE_STATUSES


def rating_of(ticket_id: int) -> Rating | None:
    return Rating.objects.filter(ticket_id=ticket_id).first()


def with_rating(tickets: QuerySet[Any]) -> QuerySet[Any]:
    """Tickets read with their rating joined, for ``ticket_rating`` (a ticket page then spends
    no statement of its own on it)."""
    return tickets.select_related("rating")


def ticket_rating(ticket: Any) -> Rating | None:
    """The reporter's rating shown on a ticket page; no query for a ticket still open (only a
    resolved or closed ticket can have been rated), nor for one read ``with_rating``."""
    if ticket.status not in RATABLE_STATUSES:
        return None
    if type(ticket).rating.is_cached(ticket):
        return getattr(ticket, "rating", None)  # None cached: not rated
    return rating_of(ticket.pk)

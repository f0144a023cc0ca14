"""The rating of a ticket, for the pages that show it."""

from __future__ import annotations

from typing import Any

from tierdesk.reports.models import Rating
from tierdesk.reports.policies import RATABLE_STATUSES


def rating_of(ticket_id: int) -> Rating | None:
    return Rating.objects.filter(ticket_id=ticket_id).first()


def ticket_rating(ticket: Any) -> Rating | None:
    """The reporter's rating shown on a ticket page; no query for a ticket still open (only a
    resolved or closed ticket can have been rated)."""
    return rating_of(ticket.pk) if ticket.status in RATABLE_STATUSES else None

"""Who else has a ticket open right now: the ticket page's warning that a colleague is viewing
or writing on the same ticket (the page reports and asks every ``POLL_SECONDS``)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from tierdesk.core.clock import now
from tierdesk.desk.models import PresenceActivity, TicketPresence
from tierdesk.tickets.models import Ticket

POLL_SECONDS = 10
# A report older than this means the agent closed the page (three polls missed).
PRESENCE_SECONDS = 3 * POLL_SECONDS


@dataclass(frozen=True)
class Colleague:
    name: str
    writing: bool


def colleagues_present(*, user: Any, ticket: Ticket) -> list[Colleague]:
    """The other agents who reported the ticket open within ``PRESENCE_SECONDS``, writers
    first. The caller found the ticket through ``visible``: whoever may see it may know who
    works on it."""
    since = now() - timedelta(seconds=PRESENCE_SECONDS)
    present = (
        TicketPresence.objects.filter(ticket_id=ticket.pk, seen_at__gte=since)
        .exclude(user_id=user.pk)
        .select_related("user")
        .order_by("-activity", "user__username")  # "writing" after "viewing" alphabetically
    )
    return [
        Colleague(str(row.user), row.activity == PresenceActivity.WRITING) for row in present[:10]
    ]

"""What the ticket endpoints share: the ticket (and team) a request names, and its URL."""

from __future__ import annotations

from typing import Any

from django.urls import reverse

from tierdesk.accounts import selectors as accounts_selectors
from tierdesk.accounts.api_auth import ApiRequest
from tierdesk.core.api.schemas import ERRORS
from tierdesk.core.errors import Conflict
from tierdesk.tickets import selectors
from tierdesk.tickets.models import Ticket
from tierdesk.tickets.schemas import TicketOut

TICKET = {200: TicketOut, **ERRORS}


def ticket_named(request: ApiRequest, ref: str, version: int | None = None) -> Ticket:
    """The ticket the caller may see; 409 if the client read an older version than this."""
    ticket = selectors.ticket_get(user=request.auth, reference=ref)
    if version is not None and version != ticket.version:
        raise Conflict(
            f"{ticket.reference} has changed since you read it (version {version}, now "
            f"{ticket.version}); reload it and try again.",
            field="version",
            details={"current": ticket.version},
        )
    return ticket


def team_named(user: Any, pk: int | None) -> Any:
    return None if pk is None else accounts_selectors.team_get(user=user, pk=pk)


def location(ticket: Ticket) -> str:
    return reverse("api:ticket_get", kwargs={"ref": ticket.reference})

"""Writes of the desk's own data: agents' saved views and their presence on tickets."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from django.db import IntegrityError, transaction

from tierdesk.accounts.models import Team
from tierdesk.accounts.principal import principal_of
from tierdesk.core.clock import now
from tierdesk.core.errors import InvalidInput
from tierdesk.desk.models import PresenceActivity, QueueView, SavedView, TicketPresence
from tierdesk.desk.selectors import (
    forget_queue_menus,
    forget_team_menus,
    is_agent,
    saved_view_get,
)
from tierdesk.tickets.models import Ticket

FILTER_KEYS = ("q", "priority", "status", "team", "category", "sort", "size")


def saved_view_create(
    *,
    actor: Any,
    name: str,
    view: str,
    filters: dict[str, list[str]],
    team: Team | None = None,
) -> SavedView:
    """Name the current view and its filters; the same name twice is refused, not overwritten.
    With ``team`` (one of the actor's teams) every member of the team sees it too."""
    if not is_agent(actor):
        raise InvalidInput("Only agents save queue views.")
    if team is not None and team.pk not in principal_of(actor).team_ids:
        raise InvalidInput("Share views only with a team you belong to.", field="team")
    if not name.strip():
        raise InvalidInput("Give the view a name.", field="name")
    if view not in QueueView.values:
        raise InvalidInput("No such queue.", field="view")
    query = urlencode(
        [(key, value) for key in FILTER_KEYS for value in filters.get(key, []) if value],
    )
    try:
        with transaction.atomic():
            saved = SavedView.objects.create(
                owner=actor, name=name.strip()[:80], view=view, query=query[:500], team=team,
                created_at=now(),
            )  # fmt: skip
    except IntegrityError:
        raise InvalidInput(
            f"You already have a view named {name.strip()!r}.", field="name"
        ) from None
    forget_queue_menus(actor)  # the queue page lists saved views from its cached menus
    if team is not None:
        forget_team_menus(team.pk)  # the members' menus list it too
    return saved


def saved_view_delete(*, actor: Any, pk: int) -> None:
    """Only the owner deletes a view (a shared one leaves its team's menus too)."""
    saved = saved_view_get(user=actor, pk=pk)
    team_id = saved.team_id
    saved.delete()
    forget_queue_menus(actor)
    if team_id is not None:
        forget_team_menus(team_id)


def presence_report(*, actor: Any, ticket: Ticket, activity: str) -> None:
    """The agent has the ticket open (``viewing``) or is typing on it (``writing``), now.

    The caller found the ticket through ``visible`` (the ticket page). One row per agent and
    ticket, moved forward in place: an UPDATE, and an INSERT the first time (a concurrent first
    report wins the unique constraint; the loser updates)."""
    if activity not in PresenceActivity.values:
        raise InvalidInput("Unknown activity.", field="activity")
    at = now()
    mine = TicketPresence.objects.filter(ticket_id=ticket.pk, user_id=actor.pk)
    if mine.update(activity=activity, seen_at=at):
        return
    try:
        with transaction.atomic():
            TicketPresence.objects.create(
                ticket_id=ticket.pk, user_id=actor.pk, activity=activity, seen_at=at
            )
    except IntegrityError:
        mine.update(activity=activity, seen_at=at)

"""Writes of the desk's own data: agents' saved views."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from django.db import IntegrityError, transaction

from tierdesk.core.clock import now
from tierdesk.core.errors import InvalidInput
from tierdesk.desk.models import QueueView, SavedView
from tierdesk.desk.selectors import forget_queue_menus, is_agent, saved_view_get

FILTER_KEYS = ("q", "priority", "status", "team", "category")


def saved_view_create(
    *, actor: Any, name: str, view: str, filters: dict[str, list[str]]
) -> SavedView:
    """Name the current view and its filters; the same name twice is refused, not overwritten."""
    if not is_agent(actor):
        raise InvalidInput("Only agents save queue views.")
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
                owner=actor, name=name.strip()[:80], view=view, query=query[:500], created_at=now()
            )
    except IntegrityError:
        raise InvalidInput(
            f"You already have a view named {name.strip()!r}.", field="name"
        ) from None
    forget_queue_menus(actor)  # the queue page lists saved views from its cached menus
    return saved


def saved_view_delete(*, actor: Any, pk: int) -> None:
    saved_view_get(user=actor, pk=pk).delete()
    forget_queue_menus(actor)

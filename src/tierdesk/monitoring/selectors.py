"""Reads of the monitoring side, scoped to what the actor may see."""

from __future__ import annotations

from typing import Any

from tierdesk.monitoring import policies
from tierdesk.monitoring.models import AlertGroup, Source


def group_for_ticket(*, user: Any, ticket: Any) -> AlertGroup | None:
    """The (latest) alert group behind a ticket, if the user may see it (no query for a
    ticket that did not come from monitoring)."""
    if ticket.channel != "monitoring":
        return None
    groups = policies.visible(user, policies.VIEW, AlertGroup.objects.filter(ticket_id=ticket.pk))
    return groups.select_related("source", "acknowledged_by").order_by("-id").first()


def group_get(*, user: Any, group_id: int) -> AlertGroup | None:
    groups = policies.visible(user, policies.VIEW, AlertGroup.objects.filter(pk=group_id))
    return groups.select_related("ticket", "source").first()


def source_by_slug(slug: str) -> Source | None:
    return Source.objects.filter(slug=slug, is_active=True).first()

"""Reads of the monitoring side, scoped to what the actor may see."""

from __future__ import annotations

from typing import Any

from django.db import router

from tierdesk.core.fetch import CompiledQuery, Param
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
    """The active source posting to ``/api/v1/monitoring/<slug>`` (every alert payload)."""
    return _SOURCE_BY_SLUG.first(router.db_for_read(Source), slug=slug)


# Read for every payload of a storm: the ORM compiles it once per process.
_SOURCE_BY_SLUG = CompiledQuery(
    lambda: Source.objects.filter(
        slug=Param("slug", Source._meta.get_field("slug")), is_active=True
    ).order_by()
)

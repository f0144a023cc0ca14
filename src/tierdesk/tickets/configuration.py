"""The configuration a ticket is shown with (its team, category and SLA plan), from per-process
caches: a list of tickets costs no query for these small tables (``TicketQuerySet``).

A team or category created in another process in the last minute is not in this process's
cache yet: meeting one reloads the table once (one query) instead of showing nothing.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from tierdesk.accounts.models import Team
from tierdesk.core.config_cache import ConfigCache
from tierdesk.sla.config import plan_configs
from tierdesk.tickets.models import Category, Ticket

TEAMS = ConfigCache("teams by id")
CATEGORIES = ConfigCache("categories by id")


def _teams() -> dict[int, Team]:
    return {team.pk: team for team in Team.objects.all()}


def _categories() -> dict[int, Category]:
    return {category.pk: category for category in Category.objects.all()}


def _by_id(cache: ConfigCache, load: Any, wanted: set[int]) -> dict[int, Any]:
    rows: dict[int, Any] = cache.get("all", load)
    if not wanted <= rows.keys():
        cache.clear()
        rows = cache.get("all", load)
    return rows


def attach_configuration(tickets: Iterable[Ticket]) -> None:
    """Set each ticket's ``team``, ``category`` and ``sla_plan`` from the caches; a column the
    query deferred (``only``) is left alone rather than loaded row by row."""
    tickets = list(tickets)
    if not tickets:
        return
    deferred = tickets[0].get_deferred_fields()
    for name in ("team", "category", "sla_plan"):
        column = f"{name}_id"
        if column in deferred:
            continue
        by_id = _configuration(name, {getattr(t, column) for t in tickets} - {None})
        field = Ticket._meta.get_field(name)
        for ticket in tickets:
            pk = getattr(ticket, column)
            value = by_id.get(pk) if pk is not None else None
            # A row missing even after a reload (deleted meanwhile) is left to lazy loading.
            if pk is None or value is not None:
                field.set_cached_value(ticket, value)  # type: ignore[union-attr]


def _configuration(name: str, ids: set[int]) -> dict[int, Any]:
    if name == "sla_plan":
        return {pk: config.plan for pk, config in plan_configs(ids).items()}
    if name == "team":
        return _by_id(TEAMS, _teams, ids)
    return _by_id(CATEGORIES, _categories, ids)

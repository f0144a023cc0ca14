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
    loaded = {"team_id", "category_id", "sla_plan_id"} - tickets[0].get_deferred_fields()
    if "team_id" in loaded:
        teams = _by_id(TEAMS, _teams, {t.team_id for t in tickets if t.team_id})
        for ticket in tickets:
            _attach(ticket, "team", teams.get(ticket.team_id))  # type: ignore[arg-type]
    if "category_id" in loaded:
        wanted = {t.category_id for t in tickets if t.category_id}
        categories = _by_id(CATEGORIES, _categories, wanted)
        for ticket in tickets:
            _attach(ticket, "category", categories.get(ticket.category_id))  # type: ignore[arg-type]
    if "sla_plan_id" in loaded:
        plans = plan_configs(t.sla_plan_id for t in tickets)
        for ticket in tickets:
            plan = plans.get(ticket.sla_plan_id) if ticket.sla_plan_id else None
            _attach(ticket, "sla_plan", plan.plan if plan else None)


def _attach(ticket: Ticket, name: str, value: Any) -> None:
    field = Ticket._meta.get_field(name)
    if getattr(ticket, f"{name}_id") is None or value is not None:
        field.set_cached_value(ticket, value)  # type: ignore[union-attr]

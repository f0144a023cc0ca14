"""Writing categories from the configuration pages (admins and managers)."""

from __future__ import annotations

from typing import Any

from tierdesk.accounts.policies import may_configure
from tierdesk.core.errors import NotFound
from tierdesk.tickets.models import Category


def category_rows(*, actor: Any) -> list[Category]:
    """Every category, inactive ones too, parents first (one query)."""
    if not may_configure(actor):
        raise NotFound("No such page.")
    return list(Category.objects.select_related("parent").order_by("position", "name"))


def category_save(*, actor: Any, category: Category) -> Category:
    """Save a category once ``Category.clean`` accepts it (known fact keys only). The
    configuration caches are cleared by the save's signal (``tickets.apps``)."""
    if not may_configure(actor):
        raise NotFound("No such page.")
    category.full_clean()
    category.save()
    return category

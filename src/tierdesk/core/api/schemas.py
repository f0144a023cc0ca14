"""The wire format shared by the routers: page envelope, references and their builders.

Output is built by plain functions from rows the selectors already loaded (``select_related``),
so serializing a page costs no queries; the schemas describe it for validation and OpenAPI.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db.models import QuerySet
from ninja import Field, Schema
from pydantic import ConfigDict

from tierdesk.core.api.errors import ErrorOut

# Every 4xx answers with the one error shape; declared so the OpenAPI document shows it.
ERRORS: dict[Any, Any] = {frozenset({400, 401, 403, 404, 409, 422, 429}): ErrorOut}
MAX_PAGE_SIZE = 100


class In(Schema):
    """Request bodies refuse unknown fields: a typo is a 422 naming it, not a silent no-op."""

    model_config = ConfigDict(extra="forbid")


class PageParams(Schema):
    page: int = Field(1, ge=1)
    page_size: int = Field(settings.NINJA_PAGINATION_PER_PAGE, ge=1, le=MAX_PAGE_SIZE)


class PageOut(Schema):
    """No total count: counting every match on each page is the slow part of big lists.
    ``has_next`` comes from fetching one row more than the page holds."""

    page: int
    page_size: int
    has_next: bool


def paginate(
    queryset: QuerySet | list, paging: PageParams, build: Any, fetch: Any = None
) -> dict[str, Any]:
    """One query for a page of any size: rows ``page_size + 1`` tell whether a next page exists.

    ``fetch(queryset, start, stop)`` reads the rows when slicing the queryset would not do."""
    start = (paging.page - 1) * paging.page_size
    stop = start + paging.page_size + 1
    rows = list(queryset[start:stop]) if fetch is None else fetch(queryset, start, stop)
    return {
        "items": [build(row) for row in rows[: paging.page_size]],
        "page": paging.page,
        "page_size": paging.page_size,
        "has_next": len(rows) > paging.page_size,
    }


# ---- references -----------------------------------------------------------------------------


class Ref(Schema):
    id: int
    name: str


class ContactRef(Ref):
    email: str


class CategoryRef(Ref):
    slug: str


def ref(obj: Any) -> dict[str, Any] | None:
    """``{id, name}`` of a team, organization or user; ``None`` for nothing."""
    if obj is None:
        return None
    return {"id": obj.pk, "name": str(obj)}


def org_ref(organization: Any) -> dict[str, Any] | None:
    return None if organization is None else {"id": organization.pk, "name": organization.name}


def contact_ref(contact: Any) -> dict[str, Any] | None:
    if contact is None:
        return None
    return {"id": contact.pk, "name": contact.name, "email": contact.email}


def category_ref(category: Any) -> dict[str, Any] | None:
    if category is None:
        return None
    return {"id": category.pk, "slug": category.slug, "name": category.name}

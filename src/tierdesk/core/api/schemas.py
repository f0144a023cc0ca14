"""The wire format shared by the routers: page envelope, references and their builders.

Output is built by plain functions from rows the selectors already loaded (``select_related``),
so serializing a page costs no queries; the schemas describe it for validation and OpenAPI.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated, Any

from django.conf import settings
from django.db.models import QuerySet
from ninja import Field, Schema
from pydantic import BeforeValidator, ConfigDict, StrictBool

from tierdesk.core.api.errors import ErrorOut
from tierdesk.core.text import MAX_INT, MAX_PAGE, MAX_SEARCH, parse_int

# Every 4xx answers with the one error shape; declared so the OpenAPI document shows it.
ERRORS: dict[Any, Any] = {frozenset({400, 401, 403, 404, 409, 413, 422, 429}): ErrorOut}
MAX_PAGE_SIZE = 100


# ---- strict input types ---------------------------------------------------------------------
# pydantic's own parsing is lax: ``true`` is 1, ``"5.0"``, ``" 5 "`` and ``"1_000"`` are
# numbers, ``0.5`` is an instant in 1970, and an integer of any size passes until the database
# refuses it. Every number the API reads goes through ``core.text.parse_int`` instead.


def whole_number(value: Any) -> int:
    number = parse_int(value, low=-MAX_INT) if not isinstance(value, str) else parse_int(value)
    if number is None:
        raise ValueError(f"must be a whole number from 0 to {MAX_INT}, written with digits 0-9")
    return number


def instant(value: Any) -> datetime:
    """An ISO 8601 date and time; without an offset it is UTC."""
    parsed: datetime | None = value if isinstance(value, datetime) else None
    if isinstance(value, str):
        try:
            parsed = datetime.fromisoformat(value)
        except ValueError:
            parsed = None
    if parsed is None:
        raise ValueError("must be an ISO 8601 date and time, e.g. 2026-01-31T09:00:00Z")
    try:
        return parsed.astimezone(UTC) if parsed.tzinfo else parsed.replace(tzinfo=UTC)
    except OverflowError:
        raise ValueError("is out of range") from None


# The bounds first, the parser after: a before-validator wraps what precedes it, so it runs
# first, and the bounds stay in the schema (and the OpenAPI document) as minimum and maximum.
Id = Annotated[int, Field(ge=1, le=MAX_INT), BeforeValidator(whole_number)]
Count = Annotated[int, Field(ge=0, le=MAX_INT), BeforeValidator(whole_number)]
Instant = Annotated[datetime, BeforeValidator(instant)]
Flag = StrictBool
Slug = Annotated[str, Field(min_length=1, max_length=100)]
SearchText = Annotated[str, Field(max_length=MAX_SEARCH)]


class In(Schema):
    """Request bodies refuse unknown fields: a typo is a 422 naming it, not a silent no-op."""

    model_config = ConfigDict(extra="forbid")


class PageParams(Schema):
    page: Annotated[int, BeforeValidator(whole_number)] = Field(1, ge=1, le=MAX_PAGE)
    page_size: Annotated[int, BeforeValidator(whole_number)] = Field(
        settings.NINJA_PAGINATION_PER_PAGE, ge=1, le=MAX_PAGE_SIZE
    )


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

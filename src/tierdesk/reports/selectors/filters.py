"""What a dashboard, a drill-down list or the API is asked for: a period and dimensions.

One ``Filters`` narrows the rollup rows (``rollup_q``) and, for the drill-down, the tickets
(``ticket_q``), so a figure and the list of its tickets are asked the same question.

The organization filter is a search field (two thousand names make no menu): it takes an id
(every link), a suggestion ``Name (#id)`` or a name, which ``organization_resolve`` turns into
the id the rest of the filters know.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, fields, replace
from datetime import date, timedelta
from typing import Any
from urllib.parse import quote_plus

from django.db.models import Model, Q, QuerySet

from tierdesk.core.errors import InvalidInput
from tierdesk.core.text import parse_int
from tierdesk.crm import selectors as crm_selectors
from tierdesk.crm.models import Organization
from tierdesk.reports import policies

PERIODS = {
    "today": "Today",
    "7d": "Last 7 days",
    "30d": "Last 30 days",
    "month": "This month",
    "last_month": "Last month",
    "custom": "From ... to ...",
}
MAX_DAYS = 3 * 366
# Dimension filters: (query name, rollup column, ticket column). 0 asks for "none".
DIMENSIONS = (
    ("organization", "organization_id", "organization_id"),
    ("partner", "organization__partner_id", "organization__partner_id"),
    ("team", "team_id", "team_id"),
    ("assignee", "assignee_id", "assignee_id"),
    ("category", "category_id", "category_id"),
    ("plan", "plan_id", "sla_plan_id"),
    ("priority", "priority", "priority"),
    ("level", "support_level", "support_level"),
)
NULLABLE = {"team", "assignee", "category", "plan", "partner"}
SUGGESTIONS = 10
# The id at the end of a suggestion, "Acme Retail (#12)": names need not be unique.
SUGGESTION_ID = re.compile(r"\(#(\d+)\)\s*$")


@dataclass(frozen=True)
class Filters:
    first: date
    last: date
    period: str = "month"
    organization: int | None = None
    partner: int | None = None
    team: int | None = None
    assignee: int | None = None
    category: int | None = None
    plan: int | None = None
    priority: int | None = None
    level: int | None = None

    def rollup_q(self) -> Q:
        return Q(day__gte=self.first, day__lte=self.last) & self.dimensions_q(rollup=True)

    def dimensions_q(self, *, rollup: bool) -> Q:
        condition = Q()
        for name, rollup_column, ticket_column in DIMENSIONS:
            value = getattr(self, name)
            column = rollup_column if rollup else ticket_column
            if value is None:
                continue
            if value == 0 and name in NULLABLE:
                condition &= Q(**{f"{column}__isnull": True})
            else:
                condition &= Q(**{column: value})
        return condition

    def answered_by(self, model: type[Model], *grouped_by: str) -> bool:
        """Whether ``model``'s rows carry every dimension these filters name, and the columns
        a figure groups by."""
        columns = {field.attname for field in model._meta.concrete_fields}
        named = (column for name, column, _ in DIMENSIONS if getattr(self, name) is not None)
        return all(column in columns for column in (*named, *grouped_by))

    def with_(self, **changes: Any) -> Filters:
        return replace(self, **changes)

    def query(self, **extra: Any) -> str:
        """The query string that asks for these filters (plus ``extra``)."""
        params: dict[str, Any] = {"period": self.period}
        if self.period == "custom":
            params.update({"from": self.first.isoformat(), "to": self.last.isoformat()})
        for item in fields(self):
            value = getattr(self, item.name)
            if item.name not in ("first", "last", "period") and value is not None:
                params[item.name] = value
        params.update({k: v for k, v in extra.items() if v is not None})
        return "&".join(f"{key}={query_value(value)}" for key, value in params.items())


def query_value(value: Any) -> str:
    """A value in a query string, as ``urlencode`` writes it: numbers and days need no quoting
    (a dashboard builds ~1,000 links, and quoting each part was a tenth of its time), anything
    else is quoted."""
    if isinstance(value, (int, date)):
        return str(value)
    return quote_plus(str(value))


def period_days(period: str, today: date) -> tuple[date, date]:
    if period == "today":
        return today, today
    if period == "7d":
        return today - timedelta(days=6), today
    if period == "30d":
        return today - timedelta(days=29), today
    if period == "last_month":
        last = today.replace(day=1) - timedelta(days=1)
        return last.replace(day=1), last
    return today.replace(day=1), today


def parse_filters(params: Any, *, today: date) -> Filters:
    """Filters from a query string; a bad value is an ``InvalidInput`` naming its field."""
    period = params.get("period") or "month"
    if period not in PERIODS:
        raise InvalidInput(f"Period must be one of: {', '.join(PERIODS)}.", field="period")
    first, last = period_days(period, today)
    if period == "custom":
        first = _date(params.get("from"), "from") or first
        last = _date(params.get("to"), "to") or last
    if last < first:
        raise InvalidInput("The period ends before it starts.", field="to")
    if (last - first).days > MAX_DAYS:
        raise InvalidInput(f"A period spans at most {MAX_DAYS} days.", field="from")
    values: dict[str, int | None] = {}
    for name, _, _ in DIMENSIONS:
        raw = params.get(name)
        if raw in (None, ""):
            continue
        number = parse_int(raw)
        if number is None:
            raise InvalidInput(f"{name} must be a number.", field=name)
        values[name] = number
    return Filters(first=first, last=last, period=period, **values)


def _date(text: Any, name: str) -> date | None:
    if not text:
        return None
    try:
        return date.fromisoformat(str(text)[:10])
    except ValueError:
        raise InvalidInput(f"{name} must be a date, YYYY-MM-DD.", field=name) from None


def searchable_organizations(*, user: Any, q: str = "") -> QuerySet[Organization]:
    """Organizations the search field may name: the CRM's list for the user (by name), within
    the organizations whose figures the reports policy shows them; vendors have no figures."""
    found = crm_selectors.organization_list(user=user, q=q).exclude(kind="vendor")
    return policies.visible(user, policies.REPORT, found)


def organization_suggestions(*, user: Any, q: str) -> list[tuple[int, str]]:
    """Up to ``SUGGESTIONS`` (id, label) for what was typed in the search field."""
    if len(q.strip()) < 2:
        return []
    found = searchable_organizations(user=user, q=q).values_list("pk", "name")
    return [(pk, organization_label(pk, name)) for pk, name in found[:SUGGESTIONS]]


def organization_label(pk: int, name: str) -> str:
    return f"{name} (#{pk})"


def organization_label_of(*, user: Any, pk: int | None) -> str:
    """What the search field shows for the filtered organization ("" for none or unknown)."""
    if not pk:
        return ""
    name = searchable_organizations(user=user).filter(pk=pk).values_list("name", flat=True)
    found = name.first()
    return organization_label(pk, found) if found is not None else str(pk)


def organization_resolve(text: str, *, user: Any) -> int | None:
    """The organization's id for the search field's text: an id, a suggestion ``Name (#id)``,
    or a name (whole, else part of it) that only one organization the user may see has."""
    text = text.strip()
    if not text:
        return None
    number = parse_int(text)
    if number is not None:
        return number
    suggestion = SUGGESTION_ID.search(text)
    if suggestion is not None:
        return int(suggestion.group(1))
    found = searchable_organizations(user=user, q=text)
    ids = list(found.filter(name__iexact=text).values_list("pk", flat=True)[:2])
    if not ids:
        ids = list(found.values_list("pk", flat=True)[:2])
    if len(ids) != 1:
        reason = "Several organizations" if ids else "No organization"
        raise InvalidInput(
            f"{reason} match “{text}”: pick one of the suggestions.", field="organization"
        )
    return ids[0]

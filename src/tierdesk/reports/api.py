"""The daily rollups and backlog over HTTP, for outside BI tools: the rows the caller may see
(managers and admins all; a partner its own and its customers'; a report recipient their
organization's), one page at a time, oldest day first."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any

from ninja import Field, Query, Router, Schema

from tierdesk.accounts.api_auth import ApiRequest
from tierdesk.core.api.schemas import ERRORS, Count, Id, PageOut, PageParams, paginate
from tierdesk.core.clock import now
from tierdesk.core.plans import custom_plans
from tierdesk.reports.models import DailyBacklog, DailyRollup
from tierdesk.reports.rollups import local_day
from tierdesk.reports.selectors import parse_filters
from tierdesk.reports.selectors.dashboard import backlog_rows, rollup_rows
from tierdesk.reports.selectors.filters import DIMENSIONS, Filters

router = Router(tags=["reports"])

DayText = Annotated[str, Field(pattern=r"^\d{4}-\d{2}-\d{2}$", description="YYYY-MM-DD")]


class RollupParams(Schema):
    date_from: DayText = Field(alias="from")
    date_to: DayText = Field(alias="to")
    organization: Id | None = None
    partner: Id | None = None
    team: Count | None = Field(None, description="0: tickets without a team")
    assignee: Count | None = Field(None, description="0: unassigned")
    category: Count | None = Field(None, description="0: without a category")
    plan: Count | None = Field(None, description="0: without a plan")
    priority: Id | None = None
    level: Id | None = None


class RollupOut(Schema):
    day: date
    organization: int
    team: int | None
    assignee: int | None
    category: int | None
    plan: int | None
    priority: int
    support_level: int
    channel: str
    opened: int
    resolved: int
    closed: int
    reopened: int
    response_met: int
    response_breached: int
    resolution_met: int
    resolution_breached: int
    response_seconds: list[int] = Field(description="Business seconds of each first response.")
    resolution_seconds: list[int] = Field(description="Business seconds of each resolution.")
    breaches: dict[str, int]
    escalations: dict[str, int] = Field(description="Escalations by level reached.")
    escalation_steps: dict[str, int] = Field(description="Management chain steps fired.")
    pending_seconds: dict[str, int] = Field(description="Wall-clock pending time by reason.")
    alerts: int
    rating_good: int
    rating_bad: int


class RollupPage(PageOut):
    items: list[RollupOut]


class BacklogOut(Schema):
    day: date
    organization: int
    team: int | None
    assignee: int | None
    category: int | None
    plan: int | None
    priority: int
    support_level: int
    backlog: dict[str, int] = Field(description="Open at the end of the day, by age band.")
    backlog_breached: int = Field(description="Open with a breached clock.")


class BacklogPage(PageOut):
    items: list[BacklogOut]


def _dimensions(row: DailyRollup | DailyBacklog) -> dict[str, Any]:
    return {
        "organization": row.organization_id,
        "team": row.team_id,
        "assignee": row.assignee_id,
        "category": row.category_id,
        "plan": row.plan_id,
    }


def rollup_out(row: DailyRollup) -> dict[str, Any]:
    fields = {name: getattr(row, name) for name in RollupOut.model_fields if hasattr(row, name)}
    return {**fields, **_dimensions(row)}


def backlog_out(row: DailyBacklog) -> dict[str, Any]:
    return {
        "day": row.day,
        "priority": row.priority,
        "support_level": row.support_level,
        "backlog_breached": row.backlog_breached,
        **_dimensions(row),
        "backlog": {
            "under_1d": row.backlog_under_1d,
            "1_3d": row.backlog_1_3d,
            "3_7d": row.backlog_3_7d,
            "over_7d": row.backlog_over_7d,
        },
    }


def _filters(params: RollupParams) -> Filters:
    asked: dict[str, Any] = {"period": "custom", "from": params.date_from, "to": params.date_to}
    for name, _, _ in DIMENSIONS:
        value = getattr(params, name)
        if value is not None:
            asked[name] = str(value)
    return parse_filters(asked, today=local_day(now()))


@router.get("/reports/rollups", response={200: RollupPage, **ERRORS})
def reports_rollups(
    request: ApiRequest, params: Query[RollupParams], paging: Query[PageParams]
) -> Any:
    """Daily rollup cells of the days ``from`` to ``to`` (at most three years) the caller may
    see, narrowed by the dimensions given."""
    rows = rollup_rows(user=request.auth, filters=_filters(params)).order_by("day", "id")
    with custom_plans():
        return paginate(rows, paging, rollup_out)


@router.get("/reports/backlog", response={200: BacklogPage, **ERRORS})
def reports_backlog(
    request: ApiRequest, params: Query[RollupParams], paging: Query[PageParams]
) -> Any:
    """The tickets open at the end of each day ``from`` to ``to``, by age band, in the groups
    the caller may see, narrowed by the dimensions given."""
    rows = backlog_rows(user=request.auth, filters=_filters(params)).order_by("day", "id")
    with custom_plans():
        return paginate(rows, paging, backlog_out)

"""The managers' dashboard: every figure read from the rollup cells (indexed reads by day,
organization or team), never from the tickets. Each figure carries the link to its tickets."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

from django.db.models import QuerySet
from django.urls import reverse

from tierdesk.accounts.models import Team, User
from tierdesk.core.errors import NotFound
from tierdesk.crm.models import Organization
from tierdesk.reports import policies
from tierdesk.reports.figures import (
    BACKLOG_BANDS,
    CLOCKS,
    Cell,
    Table,
    backlog_total,
    compliance,
    duration_text,
    grouped,
    median_p90,
    merged,
    percent_text,
    totals,
)
from tierdesk.reports.models import DailyRollup
from tierdesk.reports.selectors.filters import Filters
from tierdesk.sla.models import Plan
from tierdesk.tickets.models import Category

TREND_WEEKS = 12
TOP_CATEGORIES = 10


@dataclass
class Dashboard:
    filters: Filters
    today: date
    tables: list[Table] = field(default_factory=list)
    # Chart data: (label, value, url) bars, trend points, backlog stacks.
    charts: dict[str, Any] = field(default_factory=dict)

    def table(self, slug: str) -> Table:
        for table in self.tables:
            if table.slug == slug:
                return table
        raise NotFound("No such table.")


def rollup_rows(*, user: Any, filters: Filters) -> QuerySet[DailyRollup]:
    rows = policies.visible(user, policies.ROLLUPS, DailyRollup.objects.all())
    return rows.filter(filters.rollup_q())


def drill(filters: Filters, measure: str, **dimensions: Any) -> str:
    """The URL of the tickets behind a figure."""
    narrowed = filters.with_(period="custom", **dimensions)
    return reverse("reports:tickets") + "?" + narrowed.query(measure=measure)


def dashboard(*, user: Any, filters: Filters, today: date) -> Dashboard:
    if not policies.can(user, policies.DASHBOARD, None):
        raise NotFound("No such page.")
    board = Dashboard(filters=filters, today=today)
    now_filters = filters.with_(first=today, last=today, period="today")
    month_filters = filters.with_(first=today.replace(day=1), last=today, period="month")
    board.tables.append(_compliance(user, filters, now_filters, month_filters))
    board.tables.append(_now(user, now_filters))
    board.tables.extend(_backlog(user, now_filters, board))
    board.tables.append(_workload(user, filters, now_filters))
    board.tables.append(_trends(user, filters, today, board))
    board.tables.append(_categories(user, filters, board))
    board.tables.append(_satisfaction(user, filters))
    return board


def _count(value: int, url: str) -> Cell:
    return Cell(str(value), url=url, number=value)


def _compliance(user: Any, period: Filters, today: Filters, month: Filters) -> Table:
    table = Table(
        "compliance",
        "SLA compliance per clock",
        ["Clock", "Scope", "Met", "Breached", "Compliance"],
    )
    for label, filters in (("Today", today), ("This month", month), ("Selected period", period)):
        figures = totals(rollup_rows(user=user, filters=filters))
        for clock, title in CLOCKS:
            met, breached = figures[f"{clock}_met"], figures[f"{clock}_breached"]
            rate = compliance(met, breached)
            table.add(
                title,
                label,
                _count(met, drill(filters, f"{clock}_met")),
                _count(breached, drill(filters, f"{clock}_breached")),
                Cell(percent_text(rate), number=rate),
            )
    return table


def _now(user: Any, today: Filters) -> Table:
    rows = rollup_rows(user=user, filters=today)
    figures = totals(rows)
    maps = list(rows.values_list("breaches", "escalations", "escalation_steps"))
    table = Table("now", "Breaches and escalations today", ["What", "Tickets"])
    table.add(
        "Open with a breached clock",
        _count(figures["backlog_breached"], drill(today, "backlog_breached")),
    )
    for metric, count in merged(m[0] for m in maps).items():
        label = f"{metric.replace('_', ' ').capitalize()} breaches recorded today"
        table.add(label, _count(count, drill(today, f"breach_{metric}")))
    for level, count in merged(m[1] for m in maps).items():
        table.add(f"Escalated to L{level} today", _count(count, drill(today, "escalated")))
    for step, count in merged(m[2] for m in maps).items():
        table.add(f"Management chain step {step} today", _count(count, drill(today, "chain_step")))
    return table


def _backlog(user: Any, today: Filters, board: Dashboard) -> list[Table]:
    rows = rollup_rows(user=user, filters=today)
    headers = ["", *(title for _, title in BACKLOG_BANDS), "Total", "Breached"]
    by_team = Table(
        "backlog_team", "Backlog by team and age (end of today)", ["Team", *headers[1:]]
    )
    names = _names(Team, {r["team_id"] for r in grouped(rows, "team_id")})
    stacks = []
    for row in grouped(rows, "team_id"):
        team = row["team_id"]
        scope = today.with_(team=team if team is not None else 0)
        name = names.get(team, "No team")
        by_team.add(name, *_backlog_cells(row, scope))
        stacks.append(
            (name, [(title, row[band]) for band, title in BACKLOG_BANDS], drill(scope, "backlog"))
        )
    board.charts["backlog"] = stacks
    by_level = Table("backlog_level", "Backlog by support level", ["Level", *headers[1:]])
    for row in grouped(rows, "support_level"):
        scope = today.with_(level=row["support_level"])
        by_level.add(f"L{row['support_level']}", *_backlog_cells(row, scope))
    return [by_team, by_level]


def _backlog_cells(row: dict[str, Any], scope: Filters) -> list[Cell | int]:
    total = backlog_total(row)
    return [
        *(row[band] for band, _ in BACKLOG_BANDS),
        _count(total, drill(scope, "backlog")),
        _count(row["backlog_breached"], drill(scope, "backlog_breached")),
    ]


def _workload(user: Any, period: Filters, today: Filters) -> Table:
    table = Table(
        "workload",
        "Workload per agent",
        ["Agent", "Open now", "Resolved in period", "Rated good", "Rated bad"],
    )
    now_rows = {
        r["assignee_id"]: r for r in grouped(rollup_rows(user=user, filters=today), "assignee_id")
    }
    period_rows = {
        r["assignee_id"]: r for r in grouped(rollup_rows(user=user, filters=period), "assignee_id")
    }
    names = _names(User, set(now_rows) | set(period_rows))
    for agent in sorted(set(now_rows) | set(period_rows), key=lambda a: names.get(a, "~")):
        scope_now = today.with_(assignee=agent if agent is not None else 0)
        scope = period.with_(assignee=agent if agent is not None else 0)
        open_now = backlog_total(now_rows.get(agent, {}))
        done = period_rows.get(agent, {})
        table.add(
            names.get(agent, "Unassigned"),
            _count(open_now, drill(scope_now, "backlog")),
            _count(done.get("resolved", 0), drill(scope, "resolved")),
            _count(done.get("rating_good", 0), drill(scope, "rating_good")),
            _count(done.get("rating_bad", 0), drill(scope, "rating_bad")),
        )
    return table


def _trends(user: Any, filters: Filters, today: date, board: Dashboard) -> Table:
    """Median and p90 of first-response and resolution times per week, 12 weeks to today."""
    first = today - timedelta(weeks=TREND_WEEKS) + timedelta(days=1)
    weeks = filters.with_(first=first, last=today, period="custom")
    rows = rollup_rows(user=user, filters=weeks).values_list(
        "day", "response_seconds", "resolution_seconds"
    )
    response: dict[int, list[int]] = defaultdict(list)
    resolution: dict[int, list[int]] = defaultdict(list)
    for day, responses, resolutions in rows:
        week = (day - first).days // 7
        response[week].extend(responses)
        resolution[week].extend(resolutions)
    table = Table(
        "trends",
        "First response and resolution, per week (business time)",
        ["Week from", "Responses", "Median", "p90", "Resolutions", "Median", "p90"],
    )
    points = []
    for week in range(TREND_WEEKS):
        start = first + timedelta(weeks=week)
        scope = filters.with_(first=start, last=start + timedelta(days=6), period="custom")
        r50, r90 = median_p90(response[week])
        s50, s90 = median_p90(resolution[week])
        table.add(
            start.isoformat(),
            _count(len(response[week]), drill(scope, "response_stopped")),
            Cell(duration_text(r50), number=r50),
            Cell(duration_text(r90), number=r90),
            _count(len(resolution[week]), drill(scope, "resolution_stopped")),
            Cell(duration_text(s50), number=s50),
            Cell(duration_text(s90), number=s90),
        )
        points.append((start.strftime("%d %b"), r50, s50))
    board.charts["trends"] = points
    return table


def _categories(user: Any, filters: Filters, board: Dashboard) -> Table:
    rows = grouped(rollup_rows(user=user, filters=filters), "category_id")
    rows.sort(key=lambda r: -r["opened"])
    rows = [r for r in rows if r["opened"]][:TOP_CATEGORIES]
    names = _names(Category, {r["category_id"] for r in rows})
    table = Table(
        "categories", "Top categories (opened in period)", ["Category", "Opened", "Resolved"]
    )
    bars = []
    for row in rows:
        scope = filters.with_(category=row["category_id"] if row["category_id"] is not None else 0)
        name = names.get(row["category_id"], "No category")
        url = drill(scope, "opened")
        table.add(
            name, _count(row["opened"], url), _count(row["resolved"], drill(scope, "resolved"))
        )
        bars.append((name, row["opened"], url))
    board.charts["categories"] = bars
    return table


def _satisfaction(user: Any, filters: Filters) -> Table:
    table = Table(
        "satisfaction",
        "Satisfaction (ratings given in period)",
        ["Team", "Good", "Bad", "Share good"],
    )
    rows = grouped(rollup_rows(user=user, filters=filters), "team_id")
    names = _names(Team, {r["team_id"] for r in rows})
    all_good = all_bad = 0
    for row in rows:
        good, bad = row["rating_good"], row["rating_bad"]
        if not good and not bad:
            continue
        all_good, all_bad = all_good + good, all_bad + bad
        scope = filters.with_(team=row["team_id"] if row["team_id"] is not None else 0)
        share = compliance(good, bad)
        table.add(
            names.get(row["team_id"], "No team"),
            _count(good, drill(scope, "rating_good")),
            _count(bad, drill(scope, "rating_bad")),
            Cell(percent_text(share), number=share),
        )
    share = compliance(all_good, all_bad)
    table.add(
        "All",
        _count(all_good, drill(filters, "rating_good")),
        _count(all_bad, drill(filters, "rating_bad")),
        Cell(percent_text(share), number=share),
    )
    return table


def _names(model: Any, ids: set[Any]) -> dict[Any, str]:
    wanted = [i for i in ids if i is not None]
    if not wanted:
        return {}
    return {obj.pk: str(obj) for obj in model.objects.filter(pk__in=wanted)}


def filter_choices() -> dict[str, list[tuple[int, str]]]:
    """The dashboard's filter menus."""
    return {
        "team": [(t.pk, t.name) for t in Team.objects.order_by("name")],
        "organization": [
            (o.pk, o.name) for o in Organization.objects.exclude(kind="vendor").order_by("name")
        ],
        "partner": [
            (o.pk, o.name) for o in Organization.objects.filter(kind="partner").order_by("name")
        ],
        "plan": [(p.pk, p.name) for p in Plan.objects.order_by("name")],
        "priority": [(p, f"P{p}") for p in (1, 2, 3, 4)],
    }

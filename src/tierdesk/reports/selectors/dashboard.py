"""The managers' dashboard: every figure read from the rollup cells (indexed reads by day,
organization or team), never from the tickets. Each figure carries the link to its tickets."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

from django.db.models import QuerySet
from django.urls import reverse

from tierdesk.accounts.models import Team, User
from tierdesk.core.errors import NotFound
from tierdesk.core.plans import custom_plans
from tierdesk.crm.models import Organization
from tierdesk.reports import policies
from tierdesk.reports.figures import (
    BACKLOG_BANDS,
    BACKLOG_SUMMED,
    CLOCKS,
    Cell,
    Table,
    added_by,
    backlog_total,
    compliance,
    duration_text,
    grouped,
    joined_lists,
    median_p90,
    merged,
    merged_lists,
    percent_text,
    totals,
)
from tierdesk.reports.models import (
    DailyBacklog,
    DailyCategoryRollup,
    DailyRollup,
    DailyTeamBacklog,
    DailyTeamRollup,
)
from tierdesk.reports.selectors.filters import Filters, query_value
from tierdesk.sla.models import Plan
from tierdesk.tickets.models import Category

TREND_WEEKS = 12
# The workload's figures in the period, in the table's order.
WORKLOAD_SUMMED = ("resolved", "rating_good", "rating_bad")
# Each table adds up only the columns it shows: a sum is paid for on every cell of the period.
CLOCK_SUMMED = tuple(f"{clock}_{end}" for clock, _ in CLOCKS for end in ("met", "breached"))
# The period's sums by team and agent (``PeriodCells``): compliance, workload, satisfaction.
PERIOD_SUMMED = (*CLOCK_SUMMED, *WORKLOAD_SUMMED)
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


def backlog_rows(*, user: Any, filters: Filters) -> QuerySet[DailyBacklog]:
    """The backlog at the end of the filters' last day (the API: of each day)."""
    rows = policies.visible(user, policies.ROLLUPS, DailyBacklog.objects.all())
    return rows.filter(filters.rollup_q())


def dashboard_cells(*, user: Any, filters: Filters, by: tuple[str, ...] = ()) -> QuerySet[Any]:
    """The cells a dashboard figure adds up (grouped ``by`` those columns): the team cells
    when they can answer (``_summary_table_answers``), every cell otherwise."""
    if _summary_table_answers(DailyTeamRollup, user, filters, by):
        return DailyTeamRollup.objects.filter(filters.rollup_q())
    return rollup_rows(user=user, filters=filters)


def category_cells(*, user: Any, filters: Filters) -> QuerySet[Any]:
    """The rows the top categories add up: the category table when it can answer."""
    if _summary_table_answers(DailyCategoryRollup, user, filters, ("category_id",)):
        return DailyCategoryRollup.objects.filter(filters.rollup_q())
    return rollup_rows(user=user, filters=filters)


def backlog_at_end(*, user: Any, filters: Filters) -> QuerySet[Any]:
    """The backlog rows at the end of the filters' last day, from the team table when it can
    answer."""
    at_end = filters.with_(first=filters.last)
    if _summary_table_answers(DailyTeamBacklog, user, at_end, ("team_id", "assignee_id")):
        return DailyTeamBacklog.objects.filter(at_end.rollup_q())
    return backlog_rows(user=user, filters=at_end)


def _summary_table_answers(model: Any, user: Any, filters: Filters, by: tuple[str, ...]) -> bool:
    """Whether a summary table can answer: the team tables (rows without organization,
    category or channel: a quarter of the cells, 1/150 of the backlog) or the category table.
    It must have every dimension the filters name and the figure groups by, and the reader
    must see every organization's figures (its rows belong to none)."""
    return filters.answered_by(model, *by) and policies.sees_all_figures(user)


def drill(filters: Filters, measure: str, **dimensions: Any) -> str:
    """The URL of the tickets behind a figure."""
    return drills(filters, **dimensions)(measure)


def drills(filters: Filters, *, path: str = "", **dimensions: Any) -> Callable[[str], str]:
    """The URLs of the tickets behind each figure of one scope, its query string built once:
    a table of many rows (four links per agent) pays for it once a row, not once a link.
    ``path``: the tickets page's, when the caller already has it."""
    narrowed = filters.with_(period="custom", **dimensions)
    prefix = f"{path or reverse('reports:tickets')}?{narrowed.query()}&measure="
    return lambda measure: prefix + query_value(measure)


@custom_plans()
def dashboard(*, user: Any, filters: Filters, today: date) -> Dashboard:
    if not policies.can(user, policies.DASHBOARD, None):
        raise NotFound("No such page.")
    board = Dashboard(filters=filters, today=today)
    now_filters = filters.with_(first=today, last=today, period="today")
    month_filters = filters.with_(first=today.replace(day=1), last=today, period="month")
    period = PeriodCells.read(user, filters)
    board.tables.append(_compliance(user, period, now_filters, month_filters))
    backlog = Backlog.read(user, now_filters)
    board.tables.append(_now(user, now_filters, backlog))
    board.tables.extend(_backlog(now_filters, backlog, board))
    board.tables.append(_workload(period, now_filters, backlog))
    board.tables.append(_trends(user, filters, today, board))
    board.tables.append(_categories(user, filters, board))
    board.tables.append(_satisfaction(period))
    return board


def _count(value: int, url: str) -> Cell:
    return Cell(str(value), url=url, number=value)


@dataclass
class PeriodCells:
    """The selected period's cells added up by team and by agent, from one read grouped by
    both: the compliance, workload and satisfaction tables each show a slice of them (one pass
    over the period's cells instead of three)."""

    filters: Filters
    by_team: dict[Any, dict[str, int]]
    by_assignee: dict[Any, dict[str, int]]
    total: dict[str, int]

    @classmethod
    def read(cls, user: Any, period: Filters) -> PeriodCells:
        groups = grouped(
            dashboard_cells(user=user, filters=period, by=("team_id", "assignee_id")),
            "team_id",
            "assignee_id",
            names=PERIOD_SUMMED,
        )
        by_team = added_by(groups, "team_id", PERIOD_SUMMED)
        total = dict.fromkeys(PERIOD_SUMMED, 0)
        for sums in by_team.values():
            for name in PERIOD_SUMMED:
                total[name] += sums[name]
        return cls(period, by_team, added_by(groups, "assignee_id", PERIOD_SUMMED), total)


def _compliance(user: Any, period: PeriodCells, today: Filters, month: Filters) -> Table:
    table = Table(
        "compliance",
        "SLA compliance per clock",
        ["Clock", "Scope", "Met", "Breached", "Compliance"],
    )
    # The three scopes differ only in their days; the selected period is often this month.
    by_days = {(period.filters.first, period.filters.last): period.total}
    for label, filters in (
        ("Today", today),
        ("This month", month),
        ("Selected period", period.filters),
    ):
        days = (filters.first, filters.last)
        if days not in by_days:
            by_days[days] = totals(dashboard_cells(user=user, filters=filters), CLOCK_SUMMED)
        figures = by_days[days]
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


@dataclass
class Backlog:
    """The backlog at the end of a day by team, by level and by agent, from one read of its
    rows (nearly one per open ticket: one pass instead of one per table)."""

    by_team: dict[Any, dict[str, int]]
    by_level: dict[Any, dict[str, int]]
    by_assignee: dict[Any, dict[str, int]]
    breached: int

    @classmethod
    def read(cls, user: Any, today: Filters) -> Backlog:
        groups = grouped(
            backlog_at_end(user=user, filters=today),
            "team_id",
            "support_level",
            "assignee_id",
            names=BACKLOG_SUMMED,
        )
        breached = sum(row["backlog_breached"] for row in groups)
        return cls(
            added_by(groups, "team_id", BACKLOG_SUMMED),
            added_by(groups, "support_level", BACKLOG_SUMMED),
            added_by(groups, "assignee_id", BACKLOG_SUMMED),
            breached,
        )


def _sorted(groups: dict[Any, dict[str, int]]) -> list[tuple[Any, dict[str, int]]]:
    """Groups in key order, the empty key (no team, unassigned) last."""
    return sorted(groups.items(), key=lambda item: (item[0] is None, item[0] or 0))


def _now(user: Any, today: Filters, backlog: Backlog) -> Table:
    # Most cells recorded no breach and no escalation: only the others have maps to add.
    rows = dashboard_cells(user=user, filters=today).exclude(
        breaches={}, escalations={}, escalation_steps={}
    )
    maps = list(rows.values_list("breaches", "escalations", "escalation_steps"))
    table = Table("now", "Breaches and escalations today", ["What", "Tickets"])
    table.add(
        "Open with a breached clock",
        _count(backlog.breached, drill(today, "backlog_breached")),
    )
    for metric, count in merged(m[0] for m in maps).items():
        label = f"{metric.replace('_', ' ').capitalize()} breaches recorded today"
        table.add(label, _count(count, drill(today, f"breach_{metric}")))
    for level, count in merged(m[1] for m in maps).items():
        table.add(f"Escalated to L{level} today", _count(count, drill(today, "escalated")))
    for step, count in merged(m[2] for m in maps).items():
        table.add(f"Management chain step {step} today", _count(count, drill(today, "chain_step")))
    return table


def _backlog(today: Filters, backlog: Backlog, board: Dashboard) -> list[Table]:
    headers = ["", *(title for _, title in BACKLOG_BANDS), "Total", "Breached"]
    by_team = Table(
        "backlog_team", "Backlog by team and age (end of today)", ["Team", *headers[1:]]
    )
    names = _names(Team, set(backlog.by_team))
    stacks = []
    for team, row in _sorted(backlog.by_team):
        scope = today.with_(team=team if team is not None else 0)
        name = names.get(team, "No team")
        by_team.add(name, *_backlog_cells(row, scope))
        stacks.append(
            (name, [(title, row[band]) for band, title in BACKLOG_BANDS], drill(scope, "backlog"))
        )
    board.charts["backlog"] = stacks
    by_level = Table("backlog_level", "Backlog by support level", ["Level", *headers[1:]])
    for level, row in _sorted(backlog.by_level):
        by_level.add(f"L{level}", *_backlog_cells(row, today.with_(level=level)))
    return [by_team, by_level]


def _backlog_cells(row: dict[str, Any], scope: Filters) -> list[Cell | int]:
    total = backlog_total(row)
    return [
        *(row[band] for band, _ in BACKLOG_BANDS),
        _count(total, drill(scope, "backlog")),
        _count(row["backlog_breached"], drill(scope, "backlog_breached")),
    ]


def _workload(period: PeriodCells, today: Filters, backlog: Backlog) -> Table:
    table = Table(
        "workload",
        "Workload per agent",
        ["Agent", "Open now", "Resolved in period", "Rated good", "Rated bad"],
    )
    now_rows, period_rows = backlog.by_assignee, period.by_assignee
    names = _agent_names(set(now_rows) | set(period_rows))
    path = reverse("reports:tickets")
    for agent in sorted(set(now_rows) | set(period_rows), key=lambda a: names.get(a, "~")):
        assignee = agent if agent is not None else 0
        open_now = drills(today, path=path, assignee=assignee)
        in_period = drills(period.filters, path=path, assignee=assignee)
        done = period_rows.get(agent, {})
        table.add(
            names.get(agent, "Unassigned"),
            _count(backlog_total(now_rows.get(agent, {})), open_now("backlog")),
            *(_count(done.get(name, 0), in_period(name)) for name in WORKLOAD_SUMMED),
        )
    return table


def _agent_names(ids: set[Any]) -> dict[Any, str]:
    """``str(user)`` of each agent, reading only the columns it is made of."""
    wanted = [i for i in ids if i is not None]
    users = User.objects.filter(pk__in=wanted).only(
        "display_name", "first_name", "last_name", "username"
    )
    return {user.pk: str(user) for user in users} if wanted else {}


def _trends(user: Any, filters: Filters, today: date, board: Dashboard) -> Table:
    """Median and p90 of first-response and resolution times per week, 12 weeks to today."""
    first = today - timedelta(weeks=TREND_WEEKS) + timedelta(days=1)
    weeks = filters.with_(first=first, last=today, period="custom")
    # Cells where no clock stopped (openings, events only) have nothing to add. A row per day,
    # not per cell: 84 rows instead of 44,000 at 1M tickets (``docs/benchmarks.md``).
    stopped = dashboard_cells(user=user, filters=weeks).exclude(
        response_seconds=[], resolution_seconds=[]
    )
    rows = (
        stopped.values("day")
        .annotate(
            responses=joined_lists("response_seconds"),
            resolutions=joined_lists("resolution_seconds"),
        )
        .order_by()
        .values_list("day", "responses", "resolutions")
    )
    texts: dict[int, tuple[list[str | None], list[str | None]]] = defaultdict(lambda: ([], []))
    for day, responses, resolutions in rows:
        responses_of_week, resolutions_of_week = texts[(day - first).days // 7]
        responses_of_week.append(responses)
        resolutions_of_week.append(resolutions)
    response = {week: merged_lists(of_week[0]) for week, of_week in texts.items()}
    resolution = {week: merged_lists(of_week[1]) for week, of_week in texts.items()}
    table = Table(
        "trends",
        "First response and resolution, per week (business time)",
        ["Week from", "Responses", "Median", "p90", "Resolutions", "Median", "p90"],
    )
    points = []
    for week in range(TREND_WEEKS):
        start = first + timedelta(weeks=week)
        scope = filters.with_(first=start, last=start + timedelta(days=6), period="custom")
        responses, resolutions = response.get(week, []), resolution.get(week, [])
        r50, r90 = median_p90(responses)
        s50, s90 = median_p90(resolutions)
        table.add(
            start.isoformat(),
            _count(len(responses), drill(scope, "response_stopped")),
            Cell(duration_text(r50), number=r50),
            Cell(duration_text(r90), number=r90),
            _count(len(resolutions), drill(scope, "resolution_stopped")),
            Cell(duration_text(s50), number=s50),
            Cell(duration_text(s90), number=s90),
        )
        points.append((start.strftime("%d %b"), r50, s50))
    board.charts["trends"] = points
    return table


def _categories(user: Any, filters: Filters, board: Dashboard) -> Table:
    cells = category_cells(user=user, filters=filters)
    rows = grouped(cells, "category_id", names=("opened", "resolved"))
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


def _satisfaction(period: PeriodCells) -> Table:
    table = Table(
        "satisfaction",
        "Satisfaction (ratings given in period)",
        ["Team", "Good", "Bad", "Share good"],
    )
    filters = period.filters
    names = _names(Team, set(period.by_team))
    all_good = all_bad = 0
    for team, row in period.by_team.items():
        good, bad = row["rating_good"], row["rating_bad"]
        if not good and not bad:
            continue
        all_good, all_bad = all_good + good, all_bad + bad
        scope = filters.with_(team=team if team is not None else 0)
        share = compliance(good, bad)
        table.add(
            names.get(team, "No team"),
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
    """The dashboard's filter menus (the organization is a search field: ``filters``)."""
    return {
        "team": [(t.pk, t.name) for t in Team.objects.order_by("name")],
        "partner": [
            (o.pk, o.name) for o in Organization.objects.filter(kind="partner").order_by("name")
        ],
        "plan": [(p.pk, p.name) for p in Plan.objects.order_by("name")],
        "priority": [(p, f"P{p}") for p in (1, 2, 3, 4)],
    }

"""The managers' dashboard: filters, every figure's link to its tickets, charts and exports."""

from __future__ import annotations

import csv
import importlib
import io
import re
from collections import defaultdict
from datetime import timedelta

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext
from openpyxl import load_workbook

from tests.reports.conftest import AFTER_THE_WEEK
from tierdesk.reports.figures import BACKLOG_SUMMED, grouped, median_p90
from tierdesk.reports.models import (
    DailyBacklog,
    DailyCategoryRollup,
    DailyRollup,
    DailyTeamBacklog,
    DailyTeamRollup,
)
from tierdesk.reports.rollups import DAY, day_start
from tierdesk.reports.selectors.dashboard import (
    backlog_at_end,
    backlog_rows,
    category_cells,
    dashboard_cells,
)
from tierdesk.tickets.models import TicketEvent

pytestmark = pytest.mark.usefixtures("rolled_up")
# The module (the package exports its ``dashboard`` function under the same name).
dashboard_selectors = importlib.import_module("tierdesk.reports.selectors.dashboard")


@pytest.fixture
def manager(client_as):
    with time_machine.travel(AFTER_THE_WEEK, tick=False):
        yield client_as("manager")


def linked_cells(board):
    for table in board.tables:
        for row in table.rows:
            for cell in row:
                if cell.url:
                    yield table, cell


# Figures that count timeline events: a ticket resolved twice in the period is one ticket
# behind a figure of two resolutions.
EVENT_MEASURES = {
    "resolved": "resolved", "closed": "closed", "reopened": "reopened",
    "escalated": "escalated", "chain_step": "sla_escalated",
}  # fmt: skip


def events_behind(listing, kind):
    filters = listing.context["filters"]
    tickets = [t.pk for t in listing.context["page"]]
    start, end = day_start(filters.first), day_start(filters.last + DAY)
    events = TicketEvent.objects.filter(ticket_id__in=tickets, kind=kind, at__gte=start, at__lt=end)
    return events.count()


def test_every_figure_links_to_exactly_the_tickets_it_counts(manager):
    board = manager.get("/reports/dashboard/?period=month").context["board"]
    checked = 0
    for table, cell in linked_cells(board):
        listing = manager.get(cell.url)
        assert listing.status_code == 200, cell.url
        measure = listing.context["measure"]
        if measure in EVENT_MEASURES and measure != "chain_step":
            counted = events_behind(listing, EVENT_MEASURES[measure])
        elif measure == "chain_step":  # one row per step: the ticket that reached it
            counted = min(listing.context["count"], cell.number)
        else:
            counted = listing.context["count"]
        assert counted == cell.number, (table.slug, cell.url)
        checked += 1
    assert checked > 40


def test_the_month_shows_compliance_per_clock_and_the_breach(manager):
    board = manager.get("/reports/dashboard/?period=month").context["board"]
    compliance = board.table("compliance")
    month = [[c.text for c in row] for row in compliance.rows if row[1].text == "This month"]
    # First responses: the P2 and the P1 in time, the never-answered P3 late; resolutions:
    # the P2 and the P3 in time, the P1 late.
    assert month == [
        ["First response", "This month", "2", "1", "66.7 %"],
        ["Resolution", "This month", "2", "1", "66.7 %"],
    ]


def test_filters_narrow_every_figure(manager, world):
    everything = manager.get("/reports/dashboard/?period=month").context["board"]
    globex = manager.get(f"/reports/dashboard/?period=month&organization={world.globex.pk}")
    board = globex.context["board"]
    opened = sum(r[1].number for r in board.table("categories").rows)
    assert opened == 1
    assert sum(r[1].number for r in everything.table("categories").rows) == 6
    partner = manager.get(f"/reports/dashboard/?period=month&partner={world.bluebird.pk}")
    assert sum(r[1].number for r in partner.context["board"].table("categories").rows) == 1
    p1 = manager.get("/reports/dashboard/?period=month&priority=1").context["board"]
    assert [c.text for c in p1.table("compliance").rows[3]][2:4] == ["0", "1"]


def test_the_organization_search_field_suggests_and_resolves_names(manager, world):
    options = manager.get("/reports/dashboard/organizations/?organization=glob")
    assert f'value="{world.globex.name} (#{world.globex.pk})"' in options.content.decode()
    # A name (whole, or a suggestion with its id) goes to the same filters by id.
    for typed in (world.globex.name.upper(), f"{world.globex.name} (#{world.globex.pk})"):
        response = manager.get("/reports/dashboard/", {"period": "month", "organization": typed})
        assert response.status_code == 302
        assert response["Location"].endswith(f"period=month&organization={world.globex.pk}")
    board = manager.get(f"/reports/dashboard/?period=month&organization={world.globex.pk}")
    assert f'value="{world.globex.name} (#{world.globex.pk})"' in board.content.decode()
    unknown = manager.get("/reports/dashboard/?organization=Nobody+at+all")
    assert unknown.status_code == 400
    assert "No organization match" in unknown.content.decode()


def test_bad_filters_are_a_clear_400(manager):
    response = manager.get("/reports/dashboard/?period=custom&from=2026-13-01")
    assert response.status_code == 400
    assert "from must be a date" in response.content.decode()
    assert manager.get("/reports/dashboard/?team=abc").status_code == 400
    assert manager.get("/reports/tickets/?measure=nothing").status_code == 400


def test_charts_are_inline_svg_readable_without_colour(manager):
    html = manager.get("/reports/dashboard/?period=month").content.decode()
    assert html.count("<svg") >= 3
    assert "<title" in html and "<desc" in html  # a text equivalent of every chart
    assert "url(#backlog-hatch)" in html or "url(#backlog-dots)" in html  # patterns, not colour
    assert "(dashed)" in html and "(solid)" in html
    assert not re.search(r'(src|href)="(https?:)?//', html)  # nothing from another host


def test_each_table_downloads_as_csv_and_xlsx(manager):
    csv_response = manager.get("/reports/dashboard/compliance.csv?period=month")
    assert csv_response["Content-Type"].startswith("text/csv")
    rows = list(csv.reader(io.StringIO(csv_response.content.decode())))
    assert rows[0] == ["Clock", "Scope", "Met", "Breached", "Compliance"]
    assert ["First response", "This month", "2", "1", "66.7"] in rows
    xlsx = manager.get("/reports/dashboard/workload.xlsx?period=month")
    sheet = load_workbook(io.BytesIO(xlsx.content)).active
    values = list(sheet.iter_rows(values_only=True))
    assert values[0] == ("Agent", "Open now", "Resolved in period", "Rated good", "Rated bad")
    assert ("l1", 0, 3, 0, 1) in values  # the P2 (resolved twice) and the P1
    assert ("Unassigned", 3, 1, 1, 0) in values
    assert manager.get("/reports/dashboard/nothing.csv").status_code == 404
    assert manager.get("/reports/dashboard/workload.pdf").status_code == 404


def test_the_backlog_reads_the_same_from_the_team_table_as_from_every_row(manager, world):
    """Without an organization, partner or category filter the dashboard reads the backlog's
    team sums; each of its backlog tables must show what the full rows show."""
    user = world.persona("manager")
    with time_machine.travel(AFTER_THE_WEEK, tick=False):
        board = manager.get("/reports/dashboard/?period=month").context["board"]
    filters = board.filters.with_(first=board.today, last=board.today)
    assert backlog_at_end(user=user, filters=filters).model is DailyTeamBacklog
    every_row = backlog_rows(user=user, filters=filters)
    by = ("team_id", "support_level", "assignee_id")
    assert grouped(backlog_at_end(user=user, filters=filters), *by, names=BACKLOG_SUMMED) == (
        grouped(every_row, *by, names=BACKLOG_SUMMED)
    )
    assert sum(row[5].number for row in board.table("backlog_level").rows) == sum(
        sum(row.values()) - row["backlog_breached"] for row in every_row.values(*BACKLOG_SUMMED)
    )
    for narrowed in (
        filters.with_(organization=world.acme.pk),
        filters.with_(partner=world.bluebird.pk),
        filters.with_(category=0),
    ):
        assert backlog_at_end(user=user, filters=narrowed).model is DailyBacklog
    # A reader who sees only some organizations never reads rows that belong to none.
    partner_agent = world.persona("partner_agent")
    assert backlog_at_end(user=partner_agent, filters=filters).model is DailyBacklog


def texts(board):
    return {
        table.slug: [[cell.text for cell in row] for row in table.rows] for table in board.tables
    }


@pytest.mark.parametrize(
    "query",
    [
        "period=month",
        "period=month&priority=1",
        "period=month&level=1",
        "period=month&category=0",
        "period=custom&from=2026-11-01&to=2026-11-30",
    ],
)
def test_every_figure_is_the_same_read_from_the_team_tables_or_from_every_row(
    manager, monkeypatch, query
):
    with time_machine.travel(AFTER_THE_WEEK, tick=False):
        board = manager.get(f"/reports/dashboard/?{query}").context["board"]
        monkeypatch.setattr(dashboard_selectors, "_summary_table_answers", lambda *args: False)
        every_row = manager.get(f"/reports/dashboard/?{query}").context["board"]
    assert texts(board) == texts(every_row)
    assert board.charts == every_row.charts


def test_a_figure_grouped_by_category_reads_every_cell(manager, world):
    user = world.persona("manager")
    with time_machine.travel(AFTER_THE_WEEK, tick=False):
        filters = manager.get("/reports/dashboard/?period=month").context["board"].filters
    assert dashboard_cells(user=user, filters=filters).model is DailyTeamRollup
    assert dashboard_cells(user=user, filters=filters, by=("category_id",)).model is DailyRollup
    for narrowed in (filters.with_(organization=world.acme.pk), filters.with_(category=0)):
        assert dashboard_cells(user=user, filters=narrowed).model is DailyRollup


def test_the_top_categories_read_the_category_table_when_it_answers(manager, world):
    user = world.persona("manager")
    with time_machine.travel(AFTER_THE_WEEK, tick=False):
        filters = manager.get("/reports/dashboard/?period=month").context["board"].filters
    for answered in (filters, filters.with_(category=0), filters.with_(priority=2, level=1)):
        assert category_cells(user=user, filters=answered).model is DailyCategoryRollup
    for narrowed in (
        filters.with_(organization=world.acme.pk),
        filters.with_(partner=world.bluebird.pk),
        filters.with_(team=0),
        filters.with_(plan=0),
    ):
        assert category_cells(user=user, filters=narrowed).model is DailyRollup
    partner_agent = world.persona("partner_agent")
    assert category_cells(user=partner_agent, filters=filters).model is DailyRollup


def test_the_weekly_trends_are_the_percentiles_of_every_cells_durations(manager):
    """The trends join each week's lists as text and parse them once; the per-cell lists
    (checked against the tickets by ``test_rollups``) must give the same figures."""
    with time_machine.travel(AFTER_THE_WEEK, tick=False):
        board = manager.get("/reports/dashboard/?period=month").context["board"]
    first = board.today - timedelta(weeks=dashboard_selectors.TREND_WEEKS) + timedelta(days=1)
    durations: dict[int, tuple[list[int], list[int]]] = defaultdict(lambda: ([], []))
    for day, responses, resolutions in DailyRollup.objects.filter(day__gte=first).values_list(
        "day", "response_seconds", "resolution_seconds"
    ):
        durations[(day - first).days // 7][0].extend(responses)
        durations[(day - first).days // 7][1].extend(resolutions)
    stopped = 0
    for week, row in enumerate(board.table("trends").rows):
        responses, resolutions = durations.get(week, ([], []))
        assert [row[1].number, row[2].number, row[3].number] == [
            len(responses), *median_p90(responses)
        ]  # fmt: skip
        assert [row[4].number, row[5].number, row[6].number] == [
            len(resolutions), *median_p90(resolutions)
        ]  # fmt: skip
        stopped += len(responses) + len(resolutions)
    assert stopped  # the week's clocks are in it


@pytest.mark.parametrize(
    "url", ["/reports/dashboard/?period=month", "/reports/tickets/?period=month&measure=opened"]
)
def test_the_reports_are_planned_for_their_values(manager, url):
    """PostgreSQL's generic plan of a prepared statement guesses the day range
    (``core.plans``): the reports' reads ask for custom plans."""
    with CaptureQueriesContext(connection) as queries:
        assert manager.get(url).status_code == 200
    asked = [q for q in queries.captured_queries if "plan_cache_mode" in q["sql"]]
    assert len(asked) == (1 if connection.vendor == "postgresql" else 0)

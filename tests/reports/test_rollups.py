"""The daily rollups: every figure against the slow reference, the week as a person reads it,
late events that change a past day, and the rebuild command."""

from __future__ import annotations

from collections import defaultdict
from datetime import date
from typing import Any

import time_machine

from tests.reports.conftest import AFTER_THE_WEEK, MONTH_LAST, NOVEMBER, THU, TUE, WED, ist
from tests.reports.reference import plain, reference
from tierdesk.cli import main
from tierdesk.reports.models import (
    DailyBacklog,
    DailyCategoryRollup,
    DailyRollup,
    DailyTeamBacklog,
    DailyTeamRollup,
    DirtyDay,
)
from tierdesk.reports.rollups import pending_by_reason
from tierdesk.reports.services import days_rebuild, rollups_refresh
from tierdesk.sla.clocks import EventFact
from tierdesk.tickets import services
from tierdesk.tickets.models import EventKind
from tierdesk.tickets.services.base import record

SUMMED = [
    "opened", "resolved", "closed", "reopened", "response_met", "response_breached",
    "resolution_met", "resolution_breached", "alerts", "rating_good", "rating_bad",
]  # fmt: skip
BACKLOG = ["backlog_under_1d", "backlog_1_3d", "backlog_3_7d", "backlog_over_7d",
           "backlog_breached"]  # fmt: skip
LISTS = ["response_seconds", "resolution_seconds"]
MAPS = ["breaches", "escalations", "escalation_steps", "pending_seconds"]


def rolled_up_by_org() -> dict[tuple[date, int], dict[str, Any]]:
    """The rollup cells and backlog rows added up per day and organization, shaped like the
    reference."""
    out: dict[tuple[date, int], dict[str, Any]] = defaultdict(lambda: defaultdict(int))
    for backlog in DailyBacklog.objects.all():
        for name in BACKLOG:
            out[(backlog.day, backlog.organization_id)][name] += getattr(backlog, name)
    for row in DailyRollup.objects.all():
        cell = out[(row.day, row.organization_id)]
        for name in SUMMED:
            cell[name] += getattr(row, name)
        for name in LISTS:
            cell.setdefault(name, [])
            cell[name] = [*cell[name], *getattr(row, name)]
        for name in MAPS:
            merged = cell.setdefault(name, {})
            for key, value in getattr(row, name).items():
                merged[key] = merged.get(key, 0) + value
    return out


def compare(first: date, last: date) -> None:
    expected = {k: plain(v) for k, v in reference(first, last).items() if plain(v)}
    actual = {
        k: plain(v) for k, v in rolled_up_by_org().items() if plain(v) and first <= k[0] <= last
    }
    assert actual == expected


def test_every_rollup_figure_matches_the_slow_reference(rolled_up):
    compare(NOVEMBER, MONTH_LAST)


def test_the_week_reads_as_a_person_would_count_it(rolled_up):
    week = rolled_up
    acme = week.world.acme.pk
    monday, tuesday = ist(0, 12).date(), ist(TUE, 12).date()
    cells = DailyRollup.objects.filter(organization_id=acme)
    on_monday = {name: sum(getattr(c, name) for c in cells.filter(day=monday)) for name in SUMMED}
    assert on_monday["opened"] == 3
    assert on_monday["resolution_breached"] == 1  # the P1, resolved after 6 h of its 4
    breach_cell = cells.get(day=monday, priority=1)
    assert breach_cell.resolution_seconds == [6 * 3600]  # the hour of waiting is not counted
    assert breach_cell.response_seconds == [30 * 60]
    assert breach_cell.breaches == {"resolution": 1}
    assert breach_cell.escalation_steps == {"1": 1, "2": 1}
    # The P2 waited on the customer from Monday 11:00 to Tuesday 15:00 (28 h), first resolved
    # Tuesday; its current resolution is Thursday's, where its waiting time is counted.
    thursday = cells.get(day=ist(THU, 12).date(), priority=2)
    assert thursday.pending_seconds == {"customer": 28 * 3600}
    assert thursday.resolution_met == 1 and thursday.reopened == 1
    assert sum(c.resolved for c in cells.filter(day=tuesday)) == 1
    globex = DailyRollup.objects.get(organization=week.world.globex, day=tuesday)
    assert globex.escalations == {"2": 1} and globex.support_level == 2


def test_the_rollups_are_built_the_same_over_any_range(rolled_up):
    before = {k: plain(v) for k, v in rolled_up_by_org().items()}
    with time_machine.travel(AFTER_THE_WEEK, tick=False):
        for day in (ist(0, 12).date(), ist(WED, 12).date()):
            days_rebuild(first=day, last=day)
    assert {k: plain(v) for k, v in rolled_up_by_org().items()} == before


def test_a_late_event_changes_a_past_days_rollup(rolled_up, django_capture_on_commit_callbacks):
    week = rolled_up
    wednesday = ist(WED, 12).date()
    cell = DailyRollup.objects.get(organization=week.world.cobalt, day=wednesday)
    assert (cell.priority, cell.opened) == (3, 1)
    # Five days later the partner's ticket is raised to P2: Wednesday's opening moves cell.
    later = ist(WED + 7, 10)
    with time_machine.travel(later, tick=False), django_capture_on_commit_callbacks(execute=True):
        services.ticket_set_priority(
            actor=week.world.manager, ticket=week.partner, priority=2, reason="Whole clinic down"
        )
    assert list(DirtyDay.objects.values_list("day", flat=True)) == [wednesday]
    with time_machine.travel(later, tick=False):
        rollups_refresh()
    assert not DirtyDay.objects.exists()
    opened = DailyRollup.objects.filter(organization=week.world.cobalt, day=wednesday, opened=1)
    assert [c.priority for c in opened] == [2]
    # The rebuilt day agrees with the reference again (the other days keep the breach state
    # of their build: "open with a breached clock" is as of the day's build).
    compare(wednesday, wednesday)


def test_an_event_written_for_a_past_day_is_counted_in_that_day(
    rolled_up, django_capture_on_commit_callbacks
):
    week = rolled_up
    tuesday = ist(TUE, 12).date()
    with time_machine.travel(ist(WED + 7, 10), tick=False):
        # An event recorded now that happened on Tuesday (an import, a late delivery).
        with django_capture_on_commit_callbacks(execute=True):
            record(week.escalated, EventKind.ESCALATED, week.world.l2, ist(TUE, 17), level=[2, 3])
        assert DirtyDay.objects.filter(day=tuesday).exists()
        rollups_refresh()
    globex = DailyRollup.objects.get(organization=week.world.globex, day=tuesday)
    assert globex.escalations == {"2": 1, "3": 1}
    compare(tuesday, tuesday)


def test_a_late_event_of_a_kind_no_rollup_reads_marks_nothing(
    rolled_up, django_capture_on_commit_callbacks
):
    week = rolled_up
    with time_machine.travel(ist(WED + 7, 10), tick=False):
        with django_capture_on_commit_callbacks(execute=True) as callbacks:
            record(week.escalated, EventKind.NOTED, week.world.l2, ist(TUE, 17))
        assert not any("event_mark_dirty" in repr(c) for c in callbacks)
    assert not DirtyDay.objects.exists()


def test_events_of_today_and_yesterday_need_no_mark(rolled_up, django_capture_on_commit_callbacks):
    with (
        time_machine.travel(ist(THU + 1, 13), tick=False),
        django_capture_on_commit_callbacks(execute=True),
    ):
        services.ticket_reply(actor=rolled_up.world.manager, ticket=rolled_up.partner, body="Hello")
    assert not DirtyDay.objects.exists()


def test_pending_time_ends_as_the_sla_engine_ends_a_wait():
    facts = [
        EventFact("pended", ist(0, 10), {"reason": "customer", "status": ["open", "pending"]}),
        EventFact("replied", ist(0, 11), {"status": ["pending", "open"]}),
        EventFact("pended", ist(0, 12), {"reason": "third_party"}),
        EventFact("noted", ist(0, 13), {}),
        EventFact("resumed", ist(0, 14), {}),
    ]
    assert pending_by_reason(facts) == {"customer": 3600, "third_party": 7200}


def test_the_rebuild_command_shows_progress_and_counts_cells(week, capsys):
    with time_machine.travel(AFTER_THE_WEEK, tick=False):
        code = main(["reports", "rebuild", "--from", "2026-11-01", "--to", "2026-11-30"])
    out = capsys.readouterr()
    assert code == 0
    assert "30/30 days" in out.err and "[" in out.err
    assert '"days": 30' in out.out
    assert DailyRollup.objects.filter(day__gte=NOVEMBER).exists()


def test_the_rebuild_command_refuses_a_backwards_range(db, capsys):
    assert main(["reports", "rebuild", "--from", "2026-11-30", "--to", "2026-11-01"]) == 2
    assert "before the first" in capsys.readouterr().err


def test_monitoring_alerts_are_counted_on_their_tickets_day_and_cell(delivered):
    compare(NOVEMBER, MONTH_LAST)
    [cell] = DailyRollup.objects.filter(alerts__gt=0)
    assert (cell.day, cell.organization_id, cell.priority) == (
        ist(0, 12).date(),
        delivered.world.acme.pk,
        1,
    )
    assert cell.alerts == 1  # the group that made no ticket belongs to nobody's figures


def test_the_backlog_is_one_row_per_group_of_open_tickets(rolled_up):
    friday = ist(4, 12).date()
    rows = DailyBacklog.objects.filter(day=friday)
    # Open at Friday's end: the escalated, the partner's and the old ticket, in three groups.
    assert sum(r.backlog_under_1d + r.backlog_1_3d + r.backlog_3_7d + r.backlog_over_7d
               for r in rows) == 3  # fmt: skip
    assert rows.count() == 3
    old = rows.get(organization=rolled_up.world.umbrella)
    assert (old.backlog_over_7d, old.priority) == (1, 4)


def test_an_organizations_old_days_show_nothing_until_they_are_rebuilt(week, client_as):
    """Days no rollup job ever built (tickets older than the reports): the report's figures and
    the dashboard's backlog are empty for them, the lists read from the tickets are not; a
    rebuild of those days fills them as the slow reference counts them."""
    umbrella = week.world.umbrella
    report = f"/reports/monthly/{umbrella.pk}/2026-11/"
    board = f"/reports/dashboard/?period=month&organization={umbrella.pk}"
    with time_machine.travel(AFTER_THE_WEEK, tick=False):
        manager = client_as("manager")
        before = manager.get(report).context["report"]
        backlog_before = manager.get(board).context["board"].table("backlog_level")
        assert main(["reports", "rebuild", "--from", "2026-11-01", "--to", "2026-11-30"]) == 0
        after = manager.get(report).context["report"]
        backlog_after = manager.get(board).context["board"].table("backlog_level")
    assert before.figures["opened"] == 0 and not backlog_before.rows
    # The open tickets are read from the tickets themselves: listed before any rebuild.
    assert [row[0].text for row in before.table("open").rows] == [week.old.reference]
    expected = reference(NOVEMBER, MONTH_LAST)
    assert after.figures["opened"] == sum(
        cell["opened"] for (_, org), cell in expected.items() if org == umbrella.pk
    ) == 1  # fmt: skip
    [level] = backlog_after.rows
    assert (level[0].text, level[4].text) == ("L1", "1")  # over 7 days: opened the week before
    compare(NOVEMBER, MONTH_LAST)


TEAM_GROUP = ["day", "team_id", "assignee_id", "plan_id", "priority", "support_level"]


def team_sums() -> dict[tuple[Any, ...], dict[str, int]]:
    """The backlog rows added up per team-backlog group, in Python."""
    out: dict[tuple[Any, ...], dict[str, int]] = defaultdict(lambda: dict.fromkeys(BACKLOG, 0))
    for row in DailyBacklog.objects.all():
        sums = out[tuple(getattr(row, name) for name in TEAM_GROUP)]
        for name in BACKLOG:
            sums[name] += getattr(row, name)
    return dict(out)


def team_rows() -> dict[tuple[Any, ...], dict[str, int]]:
    return {
        tuple(getattr(row, name) for name in TEAM_GROUP): {n: getattr(row, n) for n in BACKLOG}
        for row in DailyTeamBacklog.objects.all()
    }


def test_the_team_backlog_adds_up_the_backlog_rows_and_is_replaced_with_them(rolled_up):
    expected = team_sums()
    assert expected and team_rows() == expected
    # The organizations and categories are gone: never more rows than the backlog's.
    assert DailyTeamBacklog.objects.count() <= DailyBacklog.objects.count()
    with time_machine.travel(AFTER_THE_WEEK, tick=False):
        days_rebuild(first=NOVEMBER, last=MONTH_LAST)  # rebuilt, not added to
    assert team_rows() == expected


TEAM_CELL = ["day", "team_id", "assignee_id", "plan_id", "priority", "support_level"]


def test_the_team_cells_add_up_the_cells(rolled_up):
    """Counts summed, lists merged and sorted, maps added: per team-cell key."""
    expected: dict[tuple[Any, ...], dict[str, Any]] = {}
    for row in DailyRollup.objects.all():
        key = tuple(getattr(row, name) for name in TEAM_CELL)
        into = expected.setdefault(key, {"lists": defaultdict(list), "maps": defaultdict(dict),
                                         "counts": defaultdict(int)})  # fmt: skip
        for name in SUMMED:
            into["counts"][name] += getattr(row, name)
        for name in LISTS:
            into["lists"][name] = sorted([*into["lists"][name], *getattr(row, name)])
        for name in MAPS:
            for k, v in getattr(row, name).items():
                into["maps"][name][k] = into["maps"][name].get(k, 0) + v
    actual = {
        tuple(getattr(row, name) for name in TEAM_CELL): {
            "counts": {name: getattr(row, name) for name in SUMMED},
            "lists": {name: getattr(row, name) for name in LISTS},
            "maps": {name: getattr(row, name) for name in MAPS},
        }
        for row in DailyTeamRollup.objects.all()
    }
    assert actual.keys() == expected.keys() and actual
    for key, figures in actual.items():
        assert figures["counts"] == dict(expected[key]["counts"]), key
        assert figures["lists"] == {n: expected[key]["lists"].get(n, []) for n in LISTS}, key
        assert figures["maps"] == {n: expected[key]["maps"].get(n, {}) for n in MAPS}, key


CATEGORY_ROW = ["day", "category_id", "priority", "support_level"]


def test_the_category_rows_add_up_the_cells_and_are_replaced_with_them(rolled_up):
    def category_rows() -> dict[tuple[Any, ...], tuple[int, int]]:
        return {
            tuple(getattr(row, name) for name in CATEGORY_ROW): (row.opened, row.resolved)
            for row in DailyCategoryRollup.objects.all()
        }

    expected: dict[tuple[Any, ...], list[int]] = defaultdict(lambda: [0, 0])
    for row in DailyRollup.objects.all():
        if row.opened or row.resolved:
            into = expected[tuple(getattr(row, name) for name in CATEGORY_ROW)]
            into[0] += row.opened
            into[1] += row.resolved
    expected_rows = {key: tuple(value) for key, value in expected.items()}
    assert expected_rows and category_rows() == expected_rows
    with time_machine.travel(AFTER_THE_WEEK, tick=False):
        days_rebuild(first=NOVEMBER, last=MONTH_LAST)  # rebuilt, not added to
    assert category_rows() == expected_rows

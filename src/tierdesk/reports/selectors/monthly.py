"""One organization's monthly report (a partner's covers its customers too).

Figures come from the rollup cells of the organizations covered (index on organization and
day); the lists a customer wants to read line by line (each breach with its cause and pauses,
the open tickets, the comments of ratings) are read for those organizations alone.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any, cast

from django.db.models import QuerySet
from django.db.models.functions import TruncMonth

from tierdesk.core.errors import NotFound
from tierdesk.core.plans import custom_plans
from tierdesk.crm.models import Organization
from tierdesk.reports import policies
from tierdesk.reports.figures import (
    CLOCKS,
    Cell,
    Table,
    compliance,
    duration_text,
    grouped,
    median_p90,
    merged,
    percent_text,
    sums,
    totals,
)
from tierdesk.reports.models import DailyRollup, Rating
from tierdesk.reports.rollups import DAY, day_start
from tierdesk.reports.selectors.delivered import changes_done, rcas_delivered
from tierdesk.sla.explain import explain_data
from tierdesk.sla.models import AlertKind, SlaAlert
from tierdesk.sla.promise import promise
from tierdesk.tickets.models import OPEN_STATUSES, Category, EventKind, Ticket, TicketEvent

HISTORY_MONTHS = 6
VOLUME = ("opened", "resolved", "closed", "reopened")
OPEN_LISTED = 200
# Lines of a list (open tickets, rating comments) the PDF prints; the page and the CSV have all.
PRINTED_LINES = 40
CLOCK_TITLES = {
    "first_response": "First response",
    "resolution": "Resolution",
    "next_update": "Next update",
}


@dataclass
class Breach:
    reference: str
    ticket_id: int
    subject: str
    clock: str
    target: str
    used: str
    due_at: datetime | None
    stopped_at: datetime | None
    pauses: list[tuple[datetime, datetime | None, str]]
    cause: str


@dataclass
class MonthlyReport:
    organization: Organization
    month: date
    covered: list[Organization]
    figures: dict[str, int]
    tables: list[Table] = field(default_factory=list)
    breaches: list[Breach] = field(default_factory=list)
    history: list[tuple[str, float | None, float | None]] = field(default_factory=list)
    by_category: list[tuple[str, int, str]] = field(default_factory=list)

    @property
    def title(self) -> str:
        return f"{self.organization.name}: support report for {self.month:%B %Y}"

    def table(self, slug: str) -> Table:
        for table in self.tables:
            if table.slug == slug:
                return table
        raise NotFound("No such table.")


def report_organization_get(*, user: Any, organization_id: int) -> Organization:
    """The organization whose report the user asks for, or ``NotFound`` (never 403)."""
    found = Organization.objects.filter(pk=organization_id).first()
    if found is None or not policies.can(user, policies.REPORT, found):
        raise NotFound("No such report.")
    return found


def report_organizations(*, user: Any) -> QuerySet[Organization]:
    orgs = policies.visible(user, policies.REPORT, Organization.objects.exclude(kind="vendor"))
    return orgs.order_by("name")


def month_end(month: date) -> date:
    return (month + timedelta(days=32)).replace(day=1) - DAY


@custom_plans()
def monthly_report(*, user: Any, organization_id: int, month: date) -> MonthlyReport:
    organization = report_organization_get(user=user, organization_id=organization_id)
    ids = policies.report_organization_ids(organization)
    covered = list(Organization.objects.filter(pk__in=ids).order_by("name"))
    cells = DailyRollup.objects.filter(
        organization_id__in=ids, day__gte=month, day__lte=month_end(month)
    )
    report = MonthlyReport(organization, month, covered, totals(cells))
    report.tables.extend(_volume(report, cells))
    report.tables.append(_compliance(report))
    report.tables.append(_times(cells))
    report.breaches = _breaches(ids, month)
    report.tables.append(_breach_table(report.breaches))
    report.tables.append(_open_tickets(ids))
    report.tables.append(_escalations(cells))
    for delivered in (rcas_delivered, changes_done):
        table = delivered(ids, month, month_end(month))
        report.figures[table.slug] = len(table.rows)
        report.tables.append(table)
    report.tables.append(_satisfaction(report, ids, month))
    report.tables.append(_history(report, ids, month))
    return report


def _volume(report: MonthlyReport, cells: QuerySet[DailyRollup]) -> list[Table]:
    """Tickets by category, then by priority: two short tables from one grouped read (the
    cross of the two made ~75 rows for a busy customer, most of them near empty)."""
    rows = grouped(cells, "category_id", "priority")
    names = {c.pk: c.name for c in Category.objects.filter(pk__in={r["category_id"] for r in rows})}
    by_category: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    by_priority: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    for row in rows:
        for into in (
            by_category[names.get(row["category_id"], "No category")],
            by_priority[f"P{row['priority']}"],
        ):
            for name in VOLUME:
                into[name] += row[name]
    f = report.figures
    tables = []
    most_opened = sorted(by_category.items(), key=lambda i: (-i[1]["opened"], i[0]))
    for slug, title, header, groups in (
        ("volume", "Tickets by category", "Category", most_opened),
        ("priority", "Tickets by priority", "Priority", sorted(by_priority.items())),
    ):
        table = Table(slug, title, [header, *(name.capitalize() for name in VOLUME)])
        for label, counts in groups:
            table.add(label, *(counts[name] for name in VOLUME))
        table.add("All", *(f[name] for name in VOLUME))
        tables.append(table)
    report.by_category = [(name, counts["opened"], "") for name, counts in most_opened]
    return tables


def _compliance(report: MonthlyReport) -> Table:
    table = Table(
        "compliance", "SLA compliance per clock", ["Clock", "Met", "Breached", "Compliance"]
    )
    for clock, title in CLOCKS:
        met, breached = report.figures[f"{clock}_met"], report.figures[f"{clock}_breached"]
        rate = compliance(met, breached)
        table.add(title, met, breached, Cell(percent_text(rate), number=rate))
    return table


def _times(cells: QuerySet[DailyRollup]) -> Table:
    """Achieved times per plan and priority against what the plan promises (``sla.promise``)."""
    lists: dict[tuple[Any, int], tuple[list[int], list[int]]] = defaultdict(lambda: ([], []))
    for plan_id, priority, responses, resolutions in cells.values_list(
        "plan_id", "priority", "response_seconds", "resolution_seconds"
    ):
        lists[(plan_id, priority)][0].extend(responses)
        lists[(plan_id, priority)][1].extend(resolutions)
    table = Table(
        "times",
        "Response and resolution times against the plan (business time)",
        [
            "Plan",
            "Priority",
            "Response target",
            "Median",
            "p90",
            "Resolution target",
            "Median",
            "p90",
        ],
    )
    for (plan_id, priority), (responses, resolutions) in sorted(
        lists.items(), key=lambda i: (i[0][0] or 0, i[0][1])
    ):
        if not responses and not resolutions:
            continue
        promised = promise(plan_id, priority)
        r50, r90 = median_p90(responses)
        s50, s90 = median_p90(resolutions)
        table.add(
            promised.plan if promised else "No plan",
            f"P{priority}",
            str(promised.response) if promised else "-",
            Cell(duration_text(r50), number=r50),
            Cell(duration_text(r90), number=r90),
            str(promised.resolution) if promised else "-",
            Cell(duration_text(s50), number=s50),
            Cell(duration_text(s90), number=s90),
        )
    return table


def _breaches(ids: list[int], month: date) -> list[Breach]:
    """Each breach the SLA engine recorded this month, explained by its own clocks."""
    alerts = (
        SlaAlert.objects.filter(
            kind=AlertKind.BREACH,
            ticket__organization_id__in=ids,
            fired_at__gte=day_start(month),
            fired_at__lt=day_start(month_end(month) + DAY),
        )
        .select_related("ticket")
        .order_by("fired_at", "id")
    )
    found = []
    for alert in alerts:
        ticket = alert.ticket
        explained = explain_data(ticket)
        clock = next((c for c in explained["clocks"] if c["metric"] == alert.metric), None)
        reasons = _pause_reasons(ticket.pk)
        pauses = [
            (
                _instant(p["start"]),
                _instant(p["end"]) if p["end"] else None,
                reasons.get(p["start"], ""),
            )
            for p in explained["pauses"]
        ]
        found.append(_breach(ticket, alert, clock or {}, pauses))
    return found


def _breach(ticket: Ticket, alert: SlaAlert, clock: dict[str, Any], pauses: list[Any]) -> Breach:
    title = CLOCK_TITLES.get(alert.metric, alert.metric)
    target = clock.get("target_seconds")
    used = clock.get("elapsed_seconds")
    cause = (
        f"{title} took {duration_text(used)} of business time against a target of "
        f"{duration_text(target)}"
    )
    if pauses:
        cause += f"; the clock was paused {len(pauses)} time(s) while waiting (not counted)"
    return Breach(
        reference=ticket.reference,
        ticket_id=ticket.pk,
        subject=ticket.subject,
        clock=title,
        target=duration_text(target),
        used=duration_text(used),
        due_at=alert.due_at,
        stopped_at=_instant(clock["stopped_at"]) if clock.get("stopped_at") else None,
        pauses=pauses,
        cause=cause,
    )


def _pause_reasons(ticket_id: int) -> dict[str, str]:
    """What each pause waited for, by its start (the ``pended`` event that began it)."""
    pended = TicketEvent.objects.filter(ticket_id=ticket_id, kind=EventKind.PENDED)
    return {
        at.isoformat(): str(data.get("reason", "")) for at, data in pended.values_list("at", "data")
    }


def _instant(text: str) -> datetime:
    return datetime.fromisoformat(text)


def _breach_table(breaches: list[Breach]) -> Table:
    table = Table(
        "breaches",
        "Breaches, each with its cause and pauses",
        ["Ticket", "Clock", "Target", "Used", "Due", "Stopped", "Pauses", "Cause"],
    )
    for breach in breaches:
        pauses = "; ".join(pause_text(*pause) for pause in breach.pauses)
        table.add(
            breach.reference,
            breach.clock,
            breach.target,
            breach.used,
            f"{breach.due_at:%Y-%m-%d %H:%M}" if breach.due_at else "-",
            f"{breach.stopped_at:%Y-%m-%d %H:%M}" if breach.stopped_at else "still running",
            pauses or "none",
            breach.cause,
        )
    return table


def pause_text(start: datetime, end: datetime | None, reason: str) -> str:
    until = f"{end:%Y-%m-%d %H:%M}" if end else "now"
    why = f" ({reason.replace('_', ' ')})" if reason else ""
    return f"{start:%Y-%m-%d %H:%M} to {until}{why}"


def _open_tickets(ids: list[int]) -> Table:
    tickets = Ticket.objects.filter(organization_id__in=ids, status__in=OPEN_STATUSES)
    listed = list(tickets.order_by("priority", "created_at")[:OPEN_LISTED])
    count = len(listed) if len(listed) < OPEN_LISTED else tickets.count()
    note = f"{count} open, the most urgent first"
    if count > OPEN_LISTED:
        note += f" ({OPEN_LISTED} listed)"
    table = Table(
        "open",
        "Open tickets and their state",
        ["Ticket", "Subject", "Priority", "Status", "Level", "Opened"],
        note=note + ".",
        print_limit=PRINTED_LINES,
    )
    for ticket in listed:
        status = ticket.status + (f" ({ticket.pending_reason})" if ticket.pending_reason else "")
        table.add(
            ticket.reference,
            ticket.subject,
            f"P{ticket.priority}",
            status,
            f"L{ticket.support_level}",
            f"{ticket.created_at:%Y-%m-%d}",
        )
    return table


def _escalations(cells: QuerySet[DailyRollup]) -> Table:
    maps = list(cells.values_list("escalations", "escalation_steps", "pending_seconds"))
    table = Table("escalations", "Escalations and waiting", ["What", "Count or time"])
    for level, count in merged(m[0] for m in maps).items():
        table.add(f"Escalated to level {level}", count)
    for step, count in merged(m[1] for m in maps).items():
        table.add(f"Management escalation step {step}", count)
    for reason, seconds in merged(m[2] for m in maps).items():
        table.add(
            f"Pending: {reason.replace('_', ' ')}", Cell(duration_text(seconds), number=seconds)
        )
    return table


def _satisfaction(report: MonthlyReport, ids: list[int], month: date) -> Table:
    good, bad = report.figures["rating_good"], report.figures["rating_bad"]
    share = compliance(good, bad)
    table = Table(
        "satisfaction",
        "Satisfaction",
        ["Ticket", "Rating", "Comment"],
        note=f"{good} good, {bad} bad ({percent_text(share)} good)",
        print_limit=PRINTED_LINES,
    )
    ratings = (
        Rating.objects.filter(
            ticket__organization_id__in=ids,
            rated_at__gte=day_start(month),
            rated_at__lt=day_start(month_end(month) + DAY),
        )
        .select_related("ticket")
        .order_by("rated_at")
    )
    for rating in ratings:
        table.add(rating.ticket.reference, "good" if rating.good else "bad", rating.comment)
    return table


def _history(report: MonthlyReport, ids: list[int], month: date) -> Table:
    first = month
    for _ in range(HISTORY_MONTHS - 1):
        first = (first - DAY).replace(day=1)
    rows = (
        DailyRollup.objects.filter(
            organization_id__in=ids, day__gte=first, day__lte=month_end(month)
        )
        .annotate(month=TruncMonth("day"))
        .values("month")
        .annotate(**sums())
        .order_by("month")
    )
    table = Table(
        "history",
        "This month against the months before",
        ["Month", "Opened", "Resolved", "First response", "Resolution", "Rated good"],
    )
    for row in cast(list[dict[str, Any]], list(rows)):
        label = f"{row['month']:%Y-%m}"
        response = compliance(row["response_met"], row["response_breached"])
        resolution = compliance(row["resolution_met"], row["resolution_breached"])
        good = compliance(row["rating_good"], row["rating_bad"])
        table.add(
            label,
            row["opened"],
            row["resolved"],
            Cell(percent_text(response), number=response),
            Cell(percent_text(resolution), number=resolution),
            Cell(percent_text(good), number=good),
        )
        report.history.append((label, response, resolution))
    return table

"""Reports: the daily rollup cells, the days waiting to be rebuilt, satisfaction ratings, who
receives each organization's monthly report and which monthly mailings went out."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.db import models


def _dimension(to: str, *, null: bool = True) -> models.ForeignKey:
    """A rollup or backlog row's dimension: copied from a ticket, so neither indexed nor
    constrained (``DailyRollup`` says why)."""
    return models.ForeignKey(
        to,
        null=null,
        on_delete=models.SET_NULL if null else models.CASCADE,
        related_name="+",
        db_index=False,
        db_constraint=False,
    )


class DurationsField(models.TextField):
    """A list of business seconds, stored as text: ``30,1800,7200``, ``""`` for none.

    Not JSON: the dashboard's trends join the lists of 12 weeks of cells in the database and
    parse them once (``figures.merged_lists``), and PostgreSQL had to turn every jsonb list
    into text to join it, three quarters of the query (``docs/benchmarks.md``)."""

    if TYPE_CHECKING:  # how django-stubs learns a custom field's values (its documented way)
        _pyi_private_set_type: list[int] | str  # type: ignore[assignment]
        _pyi_private_get_type: list[int]  # type: ignore[assignment]

    def from_db_value(self, value: str | None, expression: Any, connection: Any) -> list[int]:
        return self.parse(value)

    def to_python(self, value: Any) -> list[int]:
        return value if isinstance(value, list) else self.parse(value)

    def get_prep_value(self, value: Any) -> str:
        # A string is already stored text (a lookup written as the column holds it).
        return value if isinstance(value, str) else ",".join(str(int(v)) for v in value)

    @staticmethod
    def parse(text: str | None) -> list[int]:
        """The numbers of one stored list, or of several joined by commas."""
        # Only digits and commas are ever written; anything else fails loudly here.
        return json.loads(f"[{text}]") if text else []


class CellFigures(models.Model):
    """What a rollup cell counts, and the dimensions every cell table has (``DailyRollup``
    explains the cells)."""

    day = models.DateField()
    team = _dimension("accounts.Team")
    assignee = _dimension(settings.AUTH_USER_MODEL)
    plan = _dimension("sla.Plan")
    priority = models.PositiveSmallIntegerField()
    support_level = models.PositiveSmallIntegerField()
    opened = models.PositiveIntegerField(default=0)
    resolved = models.PositiveIntegerField(default=0)
    closed = models.PositiveIntegerField(default=0)
    reopened = models.PositiveIntegerField(default=0)
    # Clocks that stopped this day, as the SLA engine stored them (business seconds).
    response_met = models.PositiveIntegerField(default=0)
    response_breached = models.PositiveIntegerField(default=0)
    resolution_met = models.PositiveIntegerField(default=0)
    resolution_breached = models.PositiveIntegerField(default=0)
    response_seconds = DurationsField(default=list, blank=True)
    resolution_seconds = DurationsField(default=list, blank=True)
    # {"first_response": n, "resolution": n, ...}: breaches the sweep recorded this day.
    breaches = models.JSONField(default=dict)
    # {"2": n, "3": n}: escalations to a level; {"1": n, ...}: management chain steps fired.
    escalations = models.JSONField(default=dict)
    escalation_steps = models.JSONField(default=dict)
    # {"customer": seconds, ...}: wall-clock pending time of the tickets resolved this day.
    pending_seconds = models.JSONField(default=dict)
    alerts = models.PositiveIntegerField(
        default=0, help_text="Monitoring alert groups first seen this day, on their ticket's cell."
    )
    rating_good = models.PositiveIntegerField(default=0)
    rating_bad = models.PositiveIntegerField(default=0)

    class Meta:
        abstract = True


class DailyRollup(CellFigures):
    """One cell of the day's cube: the tickets of one organization, team, agent, category,
    priority, channel and plan on one day (dimensions as the ticket has them when the day is
    built). Counts add up across cells; the business-time durations are kept as lists (exact
    medians and p90 over any set of cells); keyed maps hold escalations, breaches and pending
    time. The tickets open at the day's end are counted in ``DailyBacklog``, not here. A day's
    cells are replaced as a whole when it is rebuilt (``services.days_rebuild``).

    The dimensions are copied from tickets, whose keys the database checks, so these rows (and
    the backlog's) carry no foreign-key constraint: their deferred checks, five per row, made
    most of a rebuild's time at commit. Deleting an organization, team, agent, category or plan
    still cascades or sets null through Django's ``on_delete``."""

    organization = _dimension("crm.Organization", null=False)
    category = _dimension("tickets.Category")
    channel = models.CharField(max_length=20)

    class Meta:
        indexes = [
            # The dashboard over everything, and one day's rebuild: a range of days.
            models.Index(fields=["day"], name="rollup_day_idx"),
            # A customer's monthly report and the organization / partner filters.
            models.Index(fields=["organization", "day"], name="rollup_org_day_idx"),
            models.Index(fields=["team", "day"], name="rollup_team_day_idx"),
            models.Index(fields=["assignee", "day"], name="rollup_assignee_day_idx"),
            # The category filter (it has no team sums): 12 weeks of one category's cells.
            models.Index(fields=["category", "day"], name="rollup_category_day_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.day} org {self.organization_id} P{self.priority} {self.channel}"


class DailyTeamRollup(CellFigures):
    """``DailyRollup``'s cells added up without the organization, the category and the channel
    (a quarter of the rows at 1M tickets; the lists and maps merged). The dashboard reads it
    whenever no filter names an organization, a partner or a category and a figure groups by
    none of them (``selectors.dashboard.dashboard_cells``); built with the cells, from the same
    cube (``rollups.Cube.team_rows``)."""

    class Meta:
        indexes = [
            models.Index(fields=["day"], name="team_rollup_day_idx"),
            models.Index(fields=["team", "day"], name="team_rollup_team_day_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.day} team {self.team_id} P{self.priority}"


class DailyCategoryRollup(models.Model):
    """Tickets opened and resolved per day, category, priority and level: the dashboard's top
    categories over a period, at most a few hundred rows a day where ``DailyRollup`` has
    ~3,000 (a month's categories: 40 ms to read the cells, ``docs/benchmarks.md``). Read when
    no filter names a dimension it lacks (``selectors.dashboard.category_cells``); built with
    the cells, from the same cube (``rollups.Cube.category_rows``)."""

    day = models.DateField()
    category = _dimension("tickets.Category")
    priority = models.PositiveSmallIntegerField()
    support_level = models.PositiveSmallIntegerField()
    opened = models.PositiveIntegerField(default=0)
    resolved = models.PositiveIntegerField(default=0)

    class Meta:
        indexes = [models.Index(fields=["day"], name="category_rollup_day_idx")]

    def __str__(self) -> str:
        return f"{self.day} category {self.category_id} P{self.priority}"


class BacklogCounts(models.Model):
    """The tickets open at the end of one day, by age since opening and with a breached clock,
    per team, agent, plan, priority and level."""

    day = models.DateField()
    team = _dimension("accounts.Team")
    assignee = _dimension(settings.AUTH_USER_MODEL)
    plan = _dimension("sla.Plan")
    priority = models.PositiveSmallIntegerField()
    support_level = models.PositiveSmallIntegerField()
    backlog_under_1d = models.PositiveIntegerField(default=0)
    backlog_1_3d = models.PositiveIntegerField(default=0)
    backlog_3_7d = models.PositiveIntegerField(default=0)
    backlog_over_7d = models.PositiveIntegerField(default=0)
    # Open with a breached first-response or resolution clock.
    backlog_breached = models.PositiveIntegerField(default=0)

    class Meta:
        abstract = True


class DailyBacklog(BacklogCounts):
    """The backlog per organization and category as well (every filter of the dashboard and the
    API; not the channel).

    Kept apart from ``DailyRollup``: nearly every open ticket is a group of its own, so these
    rows are many and are filled by one ``GROUP BY`` in the database (``backlog.backlog_insert``),
    while the day's other figures touch only the tickets that moved that day."""

    organization = _dimension("crm.Organization", null=False)
    category = _dimension("tickets.Category")

    class Meta:
        indexes = [
            # Not (day, category), which would serve the category filter's read of today's
            # backlog (34 -> 9 ms): it made a day's rebuild 2.0 -> 3.2 s (docs/benchmarks.md).
            models.Index(fields=["day"], name="backlog_day_idx"),
            models.Index(fields=["organization", "day"], name="backlog_org_day_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.day} org {self.organization_id} P{self.priority} backlog"


class DailyTeamBacklog(BacklogCounts):
    """``DailyBacklog`` added up without the organization and the category: ~900 rows a day
    instead of ~128,000 at 1M tickets. The dashboard reads it whenever no filter names an
    organization, a partner or a category (``selectors.dashboard.backlog_at_end``); it is
    filled from ``DailyBacklog`` in the same transaction (``backlog.backlog_insert``)."""

    class Meta:
        indexes = [models.Index(fields=["day"], name="team_backlog_day_idx")]

    def __str__(self) -> str:
        return f"{self.day} team {self.team_id} P{self.priority} backlog"


class DirtyDay(models.Model):
    """A past day that a late event changed: the rollup job rebuilds it and removes the row."""

    day = models.DateField(unique=True)
    marked_at = models.DateTimeField()

    def __str__(self) -> str:
        return str(self.day)


class RatingChannel(models.TextChoices):
    MAIL = "mail", "Link in the resolution mail"
    PORTAL = "portal", "Portal"


class Rating(models.Model):
    """The reporter's verdict on how a resolved ticket was handled (one per ticket; the
    reporter may change their mind, which replaces it)."""

    ticket = models.OneToOneField("tickets.Ticket", on_delete=models.CASCADE, related_name="rating")
    contact = models.ForeignKey(
        "crm.Contact", null=True, on_delete=models.SET_NULL, related_name="+", db_index=False
    )
    good = models.BooleanField()
    comment = models.TextField(blank=True)
    channel = models.CharField(max_length=10, choices=RatingChannel.choices)
    rated_at = models.DateTimeField()

    class Meta:
        indexes = [models.Index(fields=["rated_at"], name="rating_rated_at_idx")]

    def __str__(self) -> str:
        return f"{'good' if self.good else 'bad'} on {self.ticket_id}"


class ReportRecipient(models.Model):
    """A contact who may read their organization's monthly report and receives it by mail."""

    contact = models.OneToOneField(
        "crm.Contact", on_delete=models.CASCADE, related_name="report_recipient"
    )
    receives_mail = models.BooleanField(default=True)

    def __str__(self) -> str:
        return f"report recipient {self.contact_id}"


class MonthlyMailing(models.Model):
    """One organization's monthly report mail: the unique row makes it go out once."""

    organization = models.ForeignKey(
        "crm.Organization", on_delete=models.CASCADE, related_name="+", db_index=False
    )
    month = models.DateField(help_text="The first day of the month reported.")
    sent_at = models.DateTimeField()
    recipients = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["organization", "month"], name="monthly_mailing_once")
        ]

    def __str__(self) -> str:
        return f"{self.organization_id} {self.month:%Y-%m}"

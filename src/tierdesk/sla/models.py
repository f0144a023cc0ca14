"""Calendars, support plans with their targets, escalation chains, and what the sweep records.

The arithmetic lives in ``clock.py`` (pure Python); these models are its configuration and its
memory. Configuration keeps its history (django-simple-history); what the sweep records carries
unique keys, so any number of sweeping workers write each fact once.
"""

from __future__ import annotations

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from simple_history.models import HistoricalRecords

from tierdesk.sla import validation


class Calendar(models.Model):
    """When a clock runs: working intervals per weekday in a time zone, minus holidays."""

    name = models.CharField(max_length=100)
    slug = models.SlugField(max_length=100, unique=True)
    timezone = models.CharField(
        max_length=64, default="UTC", help_text="IANA name, e.g. Asia/Kolkata"
    )
    always_open = models.BooleanField(default=False, help_text="24x7: counts every minute.")
    holiday_country = models.CharField(
        max_length=8, blank=True, help_text="ISO country code of a national holiday set (IN, GB…)."
    )
    holiday_subdivision = models.CharField(max_length=16, blank=True, help_text="e.g. ENG, KA")
    # Bumped on every change to the calendar, its intervals or holidays, so cached clock
    # calendars are rebuilt exactly when needed.
    revision = models.PositiveIntegerField(default=1)
    history = HistoricalRecords()

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        errors: dict[str, list[ValidationError]] = {}
        try:
            validation.check_time_zone(self.timezone)
        except ValidationError as error:
            errors["timezone"] = [error]
        try:
            validation.check_holiday_set(self.holiday_country, self.holiday_subdivision)
        except ValidationError as error:
            errors["holiday_country"] = [error]
        if errors:
            raise ValidationError(errors)


class Weekday(models.IntegerChoices):
    MONDAY = 0, "Monday"
    TUESDAY = 1, "Tuesday"
    WEDNESDAY = 2, "Wednesday"
    THURSDAY = 3, "Thursday"
    FRIDAY = 4, "Friday"
    SATURDAY = 5, "Saturday"
    SUNDAY = 6, "Sunday"


class WorkingInterval(models.Model):
    """One stretch of a weekday, to the minute: 08:00-12:30; several per day are fine."""

    calendar = models.ForeignKey(Calendar, on_delete=models.CASCADE, related_name="intervals")
    weekday = models.PositiveSmallIntegerField(choices=Weekday.choices)
    opens_at = models.TimeField()
    closes_at = models.TimeField(help_text="00:00 means midnight at the end of the day.")
    history = HistoricalRecords()

    class Meta:
        ordering = ["weekday", "opens_at"]

    def __str__(self) -> str:
        return f"{self.get_weekday_display()} {self.opens_at:%H:%M}-{self.closes_at:%H:%M}"

    def clean(self) -> None:
        """Opens before it closes. Overlaps are a property of the whole week, checked where a
        week is edited together (the admin's inline, the desk's calendar page:
        ``validation.check_intervals``); one row at a time would refuse moving two at once."""
        if self.opens_at is not None and self.closes_at is not None and self.weekday is not None:
            validation.check_interval(self.weekday, self.opens_at, self.closes_at)


class HolidaySource(models.TextChoices):
    CUSTOM = "custom", "Added by hand"
    NATIONAL = "national", "Generated from a national set"


class Holiday(models.Model):
    calendar = models.ForeignKey(Calendar, on_delete=models.CASCADE, related_name="holidays")
    date = models.DateField()
    name = models.CharField(max_length=200, blank=True)
    recurs_yearly = models.BooleanField(default=False, help_text="Same day and month every year.")
    source = models.CharField(
        max_length=10, choices=HolidaySource.choices, default=HolidaySource.CUSTOM
    )
    history = HistoricalRecords()

    class Meta:
        ordering = ["date"]
        constraints = [
            models.UniqueConstraint(fields=["calendar", "date"], name="holiday_once_per_day")
        ]

    def __str__(self) -> str:
        return f"{self.date} {self.name}"


class Plan(models.Model):
    """A support plan (Standard 8x5, Premium 24x7): per-priority targets and an escalation chain."""

    name = models.CharField(max_length=100)
    slug = models.SlugField(max_length=100, unique=True)
    description = models.TextField(blank=True)
    is_default = models.BooleanField(
        default=False, help_text="Applies when neither the organization nor its partner has a plan."
    )
    warning_percent = models.PositiveSmallIntegerField(
        default=75, help_text="Warn the assignee and team lead when this share of a target is used."
    )
    third_party_pauses = models.BooleanField(
        default=False, help_text="Waiting on a third party stops the clocks."
    )
    close_resolved_after_days = models.PositiveSmallIntegerField(
        null=True, blank=True, default=7,
        help_text="A resolved ticket closes after this many days unless the customer replies; "
        "empty: never by itself.",
    )  # fmt: skip
    remind_pending_after_days = models.PositiveSmallIntegerField(
        null=True, blank=True,
        help_text="A ticket waiting on the customer gets a reminder after this many days; "
        "empty: no reminder.",
    )  # fmt: skip
    resolve_pending_after_days = models.PositiveSmallIntegerField(
        null=True, blank=True,
        help_text="...and is resolved this many days after the reminder; empty: never by itself.",
    )  # fmt: skip
    history = HistoricalRecords()

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class Metric(models.TextChoices):
    FIRST_RESPONSE = "first_response", "First response"
    NEXT_UPDATE = "next_update", "Next update"
    RESOLUTION = "resolution", "Resolution"


class DurationUnit(models.TextChoices):
    MINUTES = "minutes", "Minutes"
    HOURS = "hours", "Hours"
    BUSINESS_DAYS = "business_days", "Business days"


class Target(models.Model):
    """One clock of a plan for one priority. No amount means "no target" (case by case)."""

    plan = models.ForeignKey(Plan, on_delete=models.CASCADE, related_name="targets")
    priority = models.PositiveSmallIntegerField(choices=[(p, f"P{p}") for p in (1, 2, 3, 4)])
    metric = models.CharField(max_length=20, choices=Metric.choices)
    amount = models.PositiveIntegerField(null=True, blank=True)
    unit = models.CharField(max_length=20, choices=DurationUnit.choices, default=DurationUnit.HOURS)
    calendar = models.ForeignKey(Calendar, on_delete=models.PROTECT, related_name="targets")
    history = HistoricalRecords()

    class Meta:
        ordering = ["plan", "priority", "metric"]
        constraints = [
            models.UniqueConstraint(
                fields=["plan", "priority", "metric"], name="target_once_per_plan_priority_metric"
            )
        ]

    def __str__(self) -> str:
        amount = "no target" if self.amount is None else f"{self.amount} {self.unit}"
        return f"{self.plan} P{self.priority} {self.get_metric_display()}: {amount}"

    def clean(self) -> None:
        if self.amount == 0:
            raise ValidationError(
                {"amount": "A target of 0 is due at once: give an amount, or leave it empty "
                 "for \"agreed case by case\"."}
            )  # fmt: skip


class EscalationStep(models.Model):
    """One level of a plan's management chain (P10), counted from the breach."""

    plan = models.ForeignKey(Plan, on_delete=models.CASCADE, related_name="escalation_steps")
    position = models.PositiveSmallIntegerField()
    name = models.CharField(max_length=100, help_text="e.g. Senior product manager")
    delay_minutes = models.PositiveIntegerField(default=0, help_text="After the breach.")
    delay_business = models.BooleanField(
        default=False, help_text="Count the delay in the target's calendar instead of real time."
    )
    notify_users = models.ManyToManyField(settings.AUTH_USER_MODEL, blank=True, related_name="+")
    notify_roles = models.JSONField(
        default=list, blank=True,
        help_text='Any of "assignee", "team_lead" (of the ticket\'s team), "managers".',
    )  # fmt: skip
    raise_level = models.PositiveSmallIntegerField(null=True, blank=True)
    raise_priority = models.PositiveSmallIntegerField(null=True, blank=True)
    history = HistoricalRecords()

    class Meta:
        ordering = ["plan", "position"]
        constraints = [
            models.UniqueConstraint(fields=["plan", "position"], name="escalation_step_position")
        ]

    def __str__(self) -> str:
        return f"{self.plan} #{self.position} {self.name}"


class AlertKind(models.TextChoices):
    WARNING = "warning", "Warning"
    BREACH = "breach", "Breach"
    ESCALATION = "escalation", "Escalation step"


class SlaAlert(models.Model):
    """What the sweep did to a ticket's clock: a warning, the breach, each escalation step.

    The unique key (ticket, metric, cycle, kind, step) is the idempotency key: two workers that
    sweep the same ticket at once both try to insert, exactly one succeeds, and only the winner
    writes the event and the notifications. ``cycle`` is the ticket's reopen count, so a reopened
    ticket's new resolution clock can breach again. The row with kind "breach" is the breach record.
    """

    ticket = models.ForeignKey(
        "tickets.Ticket", on_delete=models.CASCADE, related_name="sla_alerts"
    )
    metric = models.CharField(max_length=20, choices=Metric.choices)
    cycle = models.PositiveSmallIntegerField(default=0)
    kind = models.CharField(max_length=10, choices=AlertKind.choices)
    step = models.PositiveSmallIntegerField(
        default=0, help_text="Escalation position; 0 otherwise."
    )
    due_at = models.DateTimeField(help_text="When it was due to happen.")
    fired_at = models.DateTimeField(help_text="When the sweep acted.")

    class Meta:
        ordering = ["fired_at", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["ticket", "metric", "cycle", "kind", "step"], name="sla_alert_once"
            )
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.metric} on {self.ticket_id}"

"""The two plans from domain.md (P9, X1, P6), seeded once; admins edit them afterwards."""

from __future__ import annotations

from datetime import time
from typing import Any

STANDARD_HOURS = [(day, time(8), time(18)) for day in range(5)]  # Mon-Fri 08:00-18:00

# (priority, metric, amount, unit, calendar slug); amount None = no target
STANDARD_TARGETS = [
    (1, "first_response", 2, "hours", "always-open"),
    (1, "resolution", 4, "hours", "always-open"),
    (2, "first_response", 4, "hours", "standard-ist"),
    (2, "resolution", 2, "business_days", "standard-ist"),
    (3, "first_response", 1, "business_days", "standard-ist"),
    (3, "resolution", 7, "business_days", "standard-ist"),
    (4, "first_response", 2, "business_days", "standard-ist"),
    (4, "resolution", None, "business_days", "standard-ist"),
]
PREMIUM_TARGETS = [
    (1, "first_response", 30, "minutes", "always-open"),
    (1, "resolution", 3, "hours", "always-open"),
    (2, "first_response", 30, "minutes", "always-open"),
    (2, "resolution", 24, "hours", "always-open"),
    (3, "first_response", 30, "minutes", "always-open"),
    (3, "resolution", None, "hours", "always-open"),
    (4, "first_response", 30, "minutes", "always-open"),
    (4, "resolution", None, "hours", "always-open"),
]
# P10: team lead at once, senior product manager after an hour, VP after four, CTO a business
# day later. Named people are configured by admins; the seed notifies by role.
ESCALATION_CHAIN = [
    (1, "Team lead", 0, False, ["assignee", "team_lead"]),
    (2, "Senior product manager", 60, False, ["managers"]),
    (3, "VP", 240, False, ["managers"]),
    (4, "CTO", 600, True, ["managers"]),
]


def seed_plans(apps: Any) -> None:
    calendar_model = apps.get_model("sla", "Calendar")
    if calendar_model.objects.exists():
        return
    standard_ist = calendar_model.objects.create(
        name="Standard hours (IST)", slug="standard-ist", timezone="Asia/Kolkata",
        holiday_country="IN",
    )  # fmt: skip
    always_open = calendar_model.objects.create(
        name="Around the clock", slug="always-open", timezone="UTC", always_open=True
    )
    interval_model = apps.get_model("sla", "WorkingInterval")
    for weekday, opens, closes in STANDARD_HOURS:
        interval_model.objects.create(
            calendar=standard_ist, weekday=weekday, opens_at=opens, closes_at=closes
        )
    _national_holidays(apps, standard_ist)
    calendars = {"standard-ist": standard_ist, "always-open": always_open}
    standard = "08:00-18:00 IST on working days; P1 around the clock."
    premium = "24x7 with phone, patches and updates; first response in 30 minutes."
    _plan(apps, "Standard", "standard", STANDARD_TARGETS, calendars, description=standard,
          is_default=True)  # fmt: skip
    _plan(apps, "Premium 24x7", "premium-24x7", PREMIUM_TARGETS, calendars, description=premium)


def _plan(apps: Any, name: str, slug: str, targets: list, calendars: dict, **extra: Any) -> None:
    plan = apps.get_model("sla", "Plan").objects.create(name=name, slug=slug, **extra)
    target_model = apps.get_model("sla", "Target")
    for priority, metric, amount, unit, calendar_slug in targets:
        target_model.objects.create(
            plan=plan, priority=priority, metric=metric, amount=amount, unit=unit,
            calendar=calendars[calendar_slug],
        )  # fmt: skip
    step_model = apps.get_model("sla", "EscalationStep")
    for position, step_name, delay, business, roles in ESCALATION_CHAIN:
        step_model.objects.create(
            plan=plan, position=position, name=step_name, delay_minutes=delay,
            delay_business=business, notify_roles=roles,
        )  # fmt: skip


def _national_holidays(apps: Any, calendar: Any) -> None:
    """India's set for last year to three years ahead, stored as editable rows."""
    import holidays as holiday_sets
    from django.utils import timezone

    year = timezone.now().year
    found = holiday_sets.country_holidays("IN", years=range(year - 1, year + 4))
    holiday_model = apps.get_model("sla", "Holiday")
    holiday_model.objects.bulk_create(
        holiday_model(calendar=calendar, date=day, name=str(name)[:200], source="national")
        for day, name in sorted(found.items())
    )

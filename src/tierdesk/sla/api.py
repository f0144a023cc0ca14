"""Support plans and calendars over HTTP. A ticket's clock explanation (``GET
/tickets/{ref}/sla``) is a ticket endpoint, in ``tierdesk.tickets.api``."""

from __future__ import annotations

from datetime import date, time
from typing import Any

from ninja import Field, Router, Schema

from tierdesk.accounts.api_auth import ApiRequest
from tierdesk.core.api.schemas import ERRORS, Id
from tierdesk.sla import selectors
from tierdesk.sla.calendars import clock_calendar
from tierdesk.sla.config import target_seconds
from tierdesk.sla.models import Calendar, Plan

router = Router(tags=["sla"])


class TargetOut(Schema):
    priority: int
    metric: str
    amount: int | None = Field(description="null: no target (case by case)")
    unit: str
    seconds: int | None = Field(description="The target in business seconds of its calendar")
    calendar: int


class StepOut(Schema):
    position: int
    name: str
    delay_minutes: int
    delay_business: bool
    notify_roles: list[str]
    raise_level: int | None
    raise_priority: int | None


class PlanOut(Schema):
    id: int
    name: str
    slug: str
    description: str
    is_default: bool
    warning_percent: int
    third_party_pauses: bool
    targets: list[TargetOut]
    escalation_steps: list[StepOut]


class IntervalOut(Schema):
    weekday: int
    opens_at: time
    closes_at: time


class HolidayOut(Schema):
    date: date
    name: str
    recurs_yearly: bool
    source: str


class CalendarOut(Schema):
    id: int
    name: str
    slug: str
    timezone: str
    always_open: bool
    holiday_country: str
    holiday_subdivision: str
    working_day_seconds: int
    intervals: list[IntervalOut]
    holidays: list[HolidayOut]


def plan_out(plan: Plan) -> dict[str, Any]:
    targets = [
        {
            "priority": t.priority, "metric": t.metric, "amount": t.amount, "unit": t.unit,
            "seconds": target_seconds(t, clock_calendar(t.calendar)), "calendar": t.calendar_id,
        }
        for t in plan.targets.all()
    ]  # fmt: skip
    steps = [
        {
            "position": s.position, "name": s.name, "delay_minutes": s.delay_minutes,
            "delay_business": s.delay_business, "notify_roles": s.notify_roles,
            "raise_level": s.raise_level, "raise_priority": s.raise_priority,
        }
        for s in plan.escalation_steps.all()
    ]  # fmt: skip
    fields = ["id", "name", "slug", "description", "is_default", "warning_percent"]
    return {
        **{name: getattr(plan, name) for name in fields},
        "third_party_pauses": plan.third_party_pauses,
        "targets": targets,
        "escalation_steps": steps,
    }


def calendar_out(calendar: Calendar) -> dict[str, Any]:
    fields = ["id", "name", "slug", "timezone", "always_open", "holiday_country"]
    return {
        **{name: getattr(calendar, name) for name in fields},
        "holiday_subdivision": calendar.holiday_subdivision,
        "working_day_seconds": clock_calendar(calendar).working_day_seconds,
        "intervals": [
            {"weekday": i.weekday, "opens_at": i.opens_at, "closes_at": i.closes_at}
            for i in calendar.intervals.all()
        ],
        "holidays": [
            {"date": h.date, "name": h.name, "recurs_yearly": h.recurs_yearly, "source": h.source}
            for h in calendar.holidays.all()
        ],
    }


@router.get("/sla/plans", response={200: list[PlanOut], **ERRORS})
def plan_list(request: ApiRequest) -> Any:
    """Support plans with their targets per priority and their escalation chains."""
    return [plan_out(plan) for plan in selectors.plan_list(user=request.auth)]


@router.get("/sla/plans/{plan_id}", response={200: PlanOut, **ERRORS})
def plan_get(request: ApiRequest, plan_id: Id) -> Any:
    return plan_out(selectors.plan_get(user=request.auth, plan_id=plan_id))


@router.get("/sla/calendars", response={200: list[CalendarOut], **ERRORS})
def calendar_list(request: ApiRequest) -> Any:
    """Business-hours calendars: time zone, working intervals and holidays."""
    return [calendar_out(c) for c in selectors.calendar_list(user=request.auth)]


@router.get("/sla/calendars/{calendar_id}", response={200: CalendarOut, **ERRORS})
def calendar_get(request: ApiRequest, calendar_id: Id) -> Any:
    return calendar_out(selectors.calendar_get(user=request.auth, calendar_id=calendar_id))

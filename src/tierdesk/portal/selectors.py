"""Reads for the public site and the portal: news, the support policy, plan commitments.

The support policy is generated from the live SLA configuration (plans, targets, calendars,
escalation chains), so the page never disagrees with what the clocks measure.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.db.models import Prefetch, Q, QuerySet

from tierdesk.core.clock import now
from tierdesk.portal.models import Announcement
from tierdesk.sla.models import Calendar, EscalationStep, Metric, Plan, Target, WorkingInterval
from tierdesk.tickets.models import Priority

UNIT_WORDS = {"minutes": ("minute", "minutes"), "hours": ("hour", "hours")}
DASH = "\u2013"  # the en dash of ranges: Mon-Fri, 08:00-18:00
DAY_NAMES = ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"]
PRIORITY_MEANING = {
    1: "Server or application down, functionality unavailable",
    2: "A function affected, limited availability, some impact",
    3: "A minor function affected, the system still available",
    4: "A background task; everything available",
}


# ---- news ----------------------------------------------------------------------------------


def announcement_list(*, limit: int | None = None) -> list[Announcement]:
    """Published news, pinned first; public to everybody."""
    found = Announcement.objects.filter(published_at__isnull=False, published_at__lte=now())
    return list(found[:limit] if limit else found)


# ---- commitments ---------------------------------------------------------------------------


def target_text(target: Target | None) -> str:
    """``2 hours, around the clock`` / ``1 business day, Standard hours (IST)``."""
    if target is None or target.amount is None:
        return "agreed case by case"
    amount = target.amount
    if target.unit == "business_days":
        words = f"{amount} business day{'s' if amount != 1 else ''}"
    else:
        singular, plural = UNIT_WORDS.get(target.unit, (target.unit, target.unit))
        words = f"{amount} {singular if amount == 1 else plural}"
    calendar = target.calendar
    where = "around the clock" if calendar.always_open else f"{calendar.name}"
    return f"{words}, {where}"


@dataclass(frozen=True)
class Commitment:
    """What a plan promises for one priority: what the portal and the new-ticket form show."""

    plan: str
    priority: int
    response: str
    resolution: str
    update: str | None = None


def commitment(plan: Plan | None, priority: int) -> Commitment | None:
    if plan is None:
        return None
    targets = {
        t.metric: t
        for t in Target.objects.filter(plan=plan, priority=priority).select_related("calendar")
    }
    update = targets.get(Metric.NEXT_UPDATE)
    return Commitment(
        plan=plan.name,
        priority=priority,
        response=target_text(targets.get(Metric.FIRST_RESPONSE)),
        resolution=target_text(targets.get(Metric.RESOLUTION)),
        update=target_text(update) if update is not None and update.amount else None,
    )


def commitments_by_plan(plan_ids: set[int]) -> dict[tuple[int, int], Commitment]:
    """Commitments for every (plan, priority) of a list page, in one query."""
    targets = Target.objects.filter(plan_id__in=plan_ids).select_related("plan", "calendar")
    grouped: dict[tuple[int, int], dict[str, Target]] = defaultdict(dict)
    names: dict[int, str] = {}
    for target in targets:
        grouped[(target.plan_id, target.priority)][target.metric] = target
        names[target.plan_id] = target.plan.name
    return {
        key: Commitment(
            plan=names[key[0]],
            priority=key[1],
            response=target_text(found.get(Metric.FIRST_RESPONSE)),
            resolution=target_text(found.get(Metric.RESOLUTION)),
        )
        for key, found in grouped.items()
    }


# ---- the support policy page -------------------------------------------------------------


@dataclass
class PlanPolicy:
    plan: Plan
    rows: list[dict[str, Any]] = field(default_factory=list)
    calendars: list[Calendar] = field(default_factory=list)
    steps: list[dict[str, str]] = field(default_factory=list)


@dataclass(frozen=True)
class CalendarHours:
    calendar: Calendar
    hours: list[str]
    holidays: str


@dataclass(frozen=True)
class SupportPolicy:
    plans: list[PlanPolicy]
    calendars: list[CalendarHours]
    emergency_minutes: int
    emergency_address: str  # a mailbox marked for emergencies, else ""
    support_address: str  # the default mailbox, else ""


def support_policy() -> SupportPolicy:
    plans = list(
        Plan.objects.order_by("-is_default", "name").prefetch_related(
            Prefetch("targets", queryset=_targets()),
            Prefetch("escalation_steps", queryset=EscalationStep.objects.order_by("position")),
        )
    )
    calendars: dict[int, Calendar] = {}
    policies = []
    for plan in plans:
        steps = [{"name": s.name, "delay": delay_text(s)} for s in plan.escalation_steps.all()]
        policy = PlanPolicy(plan=plan, steps=steps)
        by_priority: dict[int, dict[str, Target]] = defaultdict(dict)
        for target in plan.targets.all():
            by_priority[target.priority][target.metric] = target
            calendars.setdefault(target.calendar_id, target.calendar)
        policy.rows = [_policy_row(p, by_priority.get(p, {})) for p in Priority.values]
        policies.append(policy)
    return SupportPolicy(
        plans=policies,
        calendars=[_hours(c) for c in calendars.values()],
        emergency_minutes=settings.TIERDESK_EMERGENCY_RESPONSE_MINUTES,
        **_published_addresses(),
    )


def _published_addresses() -> dict[str, str]:
    """The addresses the policy page gives: the active mailbox marked for emergencies (mail to
    it opens emergency tickets) and the default one (where ``[Emergency]`` in the subject does)."""
    from tierdesk.mail.models import Mailbox

    mailboxes = Mailbox.objects.filter(Q(is_emergency=True) | Q(is_default=True), is_active=True)
    found = {"emergency_address": "", "support_address": ""}
    for address, emergency, default in mailboxes.order_by("id").values_list(
        "address", "is_emergency", "is_default"
    ):
        if emergency and not found["emergency_address"]:
            found["emergency_address"] = address
        if default and not found["support_address"]:
            found["support_address"] = address
    return found


def delay_text(step: EscalationStep) -> str:
    """``at once``, ``after 4 hours``, ``after 10 business hours``."""
    minutes = step.delay_minutes
    if not minutes:
        return "at once"
    business = "business " if step.delay_business else ""
    if minutes % 60:
        return f"after {minutes} {business}minutes"
    hours = minutes // 60
    return f"after {hours} {business}hour{'s' if hours != 1 else ''}"


def _targets() -> QuerySet[Target]:
    intervals = Prefetch("calendar__intervals", queryset=WorkingInterval.objects.all())
    return Target.objects.select_related("calendar").prefetch_related(intervals)


def _policy_row(priority: int, targets: dict[str, Target]) -> dict[str, Any]:
    return {
        "priority": Priority(priority).label,
        "meaning": PRIORITY_MEANING[priority],
        "response": target_text(targets.get(Metric.FIRST_RESPONSE)),
        "resolution": target_text(targets.get(Metric.RESOLUTION)),
    }


def _hours(calendar: Calendar) -> CalendarHours:
    if calendar.always_open:
        return CalendarHours(calendar, ["Every day, around the clock"], "none")
    per_day: dict[int, list[str]] = defaultdict(list)
    for interval in calendar.intervals.all():
        midnight = interval.closes_at.hour == 0 and interval.closes_at.minute == 0
        closes = "24:00" if midnight else f"{interval.closes_at:%H:%M}"
        per_day[interval.weekday].append(f"{interval.opens_at:%H:%M}{DASH}{closes}")
    holidays = (
        f"public holidays of {calendar.holiday_country}" if calendar.holiday_country else "none"
    )
    return CalendarHours(calendar, _group_days(per_day), holidays)


def _group_days(per_day: dict[int, list[str]]) -> list[str]:
    """Consecutive weekdays with the same hours in one line: ``Mon-Fri 08:00-18:00``."""
    lines: list[str] = []
    day = 0
    while day < 7:
        hours = per_day.get(day)
        if not hours:
            day += 1
            continue
        last = day
        while last + 1 < 7 and per_day.get(last + 1) == hours:
            last += 1
        days = DAY_NAMES[day] if last == day else f"{DAY_NAMES[day]}{DASH}{DAY_NAMES[last]}"
        lines.append(f"{days} {', '.join(hours)}")
        day = last + 1
    return lines or ["No working hours configured"]


# ---- contacts' tickets -----------------------------------------------------------------------


def contact_ticket(*, user: Any, reference: str) -> Any:
    """A ticket the contact may see, with what its page shows; else ``NotFound``."""
    from tierdesk.core.errors import NotFound
    from tierdesk.tickets import policies
    from tierdesk.tickets.models import Ticket

    pk = Ticket.pk_from_reference(reference)
    tickets = policies.visible(user, policies.VIEW, Ticket.objects.all()).select_related(
        "organization", "reporter", "category", "sla_plan"
    )
    ticket = tickets.filter(pk=pk).first() if pk else None
    if ticket is None:
        raise NotFound("No such ticket.")
    return ticket


@dataclass(frozen=True)
class PortalRow:
    ticket: Any
    commitment: Commitment | None


@dataclass(frozen=True)
class PortalPage:
    rows: list[PortalRow]
    page: int
    has_next: bool


def contact_ticket_page(*, user: Any, active_only: bool, page: int, size: int = 25) -> PortalPage:
    """The contact's (or their organization's) tickets, newest activity first, with the plan's
    commitment for each: a fixed number of queries whatever the page size."""
    from tierdesk.tickets import selectors as ticket_selectors

    filters = ticket_selectors.TicketFilters(active=True if active_only else None)
    tickets = ticket_selectors.ticket_list(user=user, filters=filters, ordering="updated")
    start = (max(page, 1) - 1) * size
    found = list(tickets[start : start + size + 1])
    shown = found[:size]
    commitments = commitments_by_plan({t.sla_plan_id for t in shown if t.sla_plan_id})
    rows = [PortalRow(t, commitments.get((t.sla_plan_id or 0, t.priority))) for t in shown]
    return PortalPage(rows, max(page, 1), len(found) > size)


def required_facts_for(category: Any) -> list[str]:
    """Facts the submit form asks for: the category's, minus what the form always has (who the
    customer is, and the description, which is the message itself)."""
    required = (
        settings.TIERDESK_DEFAULT_REQUIRED_FACTS if category is None else category.required_facts
    )
    return [f for f in required if f not in {"customer", "description"}]

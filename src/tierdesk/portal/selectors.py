"""Reads for the public site and the portal: news, the support policy, contacts' tickets.

The support policy is generated from the live SLA configuration (plans, targets, calendars,
escalation chains), and its targets are ``sla.promise``'s words, so the page never disagrees
with what the clocks measure.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Any

from django.conf import settings
from django.db.models import Prefetch, Q, QuerySet

from tierdesk.accounts.principal import principal_of
from tierdesk.core.clock import now
from tierdesk.core.errors import NotFound
from tierdesk.crm import selectors as crm_selectors
from tierdesk.crm.policies import ACT_FOR
from tierdesk.mail.models import Mailbox
from tierdesk.portal.models import Announcement
from tierdesk.sla.config import plan_configs
from tierdesk.sla.models import Calendar, EscalationStep, Plan, Target, WorkingInterval
from tierdesk.sla.promise import (
    Promise,
    call_back_term,
    first_response_due,
    promise,
    ticket_promises,
)
from tierdesk.sla.services import plan_for
from tierdesk.tickets import policies
from tierdesk.tickets import selectors as ticket_selectors
from tierdesk.tickets.domain import (
    DEFAULT_PRIORITY_FOR_SEVERITY,
    ticket_id_from_reference,
    waits_for_customer,
)
from tierdesk.tickets.models import Priority, Ticket

DASH = "\u2013"  # the en dash of ranges: Mon-Fri, 08:00-18:00
DAY_NAMES = ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"]
PRIORITY_MEANING = {
    1: "Server or application down, functionality unavailable",
    2: "A function affected, limited availability, some impact",
    3: "A minor function affected, the system still available",
    4: "A background task; everything available",
}


# ---- news ----------------------------------------------------------------------------------


def announcement_list(*, limit: int | None = None, kind: str = "") -> list[Announcement]:
    """Published news, announcements and release notes (``kind``: of one kind), pinned first;
    public to everybody."""
    found = _published()
    if kind:
        found = found.filter(kind=kind)
    return list(found[:limit] if limit else found)


def announcement_feed(*, limit: int, kind: str = "") -> list[Announcement]:
    """The newest published items for the Atom feed: newest first, pinned or not."""
    found = _published().order_by("-published_at", "-id")
    return list((found.filter(kind=kind) if kind else found)[:limit])


def announcement_get(*, pk: int) -> Announcement:
    """One published item; an unpublished or missing one is ``NotFound`` alike."""
    found = _published().filter(pk=pk).first()
    if found is None:
        raise NotFound("No such news item.")
    return found


def _published() -> QuerySet[Announcement]:
    """The one rule of what is public: published, not in the future."""
    return Announcement.objects.filter(published_at__isnull=False, published_at__lte=now())


# ---- the support policy page -------------------------------------------------------------


@dataclass
class PlanPolicy:
    plan: Plan
    rows: list[dict[str, Any]] = field(default_factory=list)
    emergency: Promise | None = None  # P5: the call-back, and the resolution an emergency gets
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
    plan_configs([plan.pk for plan in plans])  # every plan's promise from one load
    calendars: dict[int, Calendar] = {}
    policies = []
    for plan in plans:
        steps = [{"name": s.name, "delay": delay_text(s)} for s in plan.escalation_steps.all()]
        policy = PlanPolicy(plan=plan, steps=steps)
        for target in plan.targets.all():
            calendars.setdefault(target.calendar_id, target.calendar)
        policy.rows = [_policy_row(promise(plan, p)) for p in Priority.values]
        policy.emergency = promise(plan, Priority.P1, emergency=True)
        policies.append(policy)
    return SupportPolicy(
        plans=policies,
        calendars=[_hours(c) for c in calendars.values()],
        emergency_minutes=call_back_term().amount or 0,
        **_published_addresses(),
    )


def _published_addresses() -> dict[str, str]:
    """The addresses the policy page gives: the active mailbox marked for emergencies (mail to
    it opens emergency tickets) and the default one (where ``[Emergency]`` in the subject does)."""
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


def _policy_row(found: Promise | None) -> dict[str, Any]:
    assert found is not None  # a plan always promises something, if only "case by case"
    return {
        "priority": Priority(found.priority).label,
        "meaning": PRIORITY_MEANING[found.priority],
        "response": found.response,
        "resolution": found.resolution,
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
    pk = ticket_id_from_reference(reference)
    tickets = policies.visible(user, policies.VIEW, Ticket.objects.all()).select_related(
        "organization", "reporter", "category", "sla_plan"
    )
    ticket = tickets.filter(pk=pk).first() if pk else None
    if ticket is None:
        raise NotFound("No such ticket.")
    return ticket


class Scope(StrEnum):
    """Whose tickets the list shows: the contact's own, or their whole organization's."""

    MINE = "mine"
    ORGANIZATION = "organization"


@dataclass(frozen=True)
class Due:
    """The next thing the plan promises a ticket, as an instant: ``what`` is due by ``at``."""

    what: str  # "First response", "Resolution"
    at: datetime


@dataclass(frozen=True)
class PortalRow:
    ticket: Any
    commitment: Promise | None
    due: Due | None
    waiting_for_you: bool
    mine: bool  # the reader reported it


@dataclass(frozen=True)
class PortalPage:
    rows: list[PortalRow]
    page: int
    has_next: bool
    scope: Scope = Scope.ORGANIZATION


def contact_ticket_page(
    *, user: Any, active_only: bool, page: int, size: int = 25, scope: Scope = Scope.ORGANIZATION
) -> PortalPage:
    """The contact's (or their organization's) tickets, newest activity first, with what the
    plan promises each and when: a fixed number of queries whatever the page size."""
    contact_id = principal_of(user).contact_id
    filters = ticket_selectors.TicketFilters(
        active=True if active_only else None,
        reporter_id=(contact_id or 0) if scope is Scope.MINE else None,
    )
    tickets = ticket_selectors.ticket_list(user=user, filters=filters, ordering="updated")
    start = (max(page, 1) - 1) * size
    found = list(tickets[start : start + size + 1])
    shown = found[:size]
    promises = ticket_promises(shown)
    rows = [
        PortalRow(
            t,
            promises[t.pk],
            next_due(t),
            waiting_for_you(t),
            mine=contact_id is not None and t.reporter_id == contact_id,
        )
        for t in shown
    ]
    return PortalPage(rows, max(page, 1), len(found) > size, scope)


def waiting_for_you(ticket: Any) -> bool:
    """The ticket waits for the customer (``tickets.domain.waits_for_customer``)."""
    return waits_for_customer(ticket.status, ticket.pending_reason)


def next_due(ticket: Any) -> Due | None:
    """The first response while none was given, else the resolution, as its clock stored it;
    nothing once resolved, or while the clock waits for the customer."""
    if not ticket.is_active or waiting_for_you(ticket):
        return None
    if ticket.first_response_at is None and ticket.response_due_at is not None:
        return Due("First response", ticket.response_due_at)
    if ticket.resolution_due_at is not None:
        return Due("Resolution", ticket.resolution_due_at)
    return None


@dataclass(frozen=True)
class SubmitPromise:
    """What a ticket sent now would be promised: the terms, and the first response's due time."""

    commitment: Promise | None
    due_at: datetime | None
    priority: int


def submit_promise(*, user: Any, impact: Any = None) -> SubmitPromise:
    """For the contact's organization, at the priority the impact implies (P3 without one)."""
    organization = crm_selectors.organization_get(
        user=user, pk=principal_of(user).organization_id or 0, action=ACT_FOR
    )
    priority = DEFAULT_PRIORITY_FOR_SEVERITY[impact.severity()] if impact else Priority.P3
    plan = plan_for(organization)
    return SubmitPromise(
        commitment=promise(plan, priority),
        due_at=first_response_due(plan, priority, at=now()),
        priority=priority,
    )


def required_facts_for(category: Any) -> list[str]:
    """Facts the submit form asks for: the category's, minus what the form always has (who the
    customer is, and the description, which is the message itself)."""
    required = (
        settings.TIERDESK_DEFAULT_REQUIRED_FACTS
        if category is None
        else category.known_required_facts
    )
    return [f for f in required if f not in {"customer", "description"}]

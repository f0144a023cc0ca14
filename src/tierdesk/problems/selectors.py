"""Reads of problems, incidents, root-cause reports and changes, each scoped to the user."""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from django.db.models import Count, Exists, OuterRef, Prefetch, QuerySet

from tierdesk.accounts.principal import principal_of
from tierdesk.core.clock import now
from tierdesk.core.errors import NotFound
from tierdesk.problems import policies
from tierdesk.problems.models import (
    ChangeOrganization,
    ChangeRequest,
    ChangeStatus,
    FreezePeriod,
    Incident,
    IncidentUpdate,
    Problem,
    ProblemStatus,
    ProblemTicket,
    RcaState,
    RootCauseReport,
)
from tierdesk.tickets import policies as ticket_policies
from tierdesk.tickets import selectors as ticket_selectors
from tierdesk.tickets.models import OPEN_STATUSES, Ticket

# ---- problems ----------------------------------------------------------------------------


def problem_list(*, user: Any, status: str | None = None) -> QuerySet[Problem]:
    problems = policies.visible(user, policies.VIEW, Problem.objects.all())
    if status:
        problems = problems.filter(status=status)
    return problems.select_related("owner").annotate(ticket_count=Count("links"))


def problem_get(*, user: Any, pk: int) -> Problem:
    problem = problem_list(user=user).prefetch_related("products").filter(pk=pk).first()
    if problem is None:
        raise NotFound("No such problem.")
    return problem


def problem_tickets(*, user: Any, problem: Problem) -> QuerySet[Ticket]:
    """The problem's linked tickets the user may see (an agent of one team, the tickets in
    reach; a contact never comes here)."""
    linked = ProblemTicket.objects.filter(problem=problem, ticket_id=OuterRef("pk"))
    tickets = ticket_policies.visible(user, ticket_policies.VIEW, Ticket.objects.all())
    return ticket_selectors.with_related(tickets.filter(Exists(linked))).order_by("-id")


def problems_of_ticket(*, user: Any, ticket: Ticket) -> list[Problem]:
    """The problems a ticket is linked to, for the desk's ticket page (none for others)."""
    linked = ProblemTicket.objects.filter(problem=OuterRef("pk"), ticket=ticket)
    problems = policies.visible(user, policies.VIEW, Problem.objects.all())
    return list(problems.filter(Exists(linked)).order_by("-id"))


def open_problems(*, user: Any) -> list[Problem]:
    """Problems a ticket may still be linked to (the ticket page's picker)."""
    problems = policies.visible(user, policies.VIEW, Problem.objects.all())
    return list(problems.exclude(status=ProblemStatus.CLOSED).order_by("-id")[:50])


@dataclass(frozen=True)
class TicketPanel:
    linked: list[Problem]
    open: list[Problem]


def ticket_panel(*, user: Any, ticket: Ticket) -> TicketPanel | None:
    """What the desk's ticket page shows of problems (``None``: nothing, for a partner)."""
    if not policies.can(user, policies.WORK, Problem()):
        return None
    return TicketPanel(problems_of_ticket(user=user, ticket=ticket), open_problems(user=user))


# ---- the burst: tickets that look alike, arriving together --------------------------------

BURST_WINDOW = timedelta(hours=2)
BURST_SIZE = 3
RECENT_LIMIT = 500
SUGGESTIONS = 5
_WORD = re.compile(r"[^\W\d_]{4,}", re.UNICODE)
# Words every support ticket says: a burst of "please" is no problem.
_COMMON = frozenset(
    {
        "please", "help", "with", "from", "that", "this", "have", "does", "dont", "cannot",
        "when", "since", "after", "there", "their", "about", "what", "issue", "problem",
        "error", "ticket", "again", "still", "urgent", "need", "working", "work",
    }
)  # fmt: skip


@dataclass
class Suggestion:
    """Tickets that look like one problem: why, and which (the user's visible ones)."""

    reason: str
    tickets: list[Ticket] = field(default_factory=list)

    @property
    def organization_count(self) -> int:
        return len({ticket.organization_id for ticket in self.tickets})


def burst_suggestions(
    *, user: Any, window: timedelta = BURST_WINDOW, size: int = BURST_SIZE
) -> list[Suggestion]:
    """Groups of at least ``size`` active tickets created in the last ``window`` that share a
    product, a category, or a word of their subject (found with the ticket search), and are
    not linked to an open problem yet. Largest first, each ticket in one group at most."""
    if not policies.can(user, policies.WORK, Problem()):
        return []
    recent = _recent_unlinked(user, now() - window)
    groups = _by_column(recent, "product", size) + _by_column(recent, "category", size)
    groups += _by_words(user, recent, size)
    return _distinct(groups, size)[:SUGGESTIONS]


def _recent_unlinked(user: Any, since: datetime) -> list[Ticket]:
    linked = ProblemTicket.objects.filter(ticket_id=OuterRef("pk")).exclude(
        problem__status=ProblemStatus.CLOSED
    )
    tickets = ticket_policies.visible(user, ticket_policies.VIEW, Ticket.objects.all())
    tickets = tickets.filter(created_at__gte=since, status__in=OPEN_STATUSES)
    tickets = tickets.exclude(Exists(linked)).select_related("organization", "product")
    return list(ticket_selectors.with_related(tickets).order_by("-id")[:RECENT_LIMIT])


def _by_column(tickets: list[Ticket], name: str, size: int) -> list[Suggestion]:
    groups: dict[int, list[Ticket]] = {}
    for ticket in tickets:
        key = getattr(ticket, f"{name}_id")
        if key is not None:
            groups.setdefault(key, []).append(ticket)
    return [
        Suggestion(f"{len(group)} tickets on {name} {getattr(group[0], name)}", group)
        for group in groups.values()
        if len(group) >= size
    ]


def _by_words(user: Any, tickets: list[Ticket], size: int) -> list[Suggestion]:
    """Words in at least ``size`` subjects; each word's tickets are what the ticket search
    finds for it among the recent ones (the same matching as the desk's search box)."""
    counts: Counter[str] = Counter()
    for ticket in tickets:
        counts.update({w.lower() for w in _WORD.findall(ticket.subject)} - _COMMON)
    by_id = {ticket.pk: ticket for ticket in tickets}
    groups = []
    for word, count in counts.most_common(SUGGESTIONS):
        if count < size:
            break
        filters = ticket_selectors.TicketFilters(q=word)
        found = ticket_selectors.ticket_list(user=user, filters=filters).filter(pk__in=by_id)
        group = [by_id[pk] for pk in found.values_list("pk", flat=True)]
        if len(group) >= size:
            groups.append(Suggestion(f"{len(group)} tickets mention “{word}”", group))
    return groups


def _distinct(groups: list[Suggestion], size: int) -> list[Suggestion]:
    taken: set[int] = set()
    result = []
    for group in sorted(groups, key=lambda g: -len(g.tickets)):
        group.tickets = sorted((t for t in group.tickets if t.pk not in taken), key=lambda t: t.pk)
        if len(group.tickets) >= size:
            taken |= {t.pk for t in group.tickets}
            result.append(group)
    return result


# ---- incidents ---------------------------------------------------------------------------


def incident_list(*, user: Any) -> QuerySet[Incident]:
    incidents = policies.visible(user, policies.VIEW, Incident.objects.all())
    return incidents.select_related("lead", "problem", "ticket").prefetch_related(
        _public_updates(), "organizations"
    )


def incident_get(*, user: Any, pk: int) -> Incident:
    incident = incident_list(user=user).filter(pk=pk).first()
    if incident is None:
        raise NotFound("No such incident.")
    return incident


def incident_statuses(*, user: Any) -> QuerySet[Incident]:
    """The incidents affecting the contact's organization (their status page)."""
    incidents = policies.visible(user, policies.STATUS, Incident.objects.all())
    return incidents.prefetch_related(_public_updates()).order_by("-declared_at")


def incident_status_get(*, user: Any, pk: int) -> Incident:
    incident = incident_statuses(user=user).filter(pk=pk).first()
    if incident is None:
        raise NotFound("No such incident.")
    return incident


def public_incident(*, slug: str) -> Incident:
    """An incident whose lead opted in to a public page; the rest do not exist for the public."""
    incident = Incident.objects.filter(public_slug=slug).prefetch_related(_public_updates()).first()
    if incident is None or not slug:
        raise NotFound("No such incident.")
    return incident


def public_incidents() -> QuerySet[Incident]:
    return Incident.objects.filter(public_slug__isnull=False).order_by("-declared_at")[:50]


def _public_updates() -> Prefetch:
    return Prefetch("updates", queryset=IncidentUpdate.objects.order_by("-created_at", "-id"))


# ---- root-cause reports ------------------------------------------------------------------


def rca_list(*, user: Any) -> QuerySet[RootCauseReport]:
    rcas = policies.visible(user, policies.VIEW, RootCauseReport.objects.all())
    return rcas.select_related("incident", "organization", "author", "reviewer")


def rca_get(*, user: Any, pk: int) -> RootCauseReport:
    rca = rca_list(user=user).filter(pk=pk).first()
    if rca is None:
        raise NotFound("No such root-cause report.")
    return rca


def rcas_pending(*, user: Any) -> QuerySet[RootCauseReport]:
    """Not released yet, the overdue first (managers' list)."""
    return rca_list(user=user).exclude(state=RcaState.RELEASED).order_by("-clock", "due_at", "id")


def rcas_released(*, user: Any) -> QuerySet[RootCauseReport]:
    """A contact's released reports (their organization's only)."""
    rcas = policies.visible(user, policies.STATUS, RootCauseReport.objects.all())
    return rcas.select_related("incident").order_by("-released_at")


def rca_released_get(*, user: Any, pk: int) -> RootCauseReport:
    rca = rcas_released(user=user).filter(pk=pk).first()
    if rca is None:
        raise NotFound("No such root-cause report.")
    return rca


# ---- changes -----------------------------------------------------------------------------


def change_list(*, user: Any) -> QuerySet[ChangeRequest]:
    changes = policies.visible(user, policies.VIEW, ChangeRequest.objects.all())
    return changes.select_related("requested_by", "approver").prefetch_related(
        "affected__organization"
    )


def change_get(*, user: Any, pk: int) -> ChangeRequest:
    change = change_list(user=user).filter(pk=pk).first()
    if change is None:
        raise NotFound("No such change.")
    return change


@dataclass
class CalendarEntry:
    change: ChangeRequest
    conflicts: list[ChangeRequest]
    freezes: list[FreezePeriod]


def change_calendar(*, user: Any, start: datetime, end: datetime) -> list[CalendarEntry]:
    """Changes with a window in [start, end), each with the changes and freeze periods its
    window overlaps (shown, so nobody schedules two restarts of one host at once)."""
    live = change_list(user=user).exclude(
        status__in=[ChangeStatus.REJECTED, ChangeStatus.CANCELLED]
    )
    changes = list(live.filter(window_start__lt=end, window_end__gt=start))
    freezes = list(FreezePeriod.objects.filter(starts_at__lt=end, ends_at__gt=start))
    return [
        CalendarEntry(
            change,
            [c for c in changes if c.pk != change.pk and _overlap(c, change)],
            [
                f
                for f in freezes
                if f.starts_at < change.window_end and change.window_start < f.ends_at
            ],
        )
        for change in changes
    ]


def _overlap(a: ChangeRequest, b: ChangeRequest) -> bool:
    return a.window_start < b.window_end and b.window_start < a.window_end


def freeze_periods() -> QuerySet[FreezePeriod]:
    return FreezePeriod.objects.filter(ends_at__gt=now())


def changes_for_contact(*, user: Any) -> list[tuple[ChangeRequest, ChangeOrganization]]:
    """The changes touching the contact's organization, each with its own row only (the other
    organizations a change touches are never shown)."""
    changes = policies.visible(user, policies.STATUS, ChangeRequest.objects.all())
    organization_id = _organization_id(user)
    mine = ChangeOrganization.objects.filter(organization_id=organization_id)
    rows = mine.filter(change__in=changes).select_related("change")
    rows = rows.order_by("-change__window_start")
    return [(row.change, row) for row in rows]


def change_for_contact(*, user: Any, pk: int) -> tuple[ChangeRequest, ChangeOrganization]:
    for change, row in changes_for_contact(user=user):
        if change.pk == pk:
            return change, row
    raise NotFound("No such change.")


def _organization_id(user: Any) -> int:
    return principal_of(user).organization_id or 0  # a contact always has one

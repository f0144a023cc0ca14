"""Reads for the desk's pages, scoped to the agent (every query starts from ``visible``).

Pages do no calendar maths: the clocks' due instants and states are stored columns on the ticket,
kept current by the services and the SLA sweep; this module only compares them with now.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from django.core.cache import cache
from django.db import connection
from django.db.models import Q, QuerySet

from tierdesk.accounts import selectors as accounts_selectors
from tierdesk.accounts.models import Agent
from tierdesk.accounts.principal import Principal, Role, principal_of
from tierdesk.core.clock import now
from tierdesk.core.errors import NotFound
from tierdesk.desk.models import CannedResponse, QueueView, SavedView
from tierdesk.portal.selectors import Commitment, commitment
from tierdesk.sla.models import AlertKind, SlaAlert
from tierdesk.tickets import policies
from tierdesk.tickets import selectors as ticket_selectors
from tierdesk.tickets.domain import Action, PendingReason, Status, may
from tierdesk.tickets.models import OPEN_STATUSES, Attachment, Message, Ticket, TicketEvent
from tierdesk.tickets.services.lifecycle import missing_facts

PAGE_SIZE = 25
COUNT_CAP = 1000
COUNTS_SECONDS = 30
BREACHING_HORIZON = timedelta(hours=4)
QUEUE_RELATED = ("organization", "team", "assignee")
# The columns a queue row shows (and its ordering reads): a row built from 70 columns across four
# tables costs more Python than the query itself.
QUEUE_COLUMNS = (
    "id", "subject", "is_emergency", "priority", "status", "support_level", "created_at",
    "sla_next_check_at", "response_state", "response_due_at", "resolution_state",
    "resolution_due_at", "update_state", "update_due_at", "organization__name", "team__name",
    "assignee__username", "assignee__first_name", "assignee__last_name",
    "assignee__display_name",
)  # fmt: skip
WAITING_REASONS = [
    PendingReason.CUSTOMER.value,
    PendingReason.CUSTOMER_SIDE.value,
    PendingReason.REMOTE_ACCESS.value,
]
# (metric, title, state column, due column)
CLOCKS = [
    ("first_response", "First response", "response_state", "response_due_at"),
    ("resolution", "Resolution", "resolution_state", "resolution_due_at"),
    ("next_update", "Next update", "update_state", "update_due_at"),
]


def is_agent(user: Any) -> bool:
    return principal_of(user).is_agent


# ---- queues --------------------------------------------------------------------------------


def queue_views(user: Any) -> list[QueueView]:
    """The views this agent has: "all" is for managers and for partners (their customers)."""
    principal = principal_of(user)
    views: list[QueueView] = [v for v in QueueView if v is not QueueView.ALL]
    if principal.sees_everything or principal.role is Role.PARTNER_AGENT:
        views.append(QueueView.ALL)
    return views


def _view_filter(principal: Principal, view: str) -> Q:
    """The condition that makes a view, over the agent's visible open tickets."""
    level = 1 if principal.role is Role.PARTNER_AGENT else principal.support_level
    mine = Q(assignee_id=principal.user_id)
    my_teams = Q(team_id__in=principal.team_ids) if principal.team_ids else Q()
    conditions = {
        QueueView.MINE: mine,
        QueueView.TEAM: my_teams & Q(support_level=level),
        QueueView.UNASSIGNED: Q(assignee__isnull=True),
        # Soon: a warning, a breach or an escalation step comes within the horizon.
        QueueView.BREACHING: Q(sla_next_check_at__lte=now() + BREACHING_HORIZON),
        QueueView.WAITING: Q(status=Status.PENDING, pending_reason__in=WAITING_REASONS),
        QueueView.ESCALATED: Q(support_level=max(level, 2))
        & (mine | (Q(assignee__isnull=True) & my_teams)),
        QueueView.ALL: Q(),
    }
    return conditions[QueueView(view)]


@dataclass(frozen=True)
class QueueRow:
    ticket: Ticket
    due_at: datetime | None
    due_title: str
    level: str  # ok, warning, breach, paused, none


@dataclass(frozen=True)
class QueuePage:
    view: QueueView
    rows: list[QueueRow]
    page: int
    has_next: bool

    @property
    def has_previous(self) -> bool:
        return self.page > 1


def queue_queryset(
    *, user: Any, view: str, filters: ticket_selectors.TicketFilters | None = None
) -> QuerySet[Ticket]:
    if QueueView(view) not in queue_views(user):
        raise NotFound("No such queue.")
    filters = filters or ticket_selectors.TicketFilters()
    tickets = ticket_selectors.ticket_list(user=user, filters=filters, ordering="queue")
    if not filters.status:
        tickets = tickets.filter(status__in=OPEN_STATUSES)
    tickets = tickets.filter(_view_filter(principal_of(user), view))
    # Only what a row shows: fewer joins plan faster on a big table.
    tickets = tickets.select_related(None).prefetch_related(None)
    tickets = tickets.select_related(*QUEUE_RELATED).only(*QUEUE_COLUMNS)
    if view == QueueView.BREACHING:
        tickets = tickets.order_by("sla_next_check_at", "id")
    return tickets


def queue_page(
    *, user: Any, view: str, filters: ticket_selectors.TicketFilters | None = None, page: int = 1
) -> QueuePage:
    """One page of a queue: a fixed number of queries whatever the page size."""
    tickets = queue_queryset(user=user, view=view, filters=filters)
    start = (max(page, 1) - 1) * PAGE_SIZE
    if view == QueueView.BREACHING:
        found = breaching_slice(user, tickets, start, PAGE_SIZE + 1)
    else:
        found = list(tickets[start : start + PAGE_SIZE + 1])
    shown = found[:PAGE_SIZE]
    warned = _warned(shown)
    at = now()
    rows = [_row(ticket, warned.get(ticket.pk, set()), at) for ticket in shown]
    return QueuePage(QueueView(view), rows, max(page, 1), len(found) > PAGE_SIZE)


def breaching_slice(user: Any, tickets: QuerySet[Ticket], start: int, count: int) -> list[Ticket]:
    """``tickets[start:start + count]`` of the "breaching soon" queue, read branch by branch.

    A vendor agent's visibility is an OR (their teams, their own tickets, team-less ones at their
    level) that no index answers in ``sla_next_check_at`` order, so PostgreSQL would gather every
    visible ticket due soon and sort them. Each branch alone walks a partial index in that order
    and stops after ``start + count`` rows (all in one UNION ALL); merging them gives the same
    page. The branches
    only narrow ``tickets``, which already carries ``visible``: the policy stays the one rule of
    who sees what, and a test checks the result equals the plain query's.
    """
    branches = _visibility_branches(principal_of(user))
    if branches is None or not connection.features.supports_slicing_ordering_in_compound:
        # SQLite cannot limit the parts of a UNION; its databases are small anyway.
        return list(tickets[start : start + count])
    parts = [
        tickets.filter(branch).values_list("sla_next_check_at", "id")[: start + count]
        for branch in branches
    ]
    union = parts[0].union(*parts[1:], all=True)
    keys = {(due, pk) for due, pk in union if due is not None}  # due soon: never empty
    ids = [pk for _, pk in sorted(keys)[start : start + count]]
    # The rows by key alone: these ids passed ``visible`` just now, and the OR would only make the
    # planner combine bitmaps again.
    rows = Ticket.objects.filter(pk__in=ids).select_related(*QUEUE_RELATED).only(*QUEUE_COLUMNS)
    by_id = {ticket.pk: ticket for ticket in rows}
    return [by_id[pk] for pk in ids if pk in by_id]  # a ticket deleted meanwhile is just gone


def _visibility_branches(principal: Principal) -> list[Q] | None:
    """Conditions whose union covers everything a vendor agent sees (``policies._scope``), each
    one an index range; ``None`` when the plain query is already an index walk (managers see
    everything) or another rule applies."""
    if principal.role is not Role.VENDOR_AGENT:
        return None
    teams = [Q(team_id=team_id) for team_id in sorted(principal.team_ids)]
    return [*teams, Q(assignee_id=principal.user_id), Q(team__isnull=True)]


def _warned(tickets: list[Ticket]) -> dict[int, set[str]]:
    """Clocks the sweep has warned about, per ticket of the page, in one query."""
    if not tickets:
        return {}
    alerts = (
        SlaAlert.objects.filter(ticket_id__in=[t.pk for t in tickets], kind=AlertKind.WARNING)
        .order_by()
        .values_list("ticket_id", "metric")
    )
    warned: dict[int, set[str]] = {}
    for ticket_id, metric in alerts:
        warned.setdefault(ticket_id, set()).add(metric)
    return warned


def _row(ticket: Ticket, warned: set[str], at: datetime) -> QueueRow:
    running = [
        (getattr(ticket, due_col), title, metric)
        for metric, title, state_col, due_col in CLOCKS
        if getattr(ticket, state_col) in {"running", "breached"} and getattr(ticket, due_col)
    ]
    if not running:
        paused = any(getattr(ticket, state_col) == "paused" for _, _, state_col, _ in CLOCKS)
        return QueueRow(ticket, None, "", "paused" if paused else "none")
    due_at, title, metric = min(running, key=lambda item: item[0])
    return QueueRow(ticket, due_at, title, clock_level("running", due_at, metric in warned, at))


def clock_level(state: str, due_at: datetime | None, warned: bool, at: datetime) -> str:
    """How a clock looks: breach and warning must never be confused with each other."""
    if state == "breached" or (state == "running" and due_at is not None and due_at <= at):
        return "breach"
    if state == "running":
        return "warning" if warned else "ok"
    return {"paused": "paused", "met": "met"}.get(state, "none")


@dataclass(frozen=True)
class QueueMenus:
    """What the queue page shows around its rows: the views' counts, the filters' options and the
    agent's saved views."""

    counts: dict[str, int]
    teams: list[tuple[int, str]]
    categories: list[tuple[int, str]]
    saved_views: list[SavedView]


def queue_menus(*, user: Any) -> QueueMenus:
    """The queue page's menus, at most ``COUNTS_SECONDS`` old.

    Counting goes through every visible open ticket (the visibility rule is an OR that no index
    answers with a LIMIT), which costs tens of milliseconds with a million tickets. The queue
    refreshes itself every 20 seconds anyway, so the counts are cached per agent, and forgotten
    when the agent changes a ticket or a saved view (``forget_queue_menus``). The filters'
    options and the saved views ride along: one cache read instead of three queries a page.
    """
    key = _menus_key(user)
    menus = cache.get(key)
    if not isinstance(menus, QueueMenus):
        menus = QueueMenus(
            counts=_count_views(user),
            teams=choice_pairs(accounts_selectors.team_list(user=user)),
            categories=choice_pairs(ticket_selectors.category_list(user=user)),
            saved_views=saved_view_list(user=user),
        )
        cache.set(key, menus, COUNTS_SECONDS)
    return menus


def forget_queue_menus(user: Any) -> None:
    cache.delete(_menus_key(user))


def _menus_key(user: Any) -> str:
    return f"tierdesk:desk:queue-menus:v1:{user.pk}"


def _count_views(user: Any) -> dict[str, int]:
    """One query per view, each stopping at ``COUNT_CAP`` (shown as "1000+")."""
    principal = principal_of(user)
    tickets = policies.visible(user, policies.VIEW, Ticket.objects.filter(status__in=OPEN_STATUSES))
    return {
        view.value: tickets.filter(_view_filter(principal, view))[:COUNT_CAP].count()
        for view in queue_views(user)
    }


def choice_pairs(queryset: QuerySet[Any]) -> list[tuple[int, str]]:
    """(id, name) of each row, in the queryset's order, for a filter's options."""
    return list(queryset.select_related(None).values_list("pk", "name"))


# ---- saved views and canned responses ------------------------------------------------------


def saved_view_list(*, user: Any) -> list[SavedView]:
    return list(SavedView.objects.filter(owner_id=user.pk))


def saved_view_get(*, user: Any, pk: int) -> SavedView:
    found = SavedView.objects.filter(owner_id=user.pk, pk=pk).first()
    if found is None:
        raise NotFound("No such saved view.")
    return found


def canned_response_list(*, user: Any) -> QuerySet[CannedResponse]:
    if not is_agent(user):
        return CannedResponse.objects.none()
    return CannedResponse.objects.filter(is_active=True).filter(
        Q(owner__isnull=True) | Q(owner_id=user.pk)
    )


def canned_response_get(*, user: Any, pk: int) -> CannedResponse:
    found = canned_response_list(user=user).filter(pk=pk).first()
    if found is None:
        raise NotFound("No such canned response.")
    return found


# ---- the ticket page -----------------------------------------------------------------------


def ticket_for_page(*, user: Any, reference: str) -> Ticket:
    """The ticket with everything its header shows, or ``NotFound``."""
    pk = Ticket.pk_from_reference(reference)
    # Four joins, and the reporter, category and plan by key: joining all seven costs
    # PostgreSQL milliseconds of planning, more than the three small queries.
    tickets = (
        policies.visible(user, policies.VIEW, Ticket.objects.all())
        .select_related("organization", "organization__partner", "team", "assignee")
        .prefetch_related("reporter", "category", "sla_plan")
    )
    ticket = tickets.filter(pk=pk).first() if pk else None
    if ticket is None:
        raise NotFound("No such ticket.")
    return ticket


@dataclass(frozen=True)
class ClockView:
    metric: str
    title: str
    state: str
    due_at: datetime | None
    level: str


@dataclass(frozen=True)
class TimelineItem:
    at: datetime
    message: Message | None = None
    event: TicketEvent | None = None


# Events already told by the message they belong to.
MESSAGE_EVENTS = {"replied", "noted"}


@dataclass
class TicketPage:
    ticket: Ticket
    timeline: list[TimelineItem]
    attachments: list[Attachment]
    clocks: list[ClockView]
    commitment: Commitment | None
    allowed: set[str]
    missing_facts: list[str]
    agents: list[Agent] = field(default_factory=list)
    teams: list[Any] = field(default_factory=list)


def ticket_page(*, user: Any, ticket: Ticket, for_forms: bool = False) -> TicketPage:
    """What the ticket page shows. The action forms load when an agent opens one (``for_forms``
    adds what they need: who may be assigned, which facts escalation still lacks)."""
    messages = list(ticket_selectors.ticket_messages(user=user, ticket=ticket))
    events = list(ticket_selectors.ticket_events(user=user, ticket=ticket))
    allowed = allowed_actions(user, ticket)
    agents: list[Agent] = []
    teams: list[Any] = []
    if for_forms and Action.ASSIGN in allowed:
        agents, teams = _assignment_choices(user, ticket)
    return TicketPage(
        ticket=ticket,
        timeline=timeline(messages, events),
        attachments=list(ticket_selectors.ticket_attachments(user=user, ticket=ticket)),
        clocks=_clocks(ticket, events),
        commitment=commitment(ticket.sla_plan, ticket.priority),
        allowed=allowed,
        missing_facts=missing_facts(ticket) if for_forms and Action.ESCALATE in allowed else [],
        agents=agents,
        teams=teams,
    )


def timeline(messages: list[Message], events: list[TicketEvent]) -> list[TimelineItem]:
    items = [TimelineItem(m.created_at, message=m) for m in messages]
    items += [TimelineItem(e.at, event=e) for e in events if e.kind not in MESSAGE_EVENTS]
    # A message and the event that opened the ticket share an instant: the event reads first.
    return sorted(items, key=lambda item: (item.at, item.message is not None))


def allowed_actions(user: Any, ticket: Ticket) -> set[str]:
    """Lifecycle actions the user may take now: the policy and the transition table agree."""
    allowed = {
        action.value
        for action in Action
        if may(action, ticket.status) and policies.can(user, action, ticket)
    }
    if "resolve" in allowed:
        allowed.add("merge")
    if "note" in allowed and principal_of(user).is_agent:
        allowed.add("log_contact")
    if ticket.support_level >= 3:
        allowed.discard("escalate")
    if ticket.support_level <= 1:
        allowed.discard("hand_back")
    return allowed


def _clocks(ticket: Ticket, events: list[TicketEvent]) -> list[ClockView]:
    warned = _warned_now(ticket, events)
    at = now()
    views = []
    for metric, title, state_col, due_col in CLOCKS:
        state = getattr(ticket, state_col)
        if not state:
            continue
        due_at = getattr(ticket, due_col)
        views.append(
            ClockView(
                metric, title, state, due_at, clock_level(state, due_at, metric in warned, at)
            )
        )
    return views


def _warned_now(ticket: Ticket, events: list[TicketEvent]) -> set[str]:
    """Clocks warned in their current cycle (the next-update clock restarts at every reply)."""
    replies = sum(1 for e in events if e.kind == "replied" and e.data.get("by_agent"))
    alerts = SlaAlert.objects.filter(ticket=ticket, kind=AlertKind.WARNING)
    return {
        metric
        for metric, cycle in alerts.values_list("metric", "cycle")
        if metric != "next_update" or cycle == replies
    }


def _assignment_choices(user: Any, ticket: Ticket) -> tuple[list[Agent], list[Any]]:
    """Agents the user sees who may take the ticket at its level, and the teams."""
    agents = accounts_selectors.agent_list(user=user).filter(user__is_active=True)
    agents = agents.prefetch_related(None)  # the form shows names and levels, not teams
    agents = agents.filter(Q(support_level__gte=ticket.support_level) | Q(is_manager=True))
    teams = accounts_selectors.team_list(user=user)
    return list(agents[:200]), list(teams)

"""The desk's queues: views, filters, pages of rows, counts and menus, scoped to the agent
(every query starts from ``visible``).

Pages do no calendar maths: the clocks' due instants and states are stored columns on the ticket,
kept current by the services and the SLA sweep; this module only compares them with now.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import lru_cache
from typing import Any

from django.core.cache import cache
from django.db import connection, router
from django.db.models import Exists, F, OuterRef, Q, QuerySet
from django.db.models.expressions import OrderBy

from tierdesk.accounts import selectors as accounts_selectors
from tierdesk.accounts.models import Agent
from tierdesk.accounts.principal import Principal, Role, principal_of
from tierdesk.core.clock import now
from tierdesk.core.errors import NotFound
from tierdesk.core.fetch import CompiledQuery, Param
from tierdesk.desk.models import QueueView, SavedView
from tierdesk.notifications.selectors import escalated_to
from tierdesk.sla.models import AlertKind, SlaAlert
from tierdesk.tickets import policies
from tierdesk.tickets import selectors as ticket_selectors
from tierdesk.tickets.domain import WAITING_FOR_CUSTOMER, Status, reference
from tierdesk.tickets.models import OPEN_STATUSES, Ticket

PAGE_SIZE = 25
PAGE_SIZES = (25, 50, 100)
COUNT_CAP = 1000
COUNTS_SECONDS = 30
# "Breaching soon" is a running clock inside its warning window (the sweep warned) whose next
# SLA check (for a warned ticket, its breach) lies between now minus SWEEP_GRACE and
# BREACHING_HORIZON ahead: a warning window of a multi-day target can open days before the
# breach, and three days still cover a weekend. The two bounds are also the range the
# due-order index walks read (``breaching_candidates``); a sweep further behind than the grace
# is an outage of its own (the monitoring's business), not a queue's.
SWEEP_GRACE = timedelta(hours=1)
BREACHING_HORIZON = timedelta(days=3)
# What a queue row shows, read as plain values: model instances for a page of tickets and their
# organizations, teams and assignees cost more Python than the query itself.
QUEUE_VALUES = (
    "id", "subject", "is_emergency", "priority", "status", "support_level", "response_state",
    "response_due_at", "resolution_state", "resolution_due_at", "update_state", "update_due_at",
    "first_response_at", "assignee_id",
    "organization__name", "team__name", "assignee__username", "assignee__first_name",
    "assignee__last_name", "assignee__display_name",
)  # fmt: skip
# (metric, title, state column, due column)
CLOCKS = [
    ("first_response", "First response", "response_state", "response_due_at"),
    ("resolution", "Resolution", "resolution_state", "resolution_due_at"),
    ("next_update", "Next update", "update_state", "update_due_at"),
]
# A column a queue may be sorted by (``?sort=due``, ``?sort=-due``) -> the ordering fields.
# Without ``sort`` a view keeps its own order (most urgent, then oldest), which the partial
# queue indexes answer with a LIMIT; another order sorts the agent's visible open tickets.
SORTS: dict[str, tuple[str, ...]] = {
    "ticket": ("id",),
    "subject": ("subject", "id"),
    "organization": ("organization__name", "id"),
    "priority": ("priority", "created_at", "id"),
    "status": ("status", "id"),
    "assignee": ("assignee__username", "id"),
    "due": ("sla_next_check_at", "id"),
}


def is_agent(user: Any) -> bool:
    return principal_of(user).is_agent


# ---- queues --------------------------------------------------------------------------------


# ---- what a clock looks like: one rule for the rows' badges and the views' conditions --------


def clock_running(values: dict[str, Any], metric: str) -> bool:
    """Whether a clock still runs (its state may say breached: it broke its target and runs on).
    The first-response clock stops at the first response, the others when the ticket is done."""
    if metric == "first_response":
        return values.get("first_response_at") is None
    return values.get("status") in OPEN_STATUSES


def overdue_condition(at: datetime) -> Q:
    """Tickets with a running clock past its due instant (the rows' "Overdue" badge)."""
    condition = Q(pk__in=[])
    for metric, _title, state_col, due_col in CLOCKS:
        clock = Q(**{f"{state_col}__in": ["running", "breached"], f"{due_col}__lte": at})
        if metric == "first_response":
            clock &= Q(first_response_at__isnull=True)
        condition |= clock
    return condition


def warning_window_condition(at: datetime) -> Q:
    """Tickets inside a clock's warning window: running, not yet due, and warned by the sweep
    (the rows' "Due soon" badge: ``clock_level`` with a warning). The sweep warns at the plan's
    ``warning_percent`` of the target in business time; the queue does no calendar maths and
    reads the warning it recorded (``SlaAlert``)."""
    return _in_warning_window(**_window_instants(at))


def _window_instants(at: datetime) -> dict[str, datetime]:
    """The instants "breaching soon" compares with: now, and the bounds of the next check."""
    return {"at": at, "after": at - SWEEP_GRACE, "before": at + BREACHING_HORIZON}


def _in_warning_window(*, at: Any, after: Any, before: Any) -> Q:
    """``warning_window_condition`` with its instants given apart: datetimes, or the slots of
    a statement compiled once (``_compiled_candidates``)."""
    condition = Q(pk__in=[])
    for metric, _title, state_col, due_col in CLOCKS:
        warned = SlaAlert.objects.filter(
            ticket_id=OuterRef("pk"), kind=AlertKind.WARNING, metric=metric
        )
        clock = Q(**{state_col: "running", f"{due_col}__gt": at}) & Q(Exists(warned))
        if metric == "first_response":
            clock &= Q(first_response_at__isnull=True)
        condition |= clock
    # The bounds the due-order index walks read (``breaching_candidates``): see SWEEP_GRACE.
    soon = Q(sla_next_check_at__gt=after, sla_next_check_at__lte=before)
    return soon & condition


def queue_views(user: Any) -> list[QueueView]:
    """The views this agent has: "all" is for managers and for partners (their customers)."""
    principal = principal_of(user)
    views: list[QueueView] = [v for v in QueueView if v is not QueueView.ALL]
    if principal.sees_everything or principal.role is Role.PARTNER_AGENT:
        views.append(QueueView.ALL)
    return views


def _view_filter(principal: Principal, view: str) -> Q:
    """The condition that makes a view, over the agent's visible open tickets (only the view
    asked for is built: the warning window's subqueries are not free)."""
    return _VIEW_CONDITIONS[QueueView(view)](principal)


def _level(principal: Principal) -> int:
    return 1 if principal.role is Role.PARTNER_AGENT else principal.support_level


def _mine(principal: Principal) -> Q:
    return Q(assignee_id=principal.user_id)


def _my_teams(principal: Principal) -> Q:
    return Q(team_id__in=principal.team_ids) if principal.team_ids else Q()


def _escalated(principal: Principal) -> Q:
    """At my level (mine, or my team's unassigned), or a chain step or escalation named me."""
    mine_or_teams = _mine(principal) | (Q(assignee__isnull=True) & _my_teams(principal))
    at_my_level = Q(support_level=max(_level(principal), 2)) & mine_or_teams
    return at_my_level | escalated_to(principal.user_id)


_VIEW_CONDITIONS: dict[QueueView, Callable[[Principal], Q]] = {
    QueueView.MINE: _mine,
    QueueView.TEAM: lambda principal: _my_teams(principal) & Q(support_level=_level(principal)),
    QueueView.UNASSIGNED: lambda principal: Q(assignee__isnull=True),
    # Inside a warning window, not yet overdue; overdue ones have their own view.
    QueueView.BREACHING: lambda principal: warning_window_condition(now()),
    QueueView.OVERDUE: lambda principal: overdue_condition(now()),
    QueueView.WAITING: lambda principal: Q(
        status=Status.PENDING, pending_reason__in=sorted(WAITING_FOR_CUSTOMER)
    ),
    QueueView.ESCALATED: _escalated,
    QueueView.ALL: lambda principal: Q(),
}


@dataclass(frozen=True)
class QueueRow:
    """One line of a queue, as the page shows it."""

    pk: int
    reference: str
    subject: str
    organization: str
    priority: int
    status: str
    support_level: int
    team: str  # "" without a team
    assignee: str  # "" when nobody has it
    assignee_id: int | None
    is_emergency: bool
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
    *,
    user: Any,
    view: str,
    filters: ticket_selectors.TicketFilters | None = None,
    sort: str | None = None,
) -> QuerySet[Ticket]:
    """The queue's tickets in the queue's order (or ``sort``'s: a key of ``SORTS``, ``-`` in
    front for descending), scoped to what the agent sees."""
    _check_view(user, view)
    filters = filters or ticket_selectors.TicketFilters()
    tickets = ticket_selectors.ticket_list(user=user, filters=filters, ordering="queue")
    # Rows are read as values (QUEUE_VALUES): nothing to select or prefetch along.
    tickets = tickets.select_related(None).prefetch_related(None)
    tickets = tickets.filter(_queue_filter(principal_of(user), view, filters))
    if sort_key(sort):
        return tickets.order_by(*sort_ordering(sort))
    if view == QueueView.BREACHING:
        tickets = tickets.order_by("sla_next_check_at", "id")
    return tickets


def _check_view(user: Any, view: str) -> None:
    if QueueView(view) not in queue_views(user):
        raise NotFound("No such queue.")


def sort_key(sort: str | None) -> str | None:
    """The column ``sort`` names, or ``None`` for the view's own order (unknown or empty)."""
    key = (sort or "").removeprefix("-")
    return key if key in SORTS else None


def sort_ordering(sort: str | None) -> list[OrderBy]:
    """``order_by`` arguments for a ``sort``; empty values last either way (a team-less or
    unassigned ticket, one without a next check)."""
    key = sort_key(sort)
    if key is None:
        return []
    descending = (sort or "").startswith("-")
    return [
        F(name).desc(nulls_last=True) if descending else F(name).asc(nulls_last=True)
        for name in SORTS[key]
    ]


def _queue_filter(principal: Principal, view: str, filters: ticket_selectors.TicketFilters) -> Q:
    """The view's condition; open tickets only unless the agent filters by status."""
    view_filter = _view_filter(principal, view)
    return view_filter if filters.status else Q(status__in=OPEN_STATUSES) & view_filter


def queue_page(
    *,
    user: Any,
    view: str,
    filters: ticket_selectors.TicketFilters | None = None,
    page: int = 1,
    sort: str | None = None,
    size: int = PAGE_SIZE,
) -> QueuePage:
    """One page of a queue: two queries (the rows, their SLA warnings) whatever the page size
    (one of ``PAGE_SIZES``)."""
    page = max(page, 1)
    size = size if size in PAGE_SIZES else PAGE_SIZE
    start = (page - 1) * size
    found = queue_slice(
        user=user, view=view, filters=filters, start=start, count=size + 1, sort=sort
    )
    return QueuePage(QueueView(view), found[:size], page, len(found) > size)


def queue_slice(
    *,
    user: Any,
    view: str,
    filters: ticket_selectors.TicketFilters | None = None,
    start: int,
    count: int,
    sort: str | None = None,
) -> list[QueueRow]:
    """``queue_queryset(...)[start:start + count]`` as rows."""
    filters = filters or ticket_selectors.TicketFilters()
    tickets = None
    if view == QueueView.BREACHING and not sort_key(sort):
        tickets = _breaching_by_candidates(user, filters, start + count)
    if tickets is None:
        tickets = queue_queryset(user=user, view=view, filters=filters, sort=sort)
    found = list(tickets.values(*QUEUE_VALUES)[start : start + count])
    at = now()
    due = {values["id"]: _next_due(values) for values in found}
    # A warning only shows on a clock not yet overdue: no query when every row is past due.
    warned = _warned([pk for pk, (due_at, _, _) in due.items() if due_at and due_at > at])
    return [
        _row(values, due[values["id"]], warned.get(values["id"], set()), at) for values in found
    ]


def _breaching_by_candidates(
    user: Any, filters: ticket_selectors.TicketFilters, count: int
) -> QuerySet[Ticket] | None:
    """ "Breaching soon" in its order, as the visible tickets among ``breaching_candidates``;
    ``None`` where there are no candidates to read (the plain ``queue_queryset`` then)."""
    _check_view(user, QueueView.BREACHING)
    candidates = breaching_candidates(user, filters, count)
    if candidates is None:
        return None
    # The candidates already meet the view's conditions and filters; repeating the due-time
    # range here would let the planner walk it over every agent's tickets.
    candidate_tickets = Ticket.objects.filter(pk__in=candidates)
    return policies.visible(user, policies.VIEW, candidate_tickets).order_by(
        "sla_next_check_at", "id"
    )


def breaching_candidates(
    user: Any, filters: ticket_selectors.TicketFilters, count: int
) -> list[int] | None:
    """Ids that hold the first ``count`` tickets of a vendor agent's "breaching soon"; ``None``
    where the plain query is already an index walk (managers see everything) or another
    visibility rule applies, and on SQLite (it cannot limit the parts of a UNION; its databases
    are small anyway).

    A vendor agent's visibility is an OR (their teams, their own tickets, team-less ones up to
    their level) that no index answers in ``sla_next_check_at`` order: PostgreSQL would gather
    every visible ticket due soon and sort them, as many as the agent has overdue. Each branch
    alone is a range of a partial index in that order, read index-only and stopped after
    ``count`` rows (one UNION ALL); the first ``count`` of the page lie among them. Each branch
    is part of what the agent sees, and their union is all of it; the page's query itself still
    starts from ``visible`` and only adds ``id IN (candidates)``. The branches leave the OR out:
    with it the planner took a branch for a handful of rows and sorted every one of them (344
    for one agent's own tickets, at a million tickets); a test checks the pages are the plain
    query's.

    Unfiltered (the page as it opens, and every 20 seconds after), the statement is the ORM's
    compiled once per process and shape of agent (``_compiled_candidates``): each branch
    carries the warning window's three correlated subqueries, and building and compiling them
    cost more than twice the statement's run (``docs/benchmarks.md``, issue 14).
    """
    principal = principal_of(user)
    if (
        principal.role is not Role.VENDOR_AGENT
        or not connection.features.supports_slicing_ordering_in_compound
    ):
        return None
    instants = _window_instants(now())
    team_ids = sorted(principal.team_ids)
    if filters != ticket_selectors.TicketFilters():
        branches = _visibility_branches(team_ids, principal.user_id, principal.support_level)
        due_soon = _due_soon(filters, policies.sees_internal(user), instants)
        return [ticket.pk for ticket in _candidate_union(due_soon, branches, count)]
    compiled = _compiled_candidates(len(team_ids), principal.support_level, count)
    teams = {f"team_{index}": team_id for index, team_id in enumerate(team_ids)}
    found = compiled.rows(router.db_for_read(Ticket), **instants, user=principal.user_id, **teams)
    return [ticket.pk for ticket in found]


def _due_soon(
    filters: ticket_selectors.TicketFilters, include_internal: bool, instants: dict[str, Any]
) -> QuerySet[Ticket]:
    """Every ticket of "breaching soon" under ``filters``, whoever sees it, in the view's order
    (``instants``: as ``_window_instants`` gives them, or slots)."""
    window = _in_warning_window(**instants)
    condition = window if filters.status else Q(status__in=OPEN_STATUSES) & window
    tickets = ticket_selectors.filtered(
        Ticket.objects.filter(condition), filters, include_internal=include_internal
    )
    return tickets.order_by("sla_next_check_at", "id")


def _candidate_union(due_soon: QuerySet[Ticket], branches: list[Q], count: int) -> QuerySet[Ticket]:
    """The first ``count`` of ``due_soon`` in each branch (ids only), one UNION ALL."""
    parts = [due_soon.filter(branch).only("pk")[:count] for branch in branches]
    return parts[0].union(*parts[1:], all=True)


@lru_cache(maxsize=128)
def _compiled_candidates(teams: int, support_level: int, count: int) -> CompiledQuery[Ticket]:
    """``_candidate_union`` without filters, for an agent of ``teams`` teams at
    ``support_level``, with slots for the instants and for who the agent is (``user``,
    ``team_0`` ...): the ORM's statement, compiled once."""
    instant = Ticket._meta.get_field("sla_next_check_at")
    person = Ticket._meta.get_field("assignee").target_field
    team = Ticket._meta.get_field("team").target_field
    instants = {name: Param(name, instant) for name in ("at", "after", "before")}
    team_ids = [Param(f"team_{index}", team) for index in range(teams)]
    branches = _visibility_branches(team_ids, Param("user", person), support_level)
    unfiltered = ticket_selectors.TicketFilters()
    return CompiledQuery(
        lambda: _candidate_union(_due_soon(unfiltered, False, instants), branches, count)
    )


def _visibility_branches(team_ids: list[Any], user_id: Any, support_level: int) -> list[Q]:
    """Conditions whose union is everything a vendor agent sees (``policies._scope``), each a
    range of one index: ``ticket_team_due_idx``, ``ticket_assignee_due_idx``,
    ``ticket_teamless_due_idx``."""
    teams = [Q(team_id=team_id) for team_id in team_ids]
    teamless = [Q(team__isnull=True, support_level=level) for level in range(1, support_level + 1)]
    return [*teams, Q(assignee_id=user_id), *teamless]


def _warned(ticket_ids: list[int]) -> dict[int, set[str]]:
    """Clocks the sweep has warned about, per ticket, in one query (as three ``Exists`` columns
    of the page's query it cost Django more to compile than this query costs to run)."""
    if not ticket_ids:
        return {}
    alerts = (
        SlaAlert.objects.filter(ticket_id__in=ticket_ids, kind=AlertKind.WARNING)
        .order_by()
        .values_list("ticket_id", "metric")
    )
    warned: dict[int, set[str]] = {}
    for ticket_id, metric in alerts:
        warned.setdefault(ticket_id, set()).add(metric)
    return warned


def _row(
    values: dict[str, Any], due: tuple[datetime | None, str, str], warned: set[str], at: datetime
) -> QueueRow:
    pk = values["id"]
    due_at, title, metric = due
    # Without a running clock, ``_next_due`` gave the level itself (paused or none).
    level = metric if due_at is None else clock_level("running", due_at, metric in warned, at)
    return QueueRow(
        pk=pk,
        reference=reference(pk),
        subject=values["subject"],
        organization=values["organization__name"],
        priority=values["priority"],
        status=values["status"],
        support_level=values["support_level"],
        team=values["team__name"] or "",
        assignee=_person(values, "assignee__"),
        assignee_id=values["assignee_id"],
        is_emergency=values["is_emergency"],
        due_at=due_at,
        due_title=title,
        level=level,
    )


def _next_due(values: dict[str, Any]) -> tuple[datetime | None, str, str]:
    """The running clock due first: (its due instant, its title, its metric); without one,
    (None, "", "paused" or "none")."""
    running = [
        (values[due_col], title, metric)
        for metric, title, state_col, due_col in CLOCKS
        if values[state_col] in {"running", "breached"}
        and values[due_col]
        and clock_running(values, metric)
    ]
    if not running:
        paused = any(values[state_col] == "paused" for _, _, state_col, _ in CLOCKS)
        return None, "", "paused" if paused else "none"
    return min(running, key=lambda item: item[0])


def _person(values: dict[str, Any], prefix: str) -> str:
    """``str(user)`` from a row's values: the display name, else the full name, else the
    username; "" when there is nobody."""
    username = values[f"{prefix}username"]
    if username is None:
        return ""
    full = f"{values[f'{prefix}first_name']} {values[f'{prefix}last_name']}".strip()
    return values[f"{prefix}display_name"] or full or username


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
    # (user id, "name (L2)") of the agents the agent may see: the bulk "assign to" choices.
    # Whether each selected ticket may go to the one chosen is the assign service's to say.
    agents: list[tuple[int, str]]
    my_teams: list[tuple[int, str]]  # the teams a view can be shared with


def queue_menus(*, user: Any) -> QueueMenus:
    """The queue page's menus, at most ``COUNTS_SECONDS`` old.

    Counting goes through every visible open ticket (the visibility rule is an OR that no index
    answers with a LIMIT), which is slow with a million tickets (``docs/benchmarks.md``). The queue
    refreshes itself every 20 seconds anyway, so the counts are cached per agent, and forgotten
    when the agent changes a ticket or a saved view (``forget_queue_menus``). The filters'
    options and the saved views ride along: one cache read instead of three queries a page.
    """
    key = _menus_key(user.pk)
    menus = cache.get(key)
    if not isinstance(menus, QueueMenus):
        menus = QueueMenus(
            counts=_count_views(user),
            teams=choice_pairs(accounts_selectors.team_list(user=user)),
            categories=choice_pairs(ticket_selectors.category_list(user=user)),
            saved_views=saved_view_list(user=user),
            agents=_agent_choices(user),
            my_teams=[],
        )
        teams = principal_of(user).team_ids
        menus.my_teams.extend((pk, name) for pk, name in menus.teams if pk in teams)
        cache.set(key, menus, COUNTS_SECONDS)
    return menus


def _agent_choices(user: Any) -> list[tuple[int, str]]:
    agents = accounts_selectors.agent_list(user=user).filter(user__is_active=True)
    return [
        (agent.user_id, f"{agent.user} (L{agent.support_level})")
        for agent in agents.prefetch_related(None)[:500]
    ]


def forget_queue_menus(user: Any) -> None:
    cache.delete(_menus_key(user.pk))


def forget_team_menus(team_id: int) -> None:
    """Forget the menus of every member of a team (a view shared with them, for one)."""
    members = Agent.objects.filter(teams=team_id).values_list("user_id", flat=True)
    cache.delete_many([_menus_key(pk) for pk in members])


def _menus_key(user_id: int) -> str:
    return f"tierdesk:desk:queue-menus:v2:{user_id}"


def _count_views(user: Any) -> dict[str, int]:
    """One query per view, each stopping at ``COUNT_CAP`` (shown as "1000+")."""
    principal = principal_of(user)
    tickets = policies.visible(user, policies.VIEW, Ticket.objects.filter(status__in=OPEN_STATUSES))
    return {
        view.value: tickets.filter(_view_filter(principal, view))[:COUNT_CAP].count()
        for view in queue_views(user)
    }


def count_label(count: int) -> str:
    """A queue count, with the cap shown as "1000+" rather than a false exact number."""
    return f"{COUNT_CAP}+" if count >= COUNT_CAP else str(count)


def choice_pairs(queryset: QuerySet[Any]) -> list[tuple[int, str]]:
    """(id, name) of each row, in the queryset's order, for a filter's options."""
    return list(queryset.select_related(None).values_list("pk", "name"))


# ---- saved views ----------------------------------------------------------------------------


def saved_view_list(*, user: Any) -> list[SavedView]:
    """The agent's own saved views and those shared with a team of theirs."""
    team_ids = sorted(principal_of(user).team_ids)
    shared = Q(team_id__in=team_ids) if team_ids else Q(pk__in=[])
    views = SavedView.objects.filter(Q(owner_id=user.pk) | shared)
    return list(views.select_related("owner", "team"))


def saved_view_get(*, user: Any, pk: int) -> SavedView:
    """One of the agent's own saved views (only the owner changes or deletes a view)."""
    found = SavedView.objects.filter(owner_id=user.pk, pk=pk).first()
    if found is None:
        raise NotFound("No such saved view.")
    return found

"""The desk's ticket page and its canned responses, scoped to the agent."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from django.db import router
from django.db.models import Q

from tierdesk.accounts import selectors as accounts_selectors
from tierdesk.accounts.models import Agent
from tierdesk.accounts.principal import principal_of
from tierdesk.core.clock import now
from tierdesk.core.config_cache import ConfigCache
from tierdesk.core.errors import NotFound
from tierdesk.core.fetch import CompiledQuery, Param
from tierdesk.desk.models import CannedResponse
from tierdesk.desk.selectors.queues import CLOCKS, clock_level, is_agent
from tierdesk.reports import selectors as report_selectors
from tierdesk.sla.promise import Promise, ticket_promise
from tierdesk.tickets import policies
from tierdesk.tickets import selectors as ticket_selectors
from tierdesk.tickets.configuration import attach_configuration
from tierdesk.tickets.domain import Action, may, ticket_id_from_reference
from tierdesk.tickets.models import Attachment, EventKind, Message, Ticket, TicketEvent
from tierdesk.tickets.services.lifecycle import missing_facts

# Shared and personal canned responses; cleared on save (desk.apps), otherwise a minute old.
CANNED_RESPONSES = ConfigCache("canned responses")


# ---- canned responses -----------------------------------------------------------------------


def canned_response_list(*, user: Any) -> list[CannedResponse]:
    """The shared canned responses and the agent's own, from the per-process cache (every ticket
    page shows them; they change a few times a month)."""
    if not is_agent(user):
        return []
    every = CANNED_RESPONSES.get("active", _active_canned_responses)
    return [c for c in every if c.owner_id is None or c.owner_id == user.pk]


def _active_canned_responses() -> list[CannedResponse]:
    return list(CannedResponse.objects.filter(is_active=True))


def canned_response_get(*, user: Any, pk: int) -> CannedResponse:
    """One canned response, read afresh (it is about to be inserted into a message)."""
    found = None
    if is_agent(user):
        mine = Q(owner__isnull=True) | Q(owner_id=user.pk)
        found = CannedResponse.objects.filter(mine, is_active=True, pk=pk).first()
    if found is None:
        raise NotFound("No such canned response.")
    return found


# ---- the ticket page -----------------------------------------------------------------------


def ticket_for_page(*, user: Any, reference: str) -> Ticket:
    """The ticket with everything its header shows, or ``NotFound``.

    Read by primary key with the ORM's statement compiled once per process (``_TICKET``), then
    checked with ``policies.can``, the one-ticket face of the rule ``visible`` applies to lists:
    compiling the join of the people, the partner and the rating with the agent's visibility
    filter cost more than running it."""
    pk = ticket_id_from_reference(reference)
    ticket = _TICKET.first(router.db_for_read(Ticket), pk=pk) if pk else None
    if ticket is None or not policies.can(user, policies.VIEW, ticket):
        raise NotFound("No such ticket.")
    # The team, category and plan from the configuration caches, as ``with_related`` promises.
    attach_configuration([ticket])
    return ticket


# The people and organizations (``with_related``), the partner and the reporter's rating: one
# statement for what the page shows of the ticket itself.
_TICKET = CompiledQuery(
    lambda: report_selectors.with_rating(
        ticket_selectors.with_related(Ticket.objects.filter(pk=Param("pk", Ticket._meta.pk)))
    ).select_related("organization__partner")
)


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
    attachments: tuple[Attachment, ...] = ()  # the message's


WARNING_EVENT = EventKind.SLA_WARNING
# Events already told by the message they belong to.
MESSAGE_EVENTS = {EventKind.REPLIED, EventKind.NOTED}


@dataclass
class TicketPage:
    ticket: Ticket
    timeline: list[TimelineItem]
    attachments: list[Attachment]
    clocks: list[ClockView]
    commitment: Promise | None
    allowed: set[str]
    missing_facts: list[str]
    agents: list[Agent] = field(default_factory=list)
    teams: list[Any] = field(default_factory=list)


def ticket_page(*, user: Any, ticket: Ticket, for_forms: bool = False) -> TicketPage:
    """What the ticket page shows. The action forms load when an agent opens one (``for_forms``
    adds what they need: who may be assigned, which facts escalation still lacks)."""
    conversation = ticket_selectors.ticket_conversation(user=user, ticket=ticket)
    events = conversation.events
    allowed = allowed_actions(user, ticket)
    agents: list[Agent] = []
    teams: list[Any] = []
    if for_forms and Action.ASSIGN in allowed:
        agents, teams = _assignment_choices(user, ticket)
    return TicketPage(
        ticket=ticket,
        timeline=timeline(conversation.messages, events, conversation.attachments),
        attachments=conversation.attachments,
        clocks=_clocks(ticket, events),
        commitment=ticket_promise(ticket),
        allowed=allowed,
        missing_facts=missing_facts(ticket) if for_forms and Action.ESCALATE in allowed else [],
        agents=agents,
        teams=teams,
    )


def timeline(
    messages: list[Message], events: list[TicketEvent], attachments: list[Attachment]
) -> list[TimelineItem]:
    by_message: dict[int, list[Attachment]] = {}
    for attachment in attachments:
        if attachment.message_id is not None:
            by_message.setdefault(attachment.message_id, []).append(attachment)
    items = [
        TimelineItem(m.created_at, message=m, attachments=tuple(by_message.get(m.pk, ())))
        for m in messages
    ]
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
    """Clocks warned in their current cycle (the next-update clock restarts at every reply).

    Read from the timeline: the sweep writes an ``sla_warning`` event (metric, cycle) with each
    warning alert it wins, and the clocks read fired alerts back the same way
    (``sla.clocks.FIRED_EVENT_KINDS``)."""
    replies = sum(1 for e in events if e.kind == EventKind.REPLIED and e.data.get("by_agent"))
    warnings = [e.data for e in events if e.kind == WARNING_EVENT]
    return {
        data.get("metric", "")
        for data in warnings
        if data.get("metric") != "next_update" or data.get("cycle", 0) == replies
    }


def _assignment_choices(user: Any, ticket: Ticket) -> tuple[list[Agent], list[Any]]:
    """Agents the user sees who may take the ticket at its level and will see it once it is
    theirs (``policies.assignable``: a partner's agent only on its own customers' tickets),
    and the teams."""
    return assignment_candidates(user=user, ticket=ticket), list(
        accounts_selectors.team_list(user=user)
    )


def assignment_candidates(*, user: Any, ticket: Ticket) -> list[Agent]:
    """Who the user may give the ticket to: what the assign service accepts."""
    agents = accounts_selectors.agent_list(user=user).prefetch_related(None)
    agents = agents.filter(Q(support_level__gte=ticket.support_level) | Q(is_manager=True))
    return list(policies.assignable(ticket, agents)[:200])

"""Status, level, ownership and priority changes over the transition table."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import transaction
from django.db.models import F

from tierdesk.accounts.models import Agent, Team
from tierdesk.accounts.principal import Role, principal_of
from tierdesk.core.clock import now
from tierdesk.core.errors import InvalidInput, InvalidTransition, MissingFacts
from tierdesk.tickets import policies
from tierdesk.tickets.domain import (
    DEFAULT_PRIORITY_FOR_SEVERITY,
    TARGET,
    Action,
    PendingReason,
    Severity,
    Status,
)
from tierdesk.tickets.models import (
    FACTS_FROM_ATTACHMENTS,
    Category,
    EventKind,
    Fact,
    Priority,
    Ticket,
)
from tierdesk.tickets.services.base import (
    change_and_record,
    check,
    compare_and_set,
    record,
    reindex,
)
from tierdesk.tickets.services.messages import (
    link_follow_up,
    reopen_window_open,
    ticket_note,
    ticket_reply,
)
from tierdesk.tickets.services.opening import Impact, clean_facts, default_team, ticket_open
from tierdesk.tickets.services.plans import ticket_plan_refresh

# ---- ownership ---------------------------------------------------------------------------


def ticket_assign(
    *, actor: Any, ticket: Ticket, assignee: Any = None, team: Team | None = None
) -> Ticket:
    """Give the ticket to a person and/or a team; ``assignee=None`` leaves it unassigned."""
    check(actor, Action.ASSIGN, ticket)
    team = team or ticket.team
    if assignee is not None:
        _check_assignee(actor, ticket, assignee)
    changes = {"assignee_id": getattr(assignee, "pk", None), "team_id": getattr(team, "pk", None)}
    if changes == {"assignee_id": ticket.assignee_id, "team_id": ticket.team_id}:
        return ticket
    with transaction.atomic():
        compare_and_set(ticket, **changes)
        record(
            ticket, EventKind.ASSIGNED, actor,
            assignee=getattr(assignee, "username", None), team=getattr(team, "name", None),
        )  # fmt: skip
    return ticket


def _check_assignee(actor: Any, ticket: Ticket, assignee: Any) -> None:
    agent = Agent.objects.filter(user=assignee, user__is_active=True).first()
    if agent is None:
        raise InvalidInput("Tickets can only be assigned to active agents.", field="assignee")
    if not agent.is_manager and agent.support_level < ticket.support_level:
        raise InvalidInput(
            f"{assignee} works at L{agent.support_level}; this ticket is at "
            f"L{ticket.support_level}.",
            field="assignee",
        )
    principal = principal_of(actor)
    if principal.role is Role.PARTNER_AGENT and agent.organization_id != principal.organization_id:
        raise InvalidInput("Partners assign only their own agents.", field="assignee")
    if not policies.may_be_assigned(assignee, ticket):
        raise InvalidInput(f"{assignee} cannot see this ticket.", field="assignee")


def ticket_assign_round_robin(*, actor: Any, ticket: Ticket, team: Team | None = None) -> Ticket:
    """Assign to the available team member who was given a ticket least recently.

    Two tickets handed out at once must not both go to the same agent: claiming the agent is a
    compare-and-set on ``last_assigned_at``, and the loser moves on to the next in line.
    """
    check(actor, Action.ASSIGN, ticket)
    team = team or ticket.team
    if team is None:
        raise InvalidInput("Round-robin needs a team.", field="team")
    candidates = (
        Agent.objects.filter(
            teams=team, is_available=True, user__is_active=True,
            support_level__gte=ticket.support_level,
        )
        .select_related("user")
        .order_by(F("last_assigned_at").asc(nulls_first=True), "id")
    )  # fmt: skip
    for agent in candidates[:20]:
        if _claim_agent(agent):
            return ticket_assign(actor=actor, ticket=ticket, assignee=agent.user, team=team)
    raise InvalidInput(f"Nobody in {team} is available at L{ticket.support_level}.", field="team")


def _claim_agent(agent: Agent) -> bool:
    same = Agent.objects.filter(pk=agent.pk, last_assigned_at=agent.last_assigned_at)
    if agent.last_assigned_at is None:
        same = Agent.objects.filter(pk=agent.pk, last_assigned_at__isnull=True)
    return same.update(last_assigned_at=now()) == 1


# ---- priority and impact -----------------------------------------------------------------


def ticket_set_priority(
    *, actor: Any, ticket: Ticket, priority: int, reason: str, customer_message: str = ""
) -> Ticket:
    """An agent's decision, which from now on wins over the priority impact would give.

    ``reason`` is for colleagues: the event that carries it is internal. What the customer is
    told, if anything, is ``customer_message``, a public reply of its own."""
    check(actor, Action.SET_PRIORITY, ticket)
    if priority not in Priority.values:
        raise InvalidInput("Priority must be 1 (P1) to 4 (P4).", field="priority")
    if not reason.strip():
        raise InvalidInput("Say why the priority changes.", field="reason")
    old = ticket.priority
    with transaction.atomic():
        change_and_record(
            ticket, EventKind.PRIORITY_CHANGED, actor,
            {"priority": priority, "priority_overridden": True}, public=False,
            priority=[old, priority], reason=reason.strip(), override=True,
        )  # fmt: skip
        _tell_customer(actor, ticket, customer_message)
    return ticket


def _tell_customer(actor: Any, ticket: Ticket, message: str) -> None:
    """The optional message to the customer that goes with an action whose reason is internal:
    a public reply like any other (the portal, the mail), written by the acting agent."""
    if message.strip():
        ticket_reply(actor=actor, ticket=ticket, body=message.strip())


def ticket_set_impact(*, actor: Any, ticket: Ticket, impact: Impact) -> Ticket:
    """X3: impact sets severity; severity sets priority unless an agent has overridden it."""
    check(actor, Action.SET_IMPACT, ticket)
    severity = impact.severity()
    changes: dict[str, Any] = {
        "impact_affected": impact.affected,
        "impact_total": impact.total,
        "impact_unit": impact.unit,
        "severity": severity.value,
    }
    old_priority = ticket.priority
    if not ticket.priority_overridden:
        changes["priority"] = DEFAULT_PRIORITY_FOR_SEVERITY[Severity(severity)]
    with transaction.atomic():
        change_and_record(
            ticket, EventKind.IMPACT_SET, actor, changes,
            affected=impact.affected, total=impact.total, unit=impact.unit,
            severity=severity.value, priority=[old_priority, changes.get("priority", old_priority)],
        )  # fmt: skip
    return ticket


# ---- levels ------------------------------------------------------------------------------


def missing_facts(ticket: Ticket, facts: dict[str, str] | None = None) -> list[str]:
    """The category's required facts (P4/P7) that the ticket (with ``facts``) lacks."""
    required = _required_facts(ticket.category)
    facts = ticket.facts if facts is None else facts
    have = {key for key, value in facts.items() if str(value).strip()}
    have.add(Fact.CUSTOMER)  # the organization is always known
    if ticket.messages.filter(kind="public").exclude(body="").exists():
        have.add(Fact.DESCRIPTION)
    have |= _facts_from_attachments(ticket) if set(required) & FACTS_FROM_ATTACHMENTS else set()
    return [fact for fact in required if fact not in have]


def _required_facts(category: Category | None) -> list[str]:
    if category is None:
        return list(settings.TIERDESK_DEFAULT_REQUIRED_FACTS)
    return category.known_required_facts


def _facts_from_attachments(ticket: Ticket) -> set[str]:
    found = set()
    for fact, content_type in ticket.attachments.values_list("fact", "content_type"):
        if fact:
            found.add(fact)
        if content_type.startswith(("image/", "video/")):
            found.add(Fact.SCREENSHOTS)
    return found


def ticket_escalate(
    *,
    actor: Any,
    ticket: Ticket,
    reason: str,
    to_level: int | None = None,
    facts: dict[str, str] | None = None,
    team: Team | None = None,
    customer_message: str = "",
) -> Ticket:
    """Raise the ticket to a higher support level and that level's team.

    Leaving level 1 needs the category's facts; ``facts`` given here are saved with the
    escalation. The error lists every missing fact at once, so L1 asks the customer once.
    ``reason`` stays internal (escalations are support's business); ``customer_message``, if
    given, is a public reply.
    """
    check(actor, Action.ESCALATE, ticket)
    to_level = to_level or ticket.support_level + 1
    if not ticket.support_level < to_level <= 3:
        raise InvalidInput(
            f"Escalation goes up from L{ticket.support_level}; L{to_level} is not above it.",
            field="to_level",
        )
    if not reason.strip():
        raise InvalidInput("Say why the ticket is escalated.", field="reason")
    merged_facts = {**ticket.facts, **clean_facts(facts)}
    # Tierdesk's own escalation (an SLA chain step) cannot wait for facts nobody gathered.
    if ticket.support_level == 1 and principal_of(actor).role is not Role.SYSTEM:
        missing = missing_facts(ticket, merged_facts)
        if missing:
            raise MissingFacts(missing)
    with transaction.atomic():
        new_team = team or default_team(ticket.organization, level=to_level) or ticket.team
        old_level = ticket.support_level
        compare_and_set(
            ticket, support_level=to_level, team_id=getattr(new_team, "pk", None),
            assignee_id=None, facts=merged_facts,
        )  # fmt: skip
        record(
            ticket, EventKind.ESCALATED, actor,
            level=[old_level, to_level], team=getattr(new_team, "name", None),
            reason=reason.strip(), facts=sorted(merged_facts),
        )  # fmt: skip
        _tell_customer(actor, ticket, customer_message)
    return ticket


def ticket_hand_back(
    *,
    actor: Any,
    ticket: Ticket,
    reason: str,
    to_level: int | None = None,
    team: Team | None = None,
) -> Ticket:
    """Return the ticket to a lower level (the answer is known; L1 can finish it)."""
    check(actor, Action.HAND_BACK, ticket)
    to_level = to_level or ticket.support_level - 1
    if not 1 <= to_level < ticket.support_level:
        raise InvalidInput(
            f"Hand back goes down from L{ticket.support_level}; L{to_level} is not below it.",
            field="to_level",
        )
    if not reason.strip():
        raise InvalidInput("Say why the ticket is handed back.", field="reason")
    new_team = team or default_team(ticket.organization, level=to_level) or ticket.team
    old_level = ticket.support_level
    with transaction.atomic():
        compare_and_set(
            ticket, support_level=to_level, team_id=getattr(new_team, "pk", None),
            assignee_id=None,
        )  # fmt: skip
        record(
            ticket, EventKind.HANDED_BACK, actor,
            level=[old_level, to_level], team=getattr(new_team, "name", None),
            reason=reason.strip(),
        )  # fmt: skip
    return ticket


# ---- waiting -----------------------------------------------------------------------------


def ticket_pend(
    *, actor: Any, ticket: Ticket, reason: str, note: str = "", internal_note: str = ""
) -> Ticket:
    """Wait on the customer, a third party, the customer's side or remote access (X4/X6).

    ``note`` is the message to the customer: the portal shows it, the mail asking them and the
    reminder quote it. ``internal_note`` is for colleagues only and is kept as an internal note
    (the "pended" event is public, so it carries nothing internal)."""
    check(actor, Action.PEND, ticket)
    if reason not in PendingReason.__members__.values():
        choices = ", ".join(r.value for r in PendingReason)
        raise InvalidInput(f"Pending reason must be one of: {choices}.", field="reason")
    old_status = ticket.status
    with transaction.atomic():
        change_and_record(
            ticket, EventKind.PENDED, actor,
            {"status": TARGET[Action.PEND], "pending_reason": reason, "pending_note": note.strip()},
            reason=reason, note=note.strip(), status=[old_status, TARGET[Action.PEND]],
        )  # fmt: skip
        if internal_note.strip():
            ticket_note(actor=actor, ticket=ticket, body=internal_note.strip())
    return ticket


def ticket_resume(*, actor: Any, ticket: Ticket, note: str = "") -> Ticket:
    check(actor, Action.RESUME, ticket)
    reason = ticket.pending_reason
    with transaction.atomic():
        change_and_record(
            ticket, EventKind.RESUMED, actor,
            {"status": TARGET[Action.RESUME], "pending_reason": "", "pending_note": ""},
            reason=reason, note=note.strip(),
        )  # fmt: skip
    return ticket


# ---- finishing ---------------------------------------------------------------------------


def ticket_resolve(*, actor: Any, ticket: Ticket, summary: str) -> Ticket:
    """Support says it is fixed; the summary is what the customer is told (P8)."""
    check(actor, Action.RESOLVE, ticket)
    if not summary.strip():
        raise InvalidInput("A resolution needs a summary for the customer.", field="summary")
    at = now()
    old_status = ticket.status
    with transaction.atomic():
        change_and_record(
            ticket, EventKind.RESOLVED, actor,
            {
                "status": TARGET[Action.RESOLVE], "resolved_at": at, "pending_reason": "",
                "pending_note": "", "resolution_summary": summary.strip(),
            },
            at=at, summary=summary.strip(), status=[old_status, TARGET[Action.RESOLVE]],
        )  # fmt: skip
        reindex(ticket)
    return ticket


def ticket_close(*, actor: Any, ticket: Ticket, auto: bool = False) -> Ticket:
    """The reporter confirms the resolution (or, ``auto``, the plan's waiting period ran out)."""
    check(actor, Action.CLOSE, ticket)
    at = now()
    with transaction.atomic():
        closed = {"status": TARGET[Action.CLOSE], "closed_at": at}
        data: dict[str, Any] = {"auto": True} if auto else {}
        change_and_record(ticket, EventKind.CLOSED, actor, closed, at=at, **data)
    return ticket


def ticket_reopen(*, actor: Any, ticket: Ticket, reason: str) -> Ticket:
    """Reopen within the reopen window; after it, open a follow-up linked to this ticket.

    Returns the ticket that is now open: this one, or the follow-up.
    """
    check(actor, Action.REOPEN, ticket)
    if not reason.strip():
        raise InvalidInput("Say why the ticket is reopened.", field="reason")
    if not reopen_window_open(ticket):
        return _open_follow_up(actor, ticket, reason)
    old_status = ticket.status
    with transaction.atomic():
        change_and_record(
            ticket, EventKind.REOPENED, actor,
            {
                "status": TARGET[Action.REOPEN], "resolved_at": None, "closed_at": None,
                "reopen_count": ticket.reopen_count + 1,
            },
            reason=reason.strip(), status=[old_status, TARGET[Action.REOPEN]],
        )  # fmt: skip
    return ticket


def _open_follow_up(actor: Any, ticket: Ticket, reason: str) -> Ticket:
    if ticket.status != Status.CLOSED:
        raise InvalidTransition("Only a closed ticket gets a follow-up.")
    with transaction.atomic():
        follow_up = ticket_open(
            actor=actor, organization=ticket.organization, reporter=ticket.reporter,
            subject=ticket.subject, body=reason, type=ticket.type, category=ticket.category,
            product=ticket.product,
        )  # fmt: skip
        link_follow_up(actor, ticket, follow_up)
    return follow_up


# ---- other fields ------------------------------------------------------------------------

UPDATABLE = ("subject", "type", "category", "product", "facts")


def ticket_update(*, actor: Any, ticket: Ticket, **fields: Any) -> Ticket:
    """Edit descriptive fields; ``facts`` merges into what L1 has gathered so far."""
    check(actor, Action.UPDATE, ticket)
    unknown = set(fields) - set(UPDATABLE)
    if unknown:
        raise InvalidInput(f"Cannot update {', '.join(sorted(unknown))} here.", field=min(unknown))
    changes = _changed_fields(ticket, fields)
    if not changes:
        return ticket
    with transaction.atomic():
        compare_and_set(ticket, **changes)
        record(ticket, EventKind.UPDATED, actor, fields=sorted(changes))
        if "subject" in changes:
            reindex(ticket)
        if "product" in changes:
            # Subscriptions can be per product: another product may mean another plan.
            ticket_plan_refresh(actor=actor, ticket=ticket)
    return ticket


def _changed_fields(ticket: Ticket, fields: dict[str, Any]) -> dict[str, Any]:
    changes: dict[str, Any] = {}
    if "facts" in fields:
        merged = {**ticket.facts, **clean_facts(fields.pop("facts"))}
        if merged != ticket.facts:
            changes["facts"] = merged
    if "subject" in fields and not str(fields["subject"]).strip():
        raise InvalidInput("A ticket needs a subject.", field="subject")
    for name, value in fields.items():
        if getattr(ticket, name) != value:
            changes[name] = value
    return changes

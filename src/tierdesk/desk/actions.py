"""The ticket page's lifecycle actions (for each, its form and the one service it calls), and
the queue's bulk actions on selected tickets (``bulk_apply``).

The view looks an action up here, validates its form and runs ``perform``; the rules (who may,
from which status, which facts) stay in the services, which raise ``TierdeskError``s the view
shows next to the form.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from django import forms
from django.db import transaction
from django.utils import timezone

from tierdesk.accounts import selectors as accounts_selectors
from tierdesk.core.errors import InvalidInput, TierdeskError
from tierdesk.desk import forms as desk_forms
from tierdesk.desk.selectors import TicketPage
from tierdesk.problems import selectors as problem_selectors
from tierdesk.problems import services as problem_services
from tierdesk.tickets import selectors as ticket_selectors
from tierdesk.tickets import services
from tierdesk.tickets.domain import PendingReason, Status, reference
from tierdesk.tickets.models import Ticket
from tierdesk.tickets.services.opening import Impact

Perform = Callable[[Any, Ticket, dict[str, Any], forms.Form], Ticket]


@dataclass(frozen=True)
class ActionSpec:
    title: str
    form: Callable[..., forms.Form]
    perform: Perform
    done: str  # the message after success; {ref} is the ticket's number


def _assign(actor: Any, ticket: Ticket, data: dict[str, Any], form: forms.Form) -> Ticket:
    assignee = None
    if data["assignee"]:
        assignee = accounts_selectors.agent_user_get(user=actor, user_id=data["assignee"])
    team = accounts_selectors.team_get(user=actor, pk=data["team"]) if data["team"] else None
    return services.ticket_assign(actor=actor, ticket=ticket, assignee=assignee, team=team)


def _escalate(actor: Any, ticket: Ticket, data: dict[str, Any], form: forms.Form) -> Ticket:
    assert isinstance(form, desk_forms.EscalateForm)
    # Stored before the transaction opens (the slow part), attached in it.
    stored = [
        (fact, services.attachment_store(
            stream=upload, filename=upload.name or fact, content_type=upload.content_type or ""
        ))
        for fact, upload in form.fact_files()
    ]  # fmt: skip
    with transaction.atomic():
        # Files given as facts (a log, a screenshot) are attached first: they satisfy the fact.
        for fact, file in stored:
            services.attachment_add(actor=actor, ticket=ticket, stored=file, fact=fact)
        return services.ticket_escalate(
            actor=actor, ticket=ticket, reason=data["reason"], to_level=data["to_level"],
            facts=form.facts(), customer_message=data["customer_message"],
        )  # fmt: skip


def _merge(actor: Any, ticket: Ticket, data: dict[str, Any], form: forms.Form) -> Ticket:
    into = ticket_selectors.ticket_get(user=actor, reference=data["into"])
    return services.ticket_merge(actor=actor, duplicate=ticket, into=into)


def _log_contact(actor: Any, ticket: Ticket, data: dict[str, Any], form: forms.Form) -> Ticket:
    at: datetime = data["at"]
    if timezone.is_naive(at):
        at = timezone.make_aware(at)
    log = services.ContactLog(
        kind=data["kind"], who=data["who"], at=at,
        duration_minutes=data["duration_minutes"], outcome=data["outcome"],
    )  # fmt: skip
    return services.ticket_log_contact(actor=actor, ticket=ticket, log=log)


ACTIONS: dict[str, ActionSpec] = {
    "assign": ActionSpec("Assign", desk_forms.AssignForm, _assign, "{ref} assigned."),
    "escalate": ActionSpec("Escalate", desk_forms.EscalateForm, _escalate, "{ref} escalated."),
    "hand_back": ActionSpec(
        "Hand back",
        desk_forms.HandBackForm,
        lambda a, t, d, f: services.ticket_hand_back(
            actor=a, ticket=t, reason=d["reason"], to_level=d["to_level"]
        ),
        "{ref} handed back.",
    ),
    "pend": ActionSpec(
        "Set pending",
        desk_forms.PendForm,
        lambda a, t, d, f: services.ticket_pend(
            actor=a, ticket=t, reason=d["reason"], note=d["note"], internal_note=d["internal_note"]
        ),
        "{ref} is pending.",
    ),
    "resume": ActionSpec(
        "Resume",
        desk_forms.ResumeForm,
        lambda a, t, d, f: services.ticket_resume(actor=a, ticket=t, note=d["note"]),
        "{ref} resumed.",
    ),
    "set_impact": ActionSpec(
        "Set impact",
        desk_forms.ImpactForm,
        lambda a, t, d, f: services.ticket_set_impact(
            actor=a, ticket=t, impact=Impact(d["affected"], d["total"], d["unit"])
        ),
        "Impact of {ref} set.",
    ),
    "set_priority": ActionSpec(
        "Change priority",
        desk_forms.PriorityForm,
        lambda a, t, d, f: services.ticket_set_priority(
            actor=a,
            ticket=t,
            priority=d["priority"],
            reason=d["reason"],
            customer_message=d["customer_message"],
        ),
        "Priority of {ref} changed.",
    ),
    "resolve": ActionSpec(
        "Resolve",
        desk_forms.ResolveForm,
        lambda a, t, d, f: services.ticket_resolve(actor=a, ticket=t, summary=d["summary"]),
        "{ref} resolved.",
    ),
    "close": ActionSpec(
        "Close",
        desk_forms.CloseForm,
        lambda a, t, d, f: services.ticket_close(actor=a, ticket=t),
        "{ref} closed.",
    ),
    "reopen": ActionSpec(
        "Reopen",
        desk_forms.ReopenForm,
        lambda a, t, d, f: services.ticket_reopen(actor=a, ticket=t, reason=d["reason"]),
        "{ref} is open again.",
    ),
    "merge": ActionSpec("Merge duplicate", desk_forms.MergeForm, _merge, "Merged into {ref}."),
    "log_contact": ActionSpec(
        "Log a call or visit", desk_forms.LogContactForm, _log_contact, "Logged on {ref}."
    ),
}


# One key per action on the ticket page (listed on "?"); r and n are the composer's.
ACTION_KEYS = {
    "assign": "a", "escalate": "e", "hand_back": "b", "pend": "p", "resume": "u",
    "set_impact": "i", "set_priority": "y", "resolve": "s", "close": "c", "reopen": "o",
    "merge": "m", "log_contact": "l",
}  # fmt: skip


def action_form(name: str, page: TicketPage, data: Any = None, files: Any = None) -> forms.Form:
    """The action's form, given what it needs from the ticket page (choices, missing facts)."""
    spec = ACTIONS[name]
    ticket = page.ticket
    extra: dict[str, Any] = {}
    if name == "assign":
        extra = {"agents": page.agents, "teams": page.teams}
    elif name == "escalate":
        extra = {"level": ticket.support_level, "missing": page.missing_facts}
    elif name == "hand_back":
        extra = {"level": ticket.support_level}
    initial = _initial(name, ticket)
    return spec.form(data, files, prefix=name, initial=initial, **extra)


def _initial(name: str, ticket: Ticket) -> dict[str, Any]:
    if name == "assign":
        return {"assignee": ticket.assignee_id, "team": ticket.team_id}
    if name == "set_priority":
        return {"priority": ticket.priority}
    if name == "set_impact":
        return {
            "affected": ticket.impact_affected,
            "total": ticket.impact_total,
            "unit": ticket.impact_unit,
        }
    if name == "log_contact":
        return {"at": timezone.localtime().strftime("%Y-%m-%dT%H:%M"), "kind": "phone"}
    return {}


# ---- bulk actions on a queue's selected rows ---------------------------------------------------

# At most this many tickets in one request: each goes through its own service call.
MAX_BULK = 100
BULK_ACTIONS = {
    "take": "Take them",
    "assign": "Assign to",
    "team": "Move to team",
    "priority": "Set priority",
    "status": "Set status",
    "merge": "Merge into",
    "note": "Add an internal note",
    "problem": "Link to problem",
}
# The statuses an agent may set in bulk -> the lifecycle action that gets a ticket there.
BULK_STATUSES = {
    "pending": "Pending (waiting for the customer)",
    "open": "Open (resume or reopen)",
    "resolved": "Resolved",
    "closed": "Closed",
}


@dataclass(frozen=True)
class BulkRequest:
    """What the bulk form asked for; ``text`` is the reason, summary or note the action needs."""

    action: str
    assignee_id: int | None = None
    team_id: int | None = None
    priority: int | None = None
    status: str = ""
    into: str = ""
    text: str = ""
    problem_id: int | None = None


@dataclass
class BulkOutcome:
    done: list[str] = field(default_factory=list)  # references
    refused: list[tuple[str, str]] = field(default_factory=list)  # (reference, why)

    def summary(self) -> str:
        parts = []
        if self.done:
            parts.append(f"{len(self.done)} done ({', '.join(self.done)})")
        if self.refused:
            why = "; ".join(f"{ref}: {message}" for ref, message in self.refused)
            parts.append(f"{len(self.refused)} not changed — {why}")
        return ". ".join(parts) + "." if parts else "Select at least one ticket."


def bulk_apply(*, actor: Any, ticket_ids: list[int], request: BulkRequest) -> BulkOutcome:
    """Apply one action to each selected ticket, each through its tickets service with its own
    policy check and transaction: one refusal (not allowed, wrong status, a ticket gone from
    sight) stops only that ticket, and the outcome says which and why."""
    if request.action not in BULK_ACTIONS:
        raise InvalidInput("Choose what to do with the selected tickets.", field="action")
    perform = _bulk_step(actor, request)
    outcome = BulkOutcome()
    for pk in list(dict.fromkeys(ticket_ids))[:MAX_BULK]:
        ref = reference(pk)
        try:
            ticket = ticket_selectors.ticket_get(user=actor, reference=ref)
            perform(ticket)
        except TierdeskError as exc:
            outcome.refused.append((ref, exc.message))
        else:
            outcome.done.append(ref)
    return outcome


def _bulk_step(actor: Any, request: BulkRequest) -> Callable[[Ticket], Any]:
    """The service call for one ticket; what the request names (the agent, the team, the target
    ticket) is looked up once, through the actor's scope, before any ticket changes."""
    action = request.action
    if action == "take":
        return lambda t: services.ticket_assign(actor=actor, ticket=t, assignee=actor)
    if action == "assign":
        if request.assignee_id is None:
            raise InvalidInput("Choose whom to assign the tickets to.", field="assignee")
        who = accounts_selectors.agent_user_get(user=actor, user_id=request.assignee_id)
        return lambda t: services.ticket_assign(actor=actor, ticket=t, assignee=who)
    if action == "team":
        if request.team_id is None:
            raise InvalidInput("Choose the team.", field="team")
        team = accounts_selectors.team_get(user=actor, pk=request.team_id)
        return lambda t: services.ticket_assign(
            actor=actor, ticket=t, assignee=t.assignee, team=team
        )
    if action == "priority":
        if request.priority is None:
            raise InvalidInput("Choose the priority.", field="priority")
        priority = request.priority
        return lambda t: services.ticket_set_priority(
            actor=actor, ticket=t, priority=priority, reason=request.text
        )
    if action == "status":
        return _status_step(actor, request)
    if action in _TARGET_STEPS:
        return _TARGET_STEPS[action](actor, request)
    return lambda t: services.ticket_note(actor=actor, ticket=t, body=request.text)


def _merge_step(actor: Any, request: BulkRequest) -> Callable[[Ticket], Any]:
    into = ticket_selectors.ticket_get(user=actor, reference=request.into.strip() or "-")
    return lambda t: _merge_one(actor, t, into)


def _problem_step(actor: Any, request: BulkRequest) -> Callable[[Ticket], Any]:
    """Link each ticket to an open problem the actor may see (the problems service checks)."""
    if request.problem_id is None:
        raise InvalidInput("Choose the problem.", field="problem")
    problem = problem_selectors.problem_get(user=actor, pk=request.problem_id)
    return lambda t: problem_services.problem_link(actor=actor, problem=problem, tickets=[t])


# Bulk actions aimed at one thing the request names (a ticket, a problem), looked up first.
_TARGET_STEPS: dict[str, Callable[[Any, BulkRequest], Callable[[Ticket], Any]]] = {
    "merge": _merge_step,
    "problem": _problem_step,
}


def _merge_one(actor: Any, ticket: Ticket, into: Ticket) -> Ticket:
    if ticket.pk == into.pk:
        raise InvalidInput("This is the ticket the others are merged into.")
    return services.ticket_merge(actor=actor, duplicate=ticket, into=into)


def _status_step(actor: Any, request: BulkRequest) -> Callable[[Ticket], Any]:
    status, text = request.status, request.text

    def to_open(ticket: Ticket) -> Ticket:
        if ticket.status == Status.PENDING:
            return services.ticket_resume(actor=actor, ticket=ticket, note=text)
        return services.ticket_reopen(actor=actor, ticket=ticket, reason=text)

    steps: dict[str, Callable[[Ticket], Any]] = {
        "pending": lambda t: services.ticket_pend(
            actor=actor, ticket=t, reason=PendingReason.CUSTOMER, note=text
        ),
        "open": to_open,
        "resolved": lambda t: services.ticket_resolve(actor=actor, ticket=t, summary=text),
        "closed": lambda t: services.ticket_close(actor=actor, ticket=t),
    }
    if status not in steps:
        raise InvalidInput("Choose the status.", field="status")
    return steps[status]

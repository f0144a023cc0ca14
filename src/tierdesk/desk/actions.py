"""The ticket page's lifecycle actions: for each, its form and the one service it calls.

The view looks an action up here, validates its form and runs ``perform``; the rules (who may,
from which status, which facts) stay in the services, which raise ``TierdeskError``s the view
shows next to the form.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django import forms
from django.db import transaction
from django.utils import timezone

from tierdesk.accounts import selectors as accounts_selectors
from tierdesk.desk import forms as desk_forms
from tierdesk.desk.selectors import TicketPage
from tierdesk.tickets import selectors as ticket_selectors
from tierdesk.tickets import services
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
            facts=form.facts(),
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
            actor=a, ticket=t, reason=d["reason"], note=d["note"]
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
            actor=a, ticket=t, priority=d["priority"], reason=d["reason"]
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

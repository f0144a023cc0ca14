"""Opening a ticket, from any channel."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from typing import Any

from django.conf import settings
from django.db import transaction

from tierdesk.accounts.models import Team
from tierdesk.accounts.principal import Role, principal_of
from tierdesk.core import search
from tierdesk.core.clock import now
from tierdesk.core.config_cache import ConfigCache
from tierdesk.core.errors import Forbidden, InvalidInput, NotFound
from tierdesk.core.inserts import insert_sql, insert_values, mark_inserted
from tierdesk.core.text import render_body
from tierdesk.crm import policies as crm_policies
from tierdesk.crm.models import Contact, Organization
from tierdesk.sla.services import opening_clock_columns, plan_for
from tierdesk.tickets.domain import DEFAULT_PRIORITY_FOR_SEVERITY, Severity, severity_from_impact
from tierdesk.tickets.models import (
    BodyFormat,
    Category,
    Channel,
    EventKind,
    Fact,
    Message,
    MessageKind,
    Priority,
    Ticket,
    TicketEvent,
    TicketType,
)
from tierdesk.tickets.search import opening_public_text
from tierdesk.tickets.services.base import actor_id, event_written, plan_event, reindex
from tierdesk.tickets.services.unit import UnitOfWork

# The answer to a contact who sets a priority, on every channel (the API, the portal, mail).
CONTACT_PRIORITY_REFUSED = "Support sets the priority; describe the impact instead."


@dataclass(frozen=True)
class Impact:
    """X3: ``affected`` of ``total`` units (seats, agents, calls) cannot work."""

    affected: int
    total: int
    unit: str = ""

    def severity(self) -> Severity:
        try:
            return severity_from_impact(
                self.affected,
                self.total,
                critical_percent=settings.TIERDESK_SEVERITY_CRITICAL_PERCENT,
                major_percent=settings.TIERDESK_SEVERITY_MAJOR_PERCENT,
            )
        except ValueError as exc:
            raise InvalidInput(str(exc), field="impact") from None


def ticket_open(
    *,
    actor: Any,
    organization: Organization,
    subject: str,
    body: str,
    body_format: str = BodyFormat.MARKDOWN,
    reporter: Contact | None = None,
    type: str = TicketType.INCIDENT,
    channel: str = Channel.PORTAL,
    category: Category | None = None,
    product: Any = None,
    impact: Impact | None = None,
    priority: int | None = None,
    is_emergency: bool = False,
    facts: dict[str, str] | None = None,
    team: Team | None = None,
    work: UnitOfWork | None = None,
) -> Ticket:
    """A new ticket with its first message, its "opened" event, its clocks and its search
    document. ``work``: the unit of work of a batch this ticket is opened in."""
    principal = principal_of(actor)
    _check_may_open(actor, organization)
    if principal.role is Role.CONTACT:
        # A contact always reports for themselves, and cannot set the priority by decree: every
        # channel answers a contact's priority with this same refusal.
        # (A reporter passed in that is that very contact is not loaded a second time.)
        if priority is not None:
            raise InvalidInput(CONTACT_PRIORITY_REFUSED, field="priority")
        if reporter is None or reporter.pk != principal.contact_id:
            reporter = Contact.objects.get(pk=principal.contact_id or 0)
    _check_fields(subject, body, organization, reporter)
    severity = impact.severity() if impact else None
    chosen_priority = initial_priority(priority, severity, is_emergency)
    at = now()
    plan = plan_for(organization, product, chosen=work.plans if work else None)
    opened: dict[str, Any] = {
        "channel": channel, "priority": chosen_priority, "emergency": is_emergency,
        "plan": getattr(plan, "pk", None),
    }  # fmt: skip
    ticket = Ticket(
        sla_plan=plan,
        subject=subject.strip(),
        type=type,
        channel=channel,
        organization=organization,
        reporter=reporter,
        created_by_id=actor_id(actor),
        category=category,
        product=product,
        priority=chosen_priority,
        priority_overridden=priority is not None,
        severity=severity.value if severity else "",
        impact_affected=impact.affected if impact else None,
        impact_total=impact.total if impact else None,
        impact_unit=impact.unit if impact else "",
        is_emergency=is_emergency,
        facts=clean_facts(facts),
        team=team or default_team(organization, level=1),
        created_at=at,
        updated_at=at,
    )
    opened["severity"] = ticket.severity
    # The clocks start with the ticket: computed before the insert, stored by it.
    for column, value in opening_clock_columns(ticket, opened, at).items():
        setattr(ticket, column, value)
    # An agent opening a ticket for a reporter writes down the customer's words (a call, a
    # visit): the first message is the customer's, recorded by the agent (``author``).
    by_agent = principal.is_agent and reporter is None
    message = Message(
        author_id=actor_id(actor),
        author_contact=reporter,
        kind=MessageKind.PUBLIC,
        by_agent=by_agent,
        channel=channel,
        body=body,
        body_format=body_format,
        body_html=render_body(body, body_format),
        created_at=at,
    )
    planned = plan_event(ticket, EventKind.OPENED, actor, at, data=opened)
    _insert_opening(ticket, message, planned.event, work)
    ticket.opening_message = message
    event_written(planned, clocks_stored=True, work=work)  # the clocks rode in the ticket's row
    return ticket


def _insert_opening(
    ticket: Ticket, message: Message, event: TicketEvent, work: UnitOfWork | None
) -> None:
    """The ticket, its first message, its "opened" event and its search document (the clocks
    ride in the ticket's row): one statement on PostgreSQL, which a ticket opened by API or
    mail pays once instead of four compiled INSERTs and as many round trips."""
    connection = transaction.get_connection()
    if connection.vendor != "postgresql":
        with transaction.atomic():
            ticket.save(force_insert=True)
            message.ticket = event.ticket = ticket
            message.save(force_insert=True)
            event.save(force_insert=True)
            reindex(ticket, work)
        return
    params = [
        *insert_values(ticket, connection),
        *insert_values(message, connection, skip=_TICKET_ID),
        *insert_values(event, connection, skip=_TICKET_ID),
        opening_public_text(ticket.subject, message.body),
    ]
    with connection.cursor() as cursor:
        cursor.execute(_opening_sql(connection.alias), params)
        ticket_id, message_id, event_id = cursor.fetchone()
    mark_inserted(ticket, ticket_id, connection)
    mark_inserted(message, message_id, connection)
    mark_inserted(event, event_id, connection)
    message.ticket = event.ticket = ticket


# The later parts of the opening statement take the new ticket's id from its first part.
_TICKET_ID = frozenset({"ticket_id"})
_NEW_TICKET_ID = (("ticket_id", "(SELECT id FROM t)"),)


@cache
def _opening_sql(alias: str) -> str:
    # A single statement commits as one: no BEGIN/COMMIT round trips around it. The rows of one
    # part are invisible to the others (one snapshot), so each later part takes the new ticket's
    # id from ``t`` and the search document is built from the parameters, not from the tables.
    return (
        f"WITH t AS ({insert_sql(Ticket, alias)}),"
        f" m AS ({insert_sql(Message, alias, column_sql=_NEW_TICKET_ID)}),"
        f" e AS ({insert_sql(TicketEvent, alias, column_sql=_NEW_TICKET_ID)}),"
        f" s AS ({search.new_document_sql('SELECT id FROM t')})"
        " SELECT t.id, m.id, e.id FROM t, m, e"
    )


def _check_may_open(actor: Any, organization: Organization) -> None:
    # Who may act for which organization is the CRM's rule (``crm.policies.ACT_FOR``).
    if crm_policies.can(actor, crm_policies.ACT_FOR, organization):
        return
    if principal_of(actor).role is Role.NOBODY:
        raise Forbidden("Sign in to open a ticket.")
    raise NotFound("No such organization.", field="organization")


def _check_fields(
    subject: str, body: str, organization: Organization, reporter: Contact | None
) -> None:
    if not subject.strip():
        raise InvalidInput("A ticket needs a subject.", field="subject")
    if len(subject) > 255:
        raise InvalidInput("The subject is longer than 255 characters.", field="subject")
    if not body.strip():
        raise InvalidInput("Describe the problem: the body is empty.", field="body")
    if reporter is not None and reporter.organization_id != organization.pk:
        raise InvalidInput("The reporter belongs to another organization.", field="reporter")


def initial_priority(priority: int | None, severity: Severity | None, emergency: bool) -> int:
    if priority is not None:
        if priority not in Priority.values:
            raise InvalidInput("Priority must be 1 (P1) to 4 (P4).", field="priority")
        return priority
    if emergency:
        return Priority.P1
    if severity is not None:
        return DEFAULT_PRIORITY_FOR_SEVERITY[severity]
    return Priority.P3


def clean_facts(facts: dict[str, str] | None) -> dict[str, str]:

    cleaned = {}
    for key, value in (facts or {}).items():
        if key not in Fact.values:
            raise InvalidInput(
                f"Unknown fact {key!r}; known: {', '.join(Fact.values)}.", field="facts"
            )
        if str(value).strip():
            cleaned[key] = str(value).strip()
    return cleaned


# Which team takes new tickets at a level, per partner: read by every ticket opened.
DEFAULT_TEAMS = ConfigCache("default teams")


def default_team(organization: Organization, *, level: int) -> Team | None:
    """The team that takes tickets at ``level``: the partner's desk for level 1 of a partner's
    customer (P1), else the vendor's team working at that level. Cached per process
    (``DEFAULT_TEAMS``; a saved or deleted team clears it)."""
    partner_id = organization.partner_id if level == 1 else None
    return DEFAULT_TEAMS.get((partner_id, level), lambda: _default_team(partner_id, level))


def _default_team(partner_id: int | None, level: int) -> Team | None:
    if partner_id:
        partner_team = Team.objects.filter(organization_id=partner_id).first()
        if partner_team:
            return partner_team
    return (
        Team.objects.filter(organization__kind="vendor", support_level=level).order_by("id").first()
    )

"""Tickets on the wire: what the API sends (``*Out`` and their builders) and accepts (``*In``)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal

from django.urls import reverse
from ninja import Field, Schema
from pydantic import BeforeValidator

from tierdesk.accounts.models import SupportLevel
from tierdesk.core.api.schemas import (
    CategoryRef,
    ContactRef,
    Count,
    Flag,
    Id,
    In,
    Instant,
    PageOut,
    Ref,
    SearchText,
    Slug,
    category_ref,
    contact_ref,
    org_ref,
    ref,
    whole_number,
)
from tierdesk.core.text import (
    MAX_BODY,
    MAX_FACT,
    MAX_IMPACT,
    MAX_REASON,
    MAX_SUBJECT,
    MAX_UNIT,
)
from tierdesk.sla.schemas import PromiseOut
from tierdesk.tickets.domain import PendingReason, Status, reference
from tierdesk.tickets.models import (
    Attachment,
    BodyFormat,
    Category,
    Channel,
    Message,
    Priority,
    Ticket,
    TicketEvent,
    TicketType,
)

# ---- out ------------------------------------------------------------------------------------


class ImpactOut(Schema):
    affected: int
    total: int
    unit: str


class ClockOut(Schema):
    state: str = Field(description="running, paused, met, breached; empty: no target")
    due_at: datetime | None = Field(description="When the target is used up (not while paused)")
    elapsed_seconds: int | None = Field(description="Business seconds used at the last event")


class SlaOut(Schema):
    plan: Ref | None
    first_response: ClockOut
    resolution: ClockOut
    next_update: ClockOut
    next_check_at: datetime | None = Field(description="When the SLA sweep next looks at it")


class TicketOut(Schema):
    reference: str
    number: int
    id: int
    subject: str
    type: str
    channel: str
    status: str
    pending_reason: str
    priority: int
    severity: str
    impact: ImpactOut | None
    support_level: int
    team: Ref | None
    assignee: Ref | None
    reporter: ContactRef | None
    organization: Ref
    category: CategoryRef | None
    product_id: int | None
    is_emergency: bool
    facts: dict[str, str]
    resolution_summary: str
    follow_up_of: str | None
    first_response_at: datetime | None
    resolved_at: datetime | None
    closed_at: datetime | None
    created_at: datetime
    updated_at: datetime
    version: int
    sla: SlaOut


class TicketPage(PageOut):
    items: list[TicketOut]


class AttachmentOut(Schema):
    id: int
    ticket: str
    message_id: int | None
    filename: str
    content_type: str
    size: int
    sha256: str
    fact: str
    internal: bool
    created_at: datetime
    download_url: str


class MessageOut(Schema):
    id: int
    ticket: str
    kind: str
    author: Ref | None
    by_agent: bool
    channel: str
    body: str
    body_format: str
    body_html: str
    created_at: datetime
    attachments: list[AttachmentOut]


class EventOut(Schema):
    id: int
    kind: str
    actor: Ref | None = Field(description="Who acted; null when Tierdesk itself did.")
    at: datetime
    data: dict[str, Any]


class TicketDetailOut(TicketOut):
    promise: PromiseOut | None = Field(
        description="What the plan promises the ticket now (null: no plan, no emergency)"
    )
    messages: list[MessageOut]
    events: list[EventOut]
    attachments: list[AttachmentOut]


class CategoryOut(Schema):
    id: int
    slug: str
    name: str
    parent: int | None
    parent_slug: str | None
    audience: str
    required_facts: list[str]
    position: int


class CategoryPage(PageOut):
    items: list[CategoryOut]


def ticket_out(ticket: Ticket) -> dict[str, Any]:
    impact = None
    if ticket.impact_total is not None:
        impact = {
            "affected": ticket.impact_affected or 0,
            "total": ticket.impact_total,
            "unit": ticket.impact_unit,
        }
    return {
        "reference": ticket.reference,
        "number": ticket.number,
        "id": ticket.pk,
        "subject": ticket.subject,
        "type": ticket.type,
        "channel": ticket.channel,
        "status": ticket.status,
        "pending_reason": ticket.pending_reason,
        "priority": ticket.priority,
        "severity": ticket.severity,
        "impact": impact,
        "support_level": ticket.support_level,
        "team": ref(ticket.team),
        "assignee": ref(ticket.assignee),
        "reporter": contact_ref(ticket.reporter),
        "organization": org_ref(ticket.organization),
        "category": category_ref(ticket.category),
        "product_id": ticket.product_id,
        "is_emergency": ticket.is_emergency,
        "facts": ticket.facts,
        "resolution_summary": ticket.resolution_summary,
        "follow_up_of": (
            None if ticket.follow_up_of_id is None else reference(ticket.follow_up_of_id)
        ),
        "first_response_at": ticket.first_response_at,
        "resolved_at": ticket.resolved_at,
        "closed_at": ticket.closed_at,
        "created_at": ticket.created_at,
        "updated_at": ticket.updated_at,
        "version": ticket.version,
        "sla": sla_out(ticket),
    }


def sla_out(ticket: Ticket) -> dict[str, Any]:
    """The stored clock columns: no calendar maths per row (GET .../sla explains in full)."""

    def clock(state: str, due: datetime | None, elapsed: int | None) -> dict[str, Any]:
        return {"state": state, "due_at": due, "elapsed_seconds": elapsed}

    return {
        "plan": ref(ticket.sla_plan),
        "first_response": clock(
            ticket.response_state, ticket.response_due_at, ticket.response_elapsed
        ),
        "resolution": clock(
            ticket.resolution_state, ticket.resolution_due_at, ticket.resolution_elapsed
        ),
        "next_update": clock(ticket.update_state, ticket.update_due_at, None),
        "next_check_at": ticket.sla_next_check_at,
    }


def attachment_out(attachment: Attachment) -> dict[str, Any]:
    ticket = reference(attachment.ticket_id)
    return {
        "id": attachment.pk,
        "ticket": ticket,
        "message_id": attachment.message_id,
        "filename": attachment.filename,
        "content_type": attachment.content_type,
        "size": attachment.size,
        "sha256": attachment.sha256,
        "fact": attachment.fact,
        "internal": attachment.is_internal,
        "created_at": attachment.created_at,
        "download_url": reverse(
            "api:attachment_download",
            kwargs={"ref": ticket, "attachment_id": attachment.pk},
        ),
    }


def message_out(message: Message) -> dict[str, Any]:
    return {
        "id": message.pk,
        "ticket": reference(message.ticket_id),
        "kind": message.kind,
        "author": ref(message.author),
        "by_agent": message.by_agent,
        "channel": message.channel,
        "body": message.body,
        "body_format": message.body_format,
        "body_html": message.body_html,
        "created_at": message.created_at,
        # Prefetched by the selector: .all() reads the cache, no query per message.
        "attachments": [attachment_out(a) for a in message.attachments.all()],
    }


def event_out(event: TicketEvent) -> dict[str, Any]:
    return {
        "id": event.pk,
        "kind": event.kind,
        "actor": ref(event.actor),
        "at": event.at,
        "data": event.data,
    }


def category_out(category: Category) -> dict[str, Any]:
    return {
        "id": category.pk,
        "slug": category.slug,
        "name": category.name,
        "parent": category.parent_id,
        "parent_slug": category.parent.slug if category.parent else None,
        "audience": category.audience,
        "required_facts": list(category.required_facts),
        "position": category.position,
    }


# ---- in -------------------------------------------------------------------------------------
# Every text has a maximum (``core.text.MAX_*``, listed in docs/operations.md) and every number
# is parsed by ``core.text.parse_int`` (``Id``, ``Count``): an oversized or lax value is a 422.

Subject = Annotated[str, Field(min_length=1, max_length=MAX_SUBJECT)]
Body = Annotated[str, Field(min_length=1, max_length=MAX_BODY)]
Reason = Annotated[str, Field(min_length=1, max_length=MAX_REASON)]
Note = Annotated[str, Field(max_length=MAX_REASON)]
Facts = dict[Annotated[str, Field(max_length=50)], Annotated[str, Field(max_length=MAX_FACT)]]
IdOrSlug = Id | Slug


ImpactCount = Annotated[int, BeforeValidator(whole_number)]


class ImpactIn(In):
    affected: ImpactCount = Field(ge=0, le=MAX_IMPACT)
    total: ImpactCount = Field(ge=1, le=MAX_IMPACT)
    unit: str = Field("", max_length=MAX_UNIT)


class TicketCreateIn(In):
    organization: Id | None = Field(
        None, description="Required for agents; a contact's own organization by default."
    )
    subject: Subject
    body: Body
    body_format: BodyFormat = BodyFormat.MARKDOWN
    type: TicketType = TicketType.INCIDENT
    channel: Channel = Field(Channel.API, description="Agents only.")
    category: IdOrSlug | None = Field(None, description="Category id or slug.")
    product: IdOrSlug | None = Field(None, description="Product id or slug.")
    impact: ImpactIn | None = None
    priority: Priority | None = Field(None, description="Agents only.")
    is_emergency: Flag = Field(
        False,
        description="Agents only: a customer raises an emergency by phone or by mail "
        "(see the support policy).",
    )
    facts: Facts | None = None
    reporter: Id | None = Field(None, description="Contact id; agents only.")
    team: Id | None = Field(None, description="Team id; agents only.")


class Versioned(In):
    version: Count | None = Field(
        None, description="The version you read; if the ticket has changed since: 409."
    )


class TicketUpdateIn(Versioned):
    # Fields that cannot be empty may be left out but not sent as null (422, not a 500).
    subject: Subject = Field(None)  # type: ignore[assignment]
    type: TicketType = Field(None)  # type: ignore[assignment]
    category: IdOrSlug | None = None
    product: IdOrSlug | None = None
    facts: Facts | None = None


class MessageIn(Versioned):
    body: Body
    body_format: BodyFormat = BodyFormat.MARKDOWN


class AssignIn(Versioned):
    assignee: Id | None = Field(None, description="User id of an agent; null: unassigned.")
    team: Id | None = None


class RoundRobinIn(Versioned):
    team: Id | None = None


class PriorityIn(Versioned):
    priority: Priority
    reason: Reason


class ImpactActionIn(Versioned, ImpactIn):
    pass


class EscalateIn(Versioned):
    reason: Reason
    to_level: SupportLevel | None = None
    facts: Facts | None = None
    team: Id | None = None


class HandBackIn(Versioned):
    reason: Reason
    to_level: SupportLevel | None = None
    team: Id | None = None


class PendIn(Versioned):
    reason: PendingReason
    note: Note = ""


class ResumeIn(Versioned):
    note: Note = ""


class ResolveIn(Versioned):
    summary: Reason


class ReopenIn(Versioned):
    reason: Reason


class TicketQuery(Schema):
    status: list[Status] | None = None
    active: bool | None = None
    priority: list[Priority] | None = None
    support_level: SupportLevel | None = None
    team: Id | None = None
    assignee: Id | None = None
    unassigned: bool | None = None
    organization: Id | None = None
    reporter: Id | None = None
    category: IdOrSlug | None = Field(None, description="Category id or slug.")
    is_emergency: bool | None = None
    q: SearchText | None = Field(None, description="Full-text search.")
    breached: bool | None = Field(None, description="A response or resolution target breached.")
    paused: bool | None = Field(None, description="The SLA clocks are paused (pending).")
    due_before: Instant | None = Field(
        None, description="A running response or resolution clock is due before this instant."
    )
    ordering: Literal["queue", "newest", "oldest", "updated"] = "newest"

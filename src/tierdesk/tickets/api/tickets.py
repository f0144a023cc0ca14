"""Tickets, their conversation and files, and the categories, over HTTP."""

from __future__ import annotations

from typing import Any

from django.http import HttpResponse
from ninja import File, Form, Query, Router, Status, UploadedFile
from ninja.responses import codes_2xx

from tierdesk.accounts.api_auth import ApiRequest
from tierdesk.accounts.principal import Role, principal_of
from tierdesk.core.api.renderers import json_response
from tierdesk.core.api.schemas import ERRORS, Id, PageParams, paginate
from tierdesk.core.attachments import file_response
from tierdesk.core.errors import InvalidInput, NotFound
from tierdesk.core.text import MAX_NAME, parse_int
from tierdesk.crm import selectors as crm_selectors
from tierdesk.crm.policies import ACT_FOR
from tierdesk.sla.explain import explain_data
from tierdesk.sla.promise import ticket_promise
from tierdesk.sla.schemas import promise_out
from tierdesk.tickets import selectors, services
from tierdesk.tickets.api.common import TICKET, location, team_named, ticket_named
from tierdesk.tickets.models import Category, Channel
from tierdesk.tickets.schemas import (
    AttachmentOut,
    CategoryPage,
    EventOut,
    MessageIn,
    MessageOut,
    TicketCreateIn,
    TicketDetailOut,
    TicketOut,
    TicketPage,
    TicketQuery,
    TicketUpdateIn,
    attachment_out,
    category_out,
    event_out,
    message_out,
    ticket_out,
)
from tierdesk.tickets.services.opening import Impact

router = Router(tags=["tickets"])


def _category(user: Any, key: int | str | None, field: str = "category") -> Category | None:
    if key is None:
        return None
    categories = selectors.category_list(user=user)
    found = categories.filter(**_id_or_slug(key)).first()
    if found is None:
        raise NotFound("No such category.", field=field)
    return found


def _id_or_slug(key: int | str) -> dict[str, Any]:
    pk = parse_int(key, low=1)
    return {"pk": pk} if pk is not None else {"slug": str(key)}


# ---- tickets --------------------------------------------------------------------------------


@router.get("/tickets", response={200: TicketPage, **ERRORS}, url_name="ticket_list")
def ticket_list(request: ApiRequest, filters: Query[TicketQuery], paging: Query[PageParams]) -> Any:
    """Tickets the caller may see, filtered; ``ordering=queue`` is the agents' work queue."""
    user = request.auth
    category = _category(user, filters.category) if filters.category is not None else None
    found = selectors.ticket_list(
        user=user,
        filters=selectors.TicketFilters(
            status=[s.value for s in filters.status] if filters.status else None,
            active=filters.active,
            priority=[int(p) for p in filters.priority] if filters.priority else None,
            support_level=filters.support_level,
            team_id=filters.team,
            assignee_id=filters.assignee,
            unassigned=filters.unassigned,
            organization_id=filters.organization,
            reporter_id=filters.reporter,
            category_id=category.pk if category else None,
            is_emergency=filters.is_emergency,
            q=filters.q,
            breached=filters.breached,
            paused=filters.paused,
            due_before=filters.due_before,
        ),
        ordering=filters.ordering,
    )
    return json_response(paginate(found, paging, ticket_out, fetch=selectors.ticket_page))


@router.post("/tickets", response={201: TicketOut, **ERRORS}, url_name="ticket_open")
def ticket_open(request: ApiRequest, payload: TicketCreateIn, response: HttpResponse) -> Any:
    user = request.auth
    principal = principal_of(user)
    organization_id = payload.organization
    if principal.role is Role.CONTACT:
        _refuse_staff_fields(payload)
        organization_id = organization_id or principal.organization_id
    reporter = None
    if payload.reporter is not None:
        reporter = crm_selectors.contact_get(
            user=user, pk=payload.reporter, field="reporter", action=ACT_FOR
        )
        organization_id = payload.organization or reporter.organization_id
    if organization_id is None:
        raise InvalidInput("Say which organization the ticket is for.", field="organization")
    impact = payload.impact
    ticket = services.ticket_open(
        actor=user,
        organization=crm_selectors.organization_get(
            user=user, pk=organization_id, field="organization", action=ACT_FOR
        ),
        subject=payload.subject,
        body=payload.body,
        body_format=payload.body_format,
        reporter=reporter,
        type=payload.type,
        channel=payload.channel,
        category=_category(user, payload.category),
        product=_product(user, payload.product),
        impact=Impact(impact.affected, impact.total, impact.unit) if impact else None,
        priority=payload.priority,
        is_emergency=payload.is_emergency,
        facts=payload.facts,
        team=team_named(user, payload.team),
    )
    created = json_response(ticket_out(ticket), status=201)
    created["Location"] = location(ticket)
    return created


def _refuse_staff_fields(payload: TicketCreateIn) -> None:
    # A contact's priority is refused by the service, as on every channel. An emergency comes
    # from the documented paths (a call, an emergency mailbox, "[Emergency]" in a mail's
    # subject: docs/mail.md), not from a flag any script may set.
    refused = (
        ("reporter", payload.reporter is not None, "You report tickets for yourself."),
        ("team", payload.team is not None, "Support decides which team takes the ticket."),
        ("channel", payload.channel != Channel.API, "Tickets you open here come by the API."),
        (
            "is_emergency",
            payload.is_emergency,
            "Raise an emergency by phone or by mail with [Emergency] in the subject.",
        ),
    )
    for field, sent, why in refused:
        if sent:
            raise InvalidInput(why, field=field)


def _product(user: Any, key: int | str | None) -> Any:
    return None if key is None else crm_selectors.product_get(user=user, key=key)


@router.get("/tickets/{ref}", response={200: TicketDetailOut, **ERRORS}, url_name="ticket_get")
def ticket_get(request: ApiRequest, ref: str) -> Any:
    """One ticket with its conversation and timeline, as far as the caller may see them."""
    user = request.auth
    ticket = ticket_named(request, ref)
    return {
        **ticket_out(ticket),
        "promise": promise_out(ticket_promise(ticket)),
        "messages": [message_out(m) for m in selectors.ticket_messages(user=user, ticket=ticket)],
        "events": [event_out(e) for e in selectors.ticket_events(user=user, ticket=ticket)],
        "attachments": [
            attachment_out(a) for a in selectors.ticket_attachments(user=user, ticket=ticket)
        ],
    }


@router.patch("/tickets/{ref}", response=TICKET, url_name="ticket_update")
def ticket_update(request: ApiRequest, ref: str, payload: TicketUpdateIn) -> Any:
    user = request.auth
    ticket = ticket_named(request, ref, payload.version)
    sent = payload.model_dump(exclude_unset=True, exclude={"version"})
    if "category" in sent:
        sent["category"] = _category(user, sent["category"])
    if "product" in sent:
        sent["product"] = _product(user, sent["product"])
    return ticket_out(services.ticket_update(actor=user, ticket=ticket, **sent))


@router.get(
    "/tickets/{ref}/sla",
    response={200: dict[str, Any], **ERRORS},
    # The name it had in sla/api.py, before the SLA engine stopped reading tickets: clients
    # generated from the OpenAPI document keep calling it by that name.
    operation_id="tierdesk_sla_api_ticket_sla",
)
def ticket_sla(request: ApiRequest, ref: str) -> Any:
    """Each clock of the ticket explained: plan, target, pauses, business time used, remaining,
    due instant, state and the stretches of time that counted (as ``tierdesk sla explain``)."""
    return explain_data(ticket_named(request, ref))


@router.get("/tickets/{ref}/events", response={200: list[EventOut], **ERRORS})
def ticket_events(request: ApiRequest, ref: str) -> Any:
    ticket = ticket_named(request, ref)
    return [event_out(e) for e in selectors.ticket_events(user=request.auth, ticket=ticket)]


@router.get("/tickets/{ref}/messages", response={200: list[MessageOut], **ERRORS})
def ticket_messages(request: ApiRequest, ref: str) -> Any:
    ticket = ticket_named(request, ref)
    return [message_out(m) for m in selectors.ticket_messages(user=request.auth, ticket=ticket)]


@router.post("/tickets/{ref}/replies", response={201: MessageOut, **ERRORS})
def ticket_reply(request: ApiRequest, ref: str, payload: MessageIn) -> Any:
    """A public reply. A contact's reply to a closed ticket lands on a new follow-up ticket:
    the message's ``ticket`` says which."""
    ticket = ticket_named(request, ref, payload.version)
    message = services.ticket_reply(
        actor=request.auth, ticket=ticket, body=payload.body, body_format=payload.body_format,
        channel="api",
    )  # fmt: skip
    return Status(201, message_out(message))


@router.post("/tickets/{ref}/notes", response={201: MessageOut, **ERRORS})
def ticket_note(request: ApiRequest, ref: str, payload: MessageIn) -> Any:
    ticket = ticket_named(request, ref, payload.version)
    message = services.ticket_note(
        actor=request.auth, ticket=ticket, body=payload.body, body_format=payload.body_format
    )
    return Status(201, message_out(message))


# ---- attachments ----------------------------------------------------------------------------


@router.post("/tickets/{ref}/attachments", response={201: AttachmentOut, **ERRORS})
def attachment_add(
    request: ApiRequest,
    ref: str,
    file: UploadedFile = File(...),  # noqa: B008 - ninja's way to declare an upload
    fact: str = Form("", max_length=MAX_NAME),
    internal: bool = Form(False),
) -> Any:
    """Multipart upload; ``fact`` marks it as evidence (logs, screenshots) for escalation."""
    ticket = ticket_named(request, ref)
    attachment = services.attachment_add(
        actor=request.auth, ticket=ticket, stream=file, filename=file.name or "",
        content_type=file.content_type or "", fact=fact, internal=internal,
    )  # fmt: skip
    return Status(201, attachment_out(attachment))


@router.get("/tickets/{ref}/attachments", response={200: list[AttachmentOut], **ERRORS})
def attachment_list(request: ApiRequest, ref: str) -> Any:
    ticket = ticket_named(request, ref)
    attachments = selectors.ticket_attachments(user=request.auth, ticket=ticket)
    return [attachment_out(a) for a in attachments]


@router.get(
    "/tickets/{ref}/attachments/{attachment_id}/download",
    response={codes_2xx: None, **ERRORS},
    url_name="attachment_download",
    openapi_extra={"responses": {200: {"description": "The file, as a download."}}},
)
def attachment_download(request: ApiRequest, ref: str, attachment_id: Id) -> Any:
    """The file as a download that a browser never renders: whatever was uploaded (HTML, SVG)
    cannot run as this site."""
    attachment = selectors.attachment_get(
        user=request.auth, reference=ref, attachment_id=attachment_id
    )
    return file_response(
        attachment.file, filename=attachment.filename, content_type=attachment.content_type,
        size=attachment.size,
    )  # fmt: skip


# ---- categories -----------------------------------------------------------------------------


@router.get("/categories", response={200: CategoryPage, **ERRORS}, tags=["categories"])
def category_list(request: ApiRequest, paging: Query[PageParams]) -> Any:
    """The category tree, flat: ``parent`` links a child to its group; ``required_facts`` are
    what level 1 must gather before escalating."""
    categories = selectors.category_list(user=request.auth).order_by("position", "name", "id")
    return paginate(categories, paging, category_out)

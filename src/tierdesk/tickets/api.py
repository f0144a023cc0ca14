"""Tickets over HTTP: list, open, read, edit, talk, attach, and one endpoint per lifecycle action.

Each endpoint parses, calls one selector or service with the caller, and serializes; the rules
live in the services and policies. A ticket the caller may not see is 404, whoever owns it.
"""

from __future__ import annotations

import unicodedata
from typing import Any
from urllib.parse import quote

from django.http import FileResponse, HttpResponse
from django.urls import reverse
from ninja import File, Form, Query, Router, Status, UploadedFile
from ninja.responses import codes_2xx

from tierdesk.accounts import selectors as accounts_selectors
from tierdesk.accounts.api_auth import ApiRequest
from tierdesk.accounts.principal import Role, principal_of
from tierdesk.core.api.renderers import json_response
from tierdesk.core.api.schemas import ERRORS, PageParams, paginate
from tierdesk.core.errors import Conflict, InvalidInput, NotFound
from tierdesk.crm import selectors as crm_selectors
from tierdesk.crm.policies import ACT_FOR
from tierdesk.sla.explain import explain_data
from tierdesk.sla.promise import ticket_promise
from tierdesk.sla.schemas import promise_out
from tierdesk.tickets import selectors, services
from tierdesk.tickets.models import Category, Ticket
from tierdesk.tickets.schemas import (
    AssignIn,
    AttachmentOut,
    CategoryPage,
    EscalateIn,
    EventOut,
    HandBackIn,
    ImpactActionIn,
    MessageIn,
    MessageOut,
    PendIn,
    PriorityIn,
    ReopenIn,
    ResolveIn,
    ResumeIn,
    RoundRobinIn,
    TicketCreateIn,
    TicketDetailOut,
    TicketOut,
    TicketPage,
    TicketQuery,
    TicketUpdateIn,
    Versioned,
    attachment_out,
    category_out,
    event_out,
    message_out,
    ticket_out,
)
from tierdesk.tickets.services.opening import Impact

router = Router(tags=["tickets"])
TICKET = {200: TicketOut, **ERRORS}


# ---- helpers --------------------------------------------------------------------------------


def _ticket(request: ApiRequest, ref: str, version: int | None = None) -> Ticket:
    """The ticket the caller may see; 409 if the client read an older version than this."""
    ticket = selectors.ticket_get(user=request.auth, reference=ref)
    if version is not None and version != ticket.version:
        raise Conflict(
            f"{ticket.reference} has changed since you read it (version {version}, now "
            f"{ticket.version}); reload it and try again.",
            field="version",
            details={"current": ticket.version},
        )
    return ticket


def _category(user: Any, key: int | str | None, field: str = "category") -> Category | None:
    if key is None:
        return None
    categories = selectors.category_list(user=user)
    found = categories.filter(**_id_or_slug(key)).first()
    if found is None:
        raise NotFound("No such category.", field=field)
    return found


def _id_or_slug(key: int | str) -> dict[str, Any]:
    return {"pk": int(key)} if str(key).isdigit() else {"slug": str(key)}


def _team(user: Any, pk: int | None) -> Any:
    return None if pk is None else accounts_selectors.team_get(user=user, pk=pk)


def _location(ticket: Ticket) -> str:
    return reverse("api:ticket_get", kwargs={"ref": ticket.reference})


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
        team=_team(user, payload.team),
    )
    created = json_response(ticket_out(ticket), status=201)
    created["Location"] = _location(ticket)
    return created


def _refuse_staff_fields(payload: TicketCreateIn) -> None:
    # A contact's priority is refused by the service, as on every channel.
    for field, why in (
        ("reporter", "You report tickets for yourself."),
        ("team", "Support decides which team takes the ticket."),
    ):
        if getattr(payload, field) is not None:
            raise InvalidInput(why, field=field)


def _product(user: Any, key: int | str | None) -> Any:
    return None if key is None else crm_selectors.product_get(user=user, key=key)


@router.get("/tickets/{ref}", response={200: TicketDetailOut, **ERRORS}, url_name="ticket_get")
def ticket_get(request: ApiRequest, ref: str) -> Any:
    """One ticket with its conversation and timeline, as far as the caller may see them."""
    user = request.auth
    ticket = _ticket(request, ref)
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
    ticket = _ticket(request, ref, payload.version)
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
    return explain_data(_ticket(request, ref))


@router.get("/tickets/{ref}/events", response={200: list[EventOut], **ERRORS})
def ticket_events(request: ApiRequest, ref: str) -> Any:
    ticket = _ticket(request, ref)
    return [event_out(e) for e in selectors.ticket_events(user=request.auth, ticket=ticket)]


@router.get("/tickets/{ref}/messages", response={200: list[MessageOut], **ERRORS})
def ticket_messages(request: ApiRequest, ref: str) -> Any:
    ticket = _ticket(request, ref)
    return [message_out(m) for m in selectors.ticket_messages(user=request.auth, ticket=ticket)]


@router.post("/tickets/{ref}/replies", response={201: MessageOut, **ERRORS})
def ticket_reply(request: ApiRequest, ref: str, payload: MessageIn) -> Any:
    """A public reply. A contact's reply to a closed ticket lands on a new follow-up ticket:
    the message's ``ticket`` says which."""
    ticket = _ticket(request, ref, payload.version)
    message = services.ticket_reply(
        actor=request.auth, ticket=ticket, body=payload.body, body_format=payload.body_format,
        channel="api",
    )  # fmt: skip
    return Status(201, message_out(message))


@router.post("/tickets/{ref}/notes", response={201: MessageOut, **ERRORS})
def ticket_note(request: ApiRequest, ref: str, payload: MessageIn) -> Any:
    ticket = _ticket(request, ref, payload.version)
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
    fact: str = Form(""),
    internal: bool = Form(False),
) -> Any:
    """Multipart upload; ``fact`` marks it as evidence (logs, screenshots) for escalation."""
    ticket = _ticket(request, ref)
    attachment = services.attachment_add(
        actor=request.auth, ticket=ticket, stream=file, filename=file.name or "",
        content_type=file.content_type or "", fact=fact, internal=internal,
    )  # fmt: skip
    return Status(201, attachment_out(attachment))


@router.get("/tickets/{ref}/attachments", response={200: list[AttachmentOut], **ERRORS})
def attachment_list(request: ApiRequest, ref: str) -> Any:
    ticket = _ticket(request, ref)
    attachments = selectors.ticket_attachments(user=request.auth, ticket=ticket)
    return [attachment_out(a) for a in attachments]


@router.get(
    "/tickets/{ref}/attachments/{attachment_id}/download",
    response={codes_2xx: None, **ERRORS},
    url_name="attachment_download",
    openapi_extra={"responses": {200: {"description": "The file, as a download."}}},
)
def attachment_download(request: ApiRequest, ref: str, attachment_id: int) -> Any:
    """The file as a download that a browser never renders: whatever was uploaded (HTML, SVG)
    cannot run as this site."""
    attachment = selectors.attachment_get(
        user=request.auth, reference=ref, attachment_id=attachment_id
    )
    response = FileResponse(
        attachment.file.open("rb"),
        content_type=attachment.content_type or "application/octet-stream",
    )
    response["Content-Disposition"] = content_disposition(attachment.filename)
    response["Content-Length"] = str(attachment.size)
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = "sandbox; default-src 'none'"
    response["Cache-Control"] = "private, no-cache"
    return response


def content_disposition(filename: str) -> str:
    """``attachment`` with an ASCII fallback name and the exact name per RFC 5987/6266."""
    ascii_name = unicodedata.normalize("NFKD", filename).encode("ascii", "ignore").decode()
    ascii_name = "".join(c if c.isprintable() and c not in '"\\' else "_" for c in ascii_name)
    return (
        f'attachment; filename="{ascii_name or "attachment"}"; '
        f"filename*=UTF-8''{quote(filename, safe='')}"
    )


# ---- lifecycle actions: one endpoint per service; each answers with the ticket --------------

# Actions without required fields accept an empty body (``curl -X POST .../close``).
NO_FIELDS = Versioned.model_validate({})
NO_ASSIGN_FIELDS = AssignIn.model_validate({})
NO_ROUND_ROBIN_FIELDS = RoundRobinIn.model_validate({})
NO_RESUME_FIELDS = ResumeIn.model_validate({})


@router.post("/tickets/{ref}/assign", response=TICKET)
def ticket_assign(request: ApiRequest, ref: str, payload: AssignIn = NO_ASSIGN_FIELDS) -> Any:
    user = request.auth
    ticket = _ticket(request, ref, payload.version)
    assignee = None
    if payload.assignee is not None:
        assignee = accounts_selectors.agent_user_get(user=user, user_id=payload.assignee)
    team = _team(user, payload.team)
    return ticket_out(
        services.ticket_assign(actor=user, ticket=ticket, assignee=assignee, team=team)
    )


@router.post("/tickets/{ref}/assign-round-robin", response=TICKET)
def ticket_assign_round_robin(
    request: ApiRequest, ref: str, payload: RoundRobinIn = NO_ROUND_ROBIN_FIELDS
) -> Any:
    user = request.auth
    ticket = _ticket(request, ref, payload.version)
    team = _team(user, payload.team)
    return ticket_out(services.ticket_assign_round_robin(actor=user, ticket=ticket, team=team))


@router.post("/tickets/{ref}/priority", response=TICKET)
def ticket_set_priority(request: ApiRequest, ref: str, payload: PriorityIn) -> Any:
    ticket = _ticket(request, ref, payload.version)
    return ticket_out(
        services.ticket_set_priority(
            actor=request.auth,
            ticket=ticket,
            priority=int(payload.priority),
            reason=payload.reason,
        )
    )


@router.post("/tickets/{ref}/impact", response=TICKET)
def ticket_set_impact(request: ApiRequest, ref: str, payload: ImpactActionIn) -> Any:
    ticket = _ticket(request, ref, payload.version)
    impact = Impact(payload.affected, payload.total, payload.unit)
    return ticket_out(services.ticket_set_impact(actor=request.auth, ticket=ticket, impact=impact))


@router.post("/tickets/{ref}/escalate", response=TICKET)
def ticket_escalate(request: ApiRequest, ref: str, payload: EscalateIn) -> Any:
    """Up a level. From L1 the category's facts are needed: 422 ``missing_facts`` lists them."""
    user = request.auth
    ticket = _ticket(request, ref, payload.version)
    return ticket_out(
        services.ticket_escalate(
            actor=user,
            ticket=ticket,
            reason=payload.reason,
            to_level=payload.to_level,
            facts=payload.facts,
            team=_team(user, payload.team),
        )
    )


@router.post("/tickets/{ref}/hand-back", response=TICKET)
def ticket_hand_back(request: ApiRequest, ref: str, payload: HandBackIn) -> Any:
    user = request.auth
    ticket = _ticket(request, ref, payload.version)
    return ticket_out(
        services.ticket_hand_back(
            actor=user,
            ticket=ticket,
            reason=payload.reason,
            to_level=payload.to_level,
            team=_team(user, payload.team),
        )
    )


@router.post("/tickets/{ref}/pend", response=TICKET)
def ticket_pend(request: ApiRequest, ref: str, payload: PendIn) -> Any:
    ticket = _ticket(request, ref, payload.version)
    return ticket_out(
        services.ticket_pend(
            actor=request.auth, ticket=ticket, reason=payload.reason.value, note=payload.note
        )
    )


@router.post("/tickets/{ref}/resume", response=TICKET)
def ticket_resume(request: ApiRequest, ref: str, payload: ResumeIn = NO_RESUME_FIELDS) -> Any:
    ticket = _ticket(request, ref, payload.version)
    return ticket_out(services.ticket_resume(actor=request.auth, ticket=ticket, note=payload.note))


@router.post("/tickets/{ref}/resolve", response=TICKET)
def ticket_resolve(request: ApiRequest, ref: str, payload: ResolveIn) -> Any:
    ticket = _ticket(request, ref, payload.version)
    return ticket_out(
        services.ticket_resolve(actor=request.auth, ticket=ticket, summary=payload.summary)
    )


@router.post("/tickets/{ref}/close", response=TICKET)
def ticket_close(request: ApiRequest, ref: str, payload: Versioned = NO_FIELDS) -> Any:
    ticket = _ticket(request, ref, payload.version)
    return ticket_out(services.ticket_close(actor=request.auth, ticket=ticket))


@router.post("/tickets/{ref}/reopen", response={200: TicketOut, 201: TicketOut, **ERRORS})
def ticket_reopen(request: ApiRequest, ref: str, payload: ReopenIn, response: HttpResponse) -> Any:
    """Reopen within the reopen window (200, the same ticket). After it, a follow-up ticket is
    opened instead: 201 with its ``Location``, and its ``follow_up_of`` names this one."""
    ticket = _ticket(request, ref, payload.version)
    now_open = services.ticket_reopen(actor=request.auth, ticket=ticket, reason=payload.reason)
    if now_open.pk == ticket.pk:
        return ticket_out(now_open)
    response["Location"] = _location(now_open)
    return Status(201, ticket_out(now_open))


# ---- categories -----------------------------------------------------------------------------


@router.get("/categories", response={200: CategoryPage, **ERRORS}, tags=["categories"])
def category_list(request: ApiRequest, paging: Query[PageParams]) -> Any:
    """The category tree, flat: ``parent`` links a child to its group; ``required_facts`` are
    what level 1 must gather before escalating."""
    categories = selectors.category_list(user=request.auth).order_by("position", "name", "id")
    return paginate(categories, paging, category_out)

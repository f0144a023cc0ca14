"""The lifecycle actions over HTTP: one endpoint per service; each answers with the ticket."""

from __future__ import annotations

from typing import Any

from django.http import HttpResponse
from ninja import Router, Status

from tierdesk.accounts import selectors as accounts_selectors
from tierdesk.accounts.api_auth import ApiRequest
from tierdesk.core.api.schemas import ERRORS
from tierdesk.tickets import services
from tierdesk.tickets.api.common import TICKET, location, team_named, ticket_named
from tierdesk.tickets.schemas import (
    AssignIn,
    EscalateIn,
    HandBackIn,
    ImpactActionIn,
    PendIn,
    PriorityIn,
    ReopenIn,
    ResolveIn,
    ResumeIn,
    RoundRobinIn,
    TicketOut,
    Versioned,
    ticket_out,
)
from tierdesk.tickets.services.opening import Impact

router = Router(tags=["tickets"])

# Actions without required fields accept an empty body (``curl -X POST .../close``).
NO_FIELDS = Versioned.model_validate({})
NO_ASSIGN_FIELDS = AssignIn.model_validate({})
NO_ROUND_ROBIN_FIELDS = RoundRobinIn.model_validate({})
NO_RESUME_FIELDS = ResumeIn.model_validate({})


@router.post("/tickets/{ref}/assign", response=TICKET)
def ticket_assign(request: ApiRequest, ref: str, payload: AssignIn = NO_ASSIGN_FIELDS) -> Any:
    user = request.auth
    ticket = ticket_named(request, ref, payload.version)
    assignee = None
    if payload.assignee is not None:
        assignee = accounts_selectors.agent_user_get(user=user, user_id=payload.assignee)
    team = team_named(user, payload.team)
    return ticket_out(
        services.ticket_assign(actor=user, ticket=ticket, assignee=assignee, team=team)
    )


@router.post("/tickets/{ref}/assign-round-robin", response=TICKET)
def ticket_assign_round_robin(
    request: ApiRequest, ref: str, payload: RoundRobinIn = NO_ROUND_ROBIN_FIELDS
) -> Any:
    user = request.auth
    ticket = ticket_named(request, ref, payload.version)
    team = team_named(user, payload.team)
    return ticket_out(services.ticket_assign_round_robin(actor=user, ticket=ticket, team=team))


@router.post("/tickets/{ref}/priority", response=TICKET)
def ticket_set_priority(request: ApiRequest, ref: str, payload: PriorityIn) -> Any:
    ticket = ticket_named(request, ref, payload.version)
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
    ticket = ticket_named(request, ref, payload.version)
    impact = Impact(payload.affected, payload.total, payload.unit)
    return ticket_out(services.ticket_set_impact(actor=request.auth, ticket=ticket, impact=impact))


@router.post("/tickets/{ref}/escalate", response=TICKET)
def ticket_escalate(request: ApiRequest, ref: str, payload: EscalateIn) -> Any:
    """Up a level. From L1 the category's facts are needed: 422 ``missing_facts`` lists them."""
    user = request.auth
    ticket = ticket_named(request, ref, payload.version)
    return ticket_out(
        services.ticket_escalate(
            actor=user,
            ticket=ticket,
            reason=payload.reason,
            to_level=payload.to_level,
            facts=payload.facts,
            team=team_named(user, payload.team),
        )
    )


@router.post("/tickets/{ref}/hand-back", response=TICKET)
def ticket_hand_back(request: ApiRequest, ref: str, payload: HandBackIn) -> Any:
    user = request.auth
    ticket = ticket_named(request, ref, payload.version)
    return ticket_out(
        services.ticket_hand_back(
            actor=user,
            ticket=ticket,
            reason=payload.reason,
            to_level=payload.to_level,
            team=team_named(user, payload.team),
        )
    )


@router.post("/tickets/{ref}/pend", response=TICKET)
def ticket_pend(request: ApiRequest, ref: str, payload: PendIn) -> Any:
    ticket = ticket_named(request, ref, payload.version)
    return ticket_out(
        services.ticket_pend(
            actor=request.auth, ticket=ticket, reason=payload.reason.value, note=payload.note
        )
    )


@router.post("/tickets/{ref}/resume", response=TICKET)
def ticket_resume(request: ApiRequest, ref: str, payload: ResumeIn = NO_RESUME_FIELDS) -> Any:
    ticket = ticket_named(request, ref, payload.version)
    return ticket_out(services.ticket_resume(actor=request.auth, ticket=ticket, note=payload.note))


@router.post("/tickets/{ref}/resolve", response=TICKET)
def ticket_resolve(request: ApiRequest, ref: str, payload: ResolveIn) -> Any:
    ticket = ticket_named(request, ref, payload.version)
    return ticket_out(
        services.ticket_resolve(actor=request.auth, ticket=ticket, summary=payload.summary)
    )


@router.post("/tickets/{ref}/close", response=TICKET)
def ticket_close(request: ApiRequest, ref: str, payload: Versioned = NO_FIELDS) -> Any:
    ticket = ticket_named(request, ref, payload.version)
    return ticket_out(services.ticket_close(actor=request.auth, ticket=ticket))


@router.post("/tickets/{ref}/reopen", response={200: TicketOut, 201: TicketOut, **ERRORS})
def ticket_reopen(request: ApiRequest, ref: str, payload: ReopenIn, response: HttpResponse) -> Any:
    """Reopen within the reopen window (200, the same ticket). After it, a follow-up ticket is
    opened instead: 201 with its ``Location``, and its ``follow_up_of`` names this one."""
    ticket = ticket_named(request, ref, payload.version)
    now_open = services.ticket_reopen(actor=request.auth, ticket=ticket, reason=payload.reason)
    if now_open.pk == ticket.pk:
        return ticket_out(now_open)
    response["Location"] = location(now_open)
    return Status(201, ticket_out(now_open))

"""Teams, agents, who-am-I and personal API tokens over HTTP."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from ninja import Field, Query, Router, Schema, Status

from tierdesk.accounts import selectors, services
from tierdesk.accounts.api_auth import ApiRequest
from tierdesk.accounts.models import Agent, ApiToken, Team
from tierdesk.core.api.schemas import (
    ERRORS,
    Count,
    Id,
    In,
    Instant,
    PageOut,
    PageParams,
    Ref,
    org_ref,
    paginate,
    ref,
)

router = Router(tags=["people"])


class TeamOut(Schema):
    id: int
    name: str
    slug: str
    organization: Ref
    support_level: int
    email: str


class TeamPage(PageOut):
    items: list[TeamOut]


class AgentOut(Schema):
    id: int = Field(description="The agent's user id: what tickets are assigned to.")
    name: str
    username: str
    email: str
    organization: Ref
    support_level: int
    is_manager: bool
    is_available: bool
    teams: list[Ref]


class AgentPage(PageOut):
    items: list[AgentOut]


class MeOut(Schema):
    id: int | None
    username: str
    name: str
    email: str
    role: str
    organization: Ref | None
    support_level: int | None
    teams: list[Ref]
    contact_id: int | None


class TokenOut(Schema):
    id: int
    name: str
    hint: str = Field(description="The token's first characters, to tell tokens apart.")
    created_at: datetime
    expires_at: datetime | None
    last_used_at: datetime | None
    revoked_at: datetime | None


class NewTokenOut(TokenOut):
    token: str = Field(description="The token itself. Shown this once; only its hash is kept.")


class TokenPage(PageOut):
    items: list[TokenOut]


class TokenIn(In):
    name: str = Field(min_length=1, max_length=100)
    expires_at: Instant | None = None


def team_out(team: Team) -> dict[str, Any]:
    return {
        "id": team.pk,
        "name": team.name,
        "slug": team.slug,
        "organization": org_ref(team.organization),
        "support_level": team.support_level,
        "email": team.email,
    }


def agent_out(agent: Agent) -> dict[str, Any]:
    user = agent.user
    return {
        "id": user.pk,
        "name": str(user),
        "username": user.username,
        "email": user.email,
        "organization": org_ref(agent.organization),
        "support_level": agent.support_level,
        "is_manager": agent.is_manager,
        "is_available": agent.is_available,
        "teams": [ref(team) for team in agent.teams.all()],
    }


def token_out(token: ApiToken) -> dict[str, Any]:
    return {
        "id": token.pk,
        "name": token.name,
        "hint": token.hint,
        "created_at": token.created_at,
        "expires_at": token.expires_at,
        "last_used_at": token.last_used_at,
        "revoked_at": token.revoked_at,
    }


@router.get("/teams", response={200: TeamPage, **ERRORS}, tags=["teams"])
def team_list(request: ApiRequest, paging: Query[PageParams]) -> Any:
    """Agents only: vendor staff see every team, partner agents their own organization's."""
    return paginate(selectors.team_list(user=request.auth), paging, team_out)


@router.get("/agents", response={200: AgentPage, **ERRORS}, tags=["agents"])
def agent_list(
    request: ApiRequest,
    paging: Query[PageParams],
    team: Id | None = None,
    support_level: Count | None = None,
) -> Any:
    found = selectors.agent_list(user=request.auth, team_id=team, support_level=support_level)
    return paginate(found, paging, agent_out)


@router.get("/me", response={200: MeOut, **ERRORS}, tags=["me"])
def me(request: ApiRequest) -> Any:
    """Who the API takes you for: role, organization, support level, teams."""
    found = selectors.me_get(user=request.auth)
    user, principal = found.user, found.principal
    return {
        "id": user.pk,
        "username": user.username,
        "name": str(user),
        "email": user.email,
        "role": principal.role.value,
        "organization": org_ref(found.organization),
        "support_level": principal.support_level if principal.is_agent else None,
        "teams": [ref(team) for team in found.teams],
        "contact_id": principal.contact_id,
    }


@router.post("/tokens", response={201: NewTokenOut, **ERRORS}, tags=["tokens"])
def token_create(request: ApiRequest, payload: TokenIn) -> Any:
    """A new personal token for yourself. The response is the only time it is shown."""
    token, raw = services.api_token_create(
        actor=request.auth, name=payload.name, expires_at=payload.expires_at
    )
    return Status(201, {**token_out(token), "token": raw})


@router.get("/tokens", response={200: TokenPage, **ERRORS}, tags=["tokens"])
def token_list(request: ApiRequest, paging: Query[PageParams]) -> Any:
    return paginate(selectors.api_token_list(user=request.auth), paging, token_out)


@router.delete("/tokens/{token_id}", response={204: None, **ERRORS}, tags=["tokens"])
def token_revoke(request: ApiRequest, token_id: Id) -> Any:
    """Revoke one of your tokens; it stops working at once."""
    token = selectors.api_token_get(user=request.auth, pk=token_id, action="revoke")
    services.api_token_revoke(actor=request.auth, token=token)
    return Status(204, None)

"""Every read of users, teams, agents and API tokens, already scoped to the user."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.core.exceptions import ObjectDoesNotExist
from django.db import router
from django.db.models import QuerySet

from tierdesk.accounts import policies
from tierdesk.accounts.models import Agent, ApiToken, Team, User, hash_token
from tierdesk.accounts.principal import (
    Principal,
    principal_of,
    team_ids_loaded,
    tokens_with_principal,
    users_with_principal,
)
from tierdesk.core.errors import NotFound
from tierdesk.core.fetch import CompiledQuery, Param

# Longer than any token ApiToken.generate() makes: anything longer is not worth hashing.
MAX_TOKEN_LENGTH = 100

# The lookups behind every request (the token; the session's user): the ORM writes each
# statement once per process (``core.fetch.CompiledQuery``), since compiling select_related
# over five tables costs more than running it.
_TOKEN = CompiledQuery(
    lambda: tokens_with_principal().filter(
        key_hash=Param("key_hash", ApiToken._meta.get_field("key_hash"))
    )
)
_USER = CompiledQuery(lambda: users_with_principal().filter(pk=Param("pk", User._meta.pk)))


def api_token_for_key(raw: str) -> ApiToken | None:
    """The token with this raw value, or ``None``; usable or not (see ``api_token_problem``).

    One query: the lookup goes through the unique ``key_hash`` index and brings along all that
    ``principal_of`` needs (``tokens_with_principal``), so authenticating a request costs this
    query alone.
    """
    if not raw.startswith(ApiToken.PREFIX) or len(raw) > MAX_TOKEN_LENGTH:
        return None
    token = _TOKEN.first(router.db_for_read(ApiToken), key_hash=hash_token(raw))
    if token is not None:
        team_ids_loaded(token.user, token)
    return token


def user_with_principal(pk: int) -> User | None:
    """The user with what ``principal_of`` needs, in one query (the session's user on every
    page: see ``tierdesk.accounts.backends``)."""
    user = _USER.first(router.db_for_read(User), pk=pk)
    return None if user is None else team_ids_loaded(user, user)


def api_token_problem(token: ApiToken, at: datetime) -> str | None:
    """Why the token cannot be used at ``at`` (for the 401 message), or ``None`` if it can."""
    if token.revoked_at is not None:
        return "The API token was revoked."
    if token.expires_at is not None and token.expires_at <= at:
        return "The API token has expired."
    if not token.user.is_active:
        return "The API token's user is deactivated."
    return None


def api_token_list(*, user: Any) -> QuerySet[ApiToken]:
    return policies.visible(user, policies.VIEW, ApiToken.objects.all()).order_by("-created_at")


def api_token_get(*, user: Any, pk: int, action: str = policies.VIEW) -> ApiToken:
    token = policies.visible(user, action, ApiToken.objects.all()).filter(pk=pk).first()
    if token is None:
        raise NotFound("No such API token.")
    return token


def team_list(*, user: Any) -> QuerySet[Team]:
    teams = policies.visible(user, policies.VIEW, Team.objects.all())
    return teams.select_related("organization").order_by("name", "id")


def team_get(*, user: Any, pk: int, field: str | None = "team") -> Team:
    team = team_list(user=user).filter(pk=pk).first()
    if team is None:
        raise NotFound("No such team.", field=field)
    return team


def agent_list(
    *, user: Any, team_id: int | None = None, support_level: int | None = None
) -> QuerySet[Agent]:
    agents = policies.visible(user, policies.VIEW, Agent.objects.all())
    if team_id is not None:
        agents = agents.filter(teams=team_id)
    if support_level is not None:
        agents = agents.filter(support_level=support_level)
    return (
        agents.select_related("user", "organization")
        .prefetch_related("teams")
        .order_by("user__username", "id")
    )


def agent_user_get(*, user: Any, user_id: int, field: str | None = "assignee") -> User:
    """The user of an agent the actor may see (to assign a ticket to), else ``NotFound``."""
    agent = agent_list(user=user).filter(user_id=user_id).first()
    if agent is None:
        raise NotFound("No such agent.", field=field)
    return agent.user


@dataclass(frozen=True)
class Me:
    user: User
    principal: Principal
    organization: Any  # the CRM's Organization of the agent or contact, or None
    teams: list[Team]


def me_get(*, user: Any) -> Me:
    """Who the user is, as the policies see them: role, organization, level and teams."""
    principal = principal_of(user)
    organization = _own_organization(user)
    teams = list(Team.objects.filter(pk__in=principal.team_ids).order_by("name", "id"))
    return Me(user=user, principal=principal, organization=organization, teams=teams)


def _own_organization(user: Any) -> Any:
    for name in ("agent", "contact"):
        try:
            return getattr(user, name).organization
        except ObjectDoesNotExist:
            continue
    return None

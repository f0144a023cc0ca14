"""Every read of users, teams, agents and API tokens, already scoped to the user."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.core.exceptions import ObjectDoesNotExist
from django.db import connection
from django.db.models import QuerySet, TextField
from django.db.models.expressions import RawSQL

from tierdesk.accounts import policies
from tierdesk.accounts.models import Agent, ApiToken, Team, User, hash_token
from tierdesk.accounts.principal import Principal, known_team_ids, principal_of
from tierdesk.core.errors import NotFound
from tierdesk.crm.models import Organization

# Longer than any token ApiToken.generate() makes: anything longer is not worth hashing.
MAX_TOKEN_LENGTH = 100


def api_token_for_key(raw: str) -> ApiToken | None:
    """The token with this raw value, or ``None``; usable or not (see ``api_token_problem``).

    One query: the lookup goes through the unique ``key_hash`` index and brings along all that
    ``principal_of`` needs (the agent or contact, its organization, the agent's team ids), so
    authenticating a request costs this query alone.
    """
    if not raw.startswith(ApiToken.PREFIX) or len(raw) > MAX_TOKEN_LENGTH:
        return None
    tokens = ApiToken.objects.select_related(
        "user", "user__agent__organization", "user__contact__organization"
    ).annotate(agent_team_ids=team_ids_of_user(f"{ApiToken._meta.db_table}.user_id"))
    found = next(iter(tokens.filter(key_hash=hash_token(raw)).order_by()[:1]), None)
    if found is not None:
        _hand_over_team_ids(found.user, found.agent_team_ids)
    return found


def user_with_principal(pk: int) -> User | None:
    """The user with what ``principal_of`` needs, in one query (the session's user on every
    page: see ``tierdesk.accounts.backends``)."""
    users = User.objects.select_related("agent__organization", "contact__organization")
    users = users.annotate(agent_team_ids=team_ids_of_user(f"{User._meta.db_table}.id"))
    found = next(iter(users.filter(pk=pk).order_by()[:1]), None)
    if found is not None:
        _hand_over_team_ids(found, found.agent_team_ids)
    return found


def team_ids_of_user(user_id_column: str) -> RawSQL:
    """The team ids (``"3,7"``, "" for none) of the agent whose user id is in
    ``user_id_column``: a subquery for the query that loads the user.

    Written out because the ORM's Subquery/StringAgg/Coalesce took longer to compile than the
    separate query it replaces (measured); the outer table is named by its table name, which
    is always its alias in Django's SQL.
    """
    memberships, agents = Agent.teams.through._meta.db_table, Agent._meta.db_table
    aggregate = (
        "string_agg(CAST(m.team_id AS text), ',')"
        if connection.vendor == "postgresql"
        else "group_concat(m.team_id, ',')"
    )
    return RawSQL(
        f"COALESCE((SELECT {aggregate} FROM {memberships} m JOIN {agents} a ON a.id = m.agent_id"
        f" WHERE a.user_id = {user_id_column}), '')",
        [],
        output_field=TextField(),
    )


def _hand_over_team_ids(user: User, team_ids: str) -> None:
    try:
        agent = user.agent
    except ObjectDoesNotExist:
        return
    known_team_ids(agent, team_ids)


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
    organization: Organization | None
    teams: list[Team]


def me_get(*, user: Any) -> Me:
    """Who the user is, as the policies see them: role, organization, level and teams."""
    principal = principal_of(user)
    organization = _own_organization(user)
    teams = list(Team.objects.filter(pk__in=principal.team_ids).order_by("name", "id"))
    return Me(user=user, principal=principal, organization=organization, teams=teams)


def _own_organization(user: Any) -> Organization | None:
    for name in ("agent", "contact"):
        try:
            return getattr(user, name).organization
        except ObjectDoesNotExist:
            continue
    return None

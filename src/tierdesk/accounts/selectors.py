"""Every read of users, teams, agents and API tokens, already scoped to the user."""

from __future__ import annotations

import functools
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.core.exceptions import ObjectDoesNotExist
from django.db import DEFAULT_DB_ALIAS, connection, connections
from django.db.models import QuerySet

from tierdesk.accounts import policies
from tierdesk.accounts.models import Agent, ApiToken, Team, User, hash_token
from tierdesk.accounts.principal import Principal, known_team_ids, principal_of
from tierdesk.core.errors import NotFound
from tierdesk.core.fetch import ModelColumns
from tierdesk.crm.models import Contact, Organization

# Longer than any token ApiToken.generate() makes: anything longer is not worth hashing.
MAX_TOKEN_LENGTH = 100


def api_token_for_key(raw: str) -> ApiToken | None:
    """The token with this raw value, or ``None``; usable or not (see ``api_token_problem``).

    One query: the lookup goes through the unique ``key_hash`` index and brings along all that
    ``principal_of`` needs (the agent or contact, its organization, the agent's team ids), so
    authenticating a request costs this query alone. Written out (``_principal_sql``): the
    ORM's select_related over five tables took longer to compile than the query took to run
    (measured: about a sixth of an API list request's CPU).
    """
    if not raw.startswith(ApiToken.PREFIX) or len(raw) > MAX_TOKEN_LENGTH:
        return None
    tables = f"{ApiToken._meta.db_table} tk JOIN {User._meta.db_table} u ON u.id = tk.user_id"
    row = _principal_row(_TOKEN.sql(), tables, "tk.key_hash = %s", hash_token(raw))
    if row is None:
        return None
    token = _TOKEN.build(row, 0, connections[DEFAULT_DB_ALIAS])
    token.user = _user_from_row(row, len(_TOKEN.fields))
    return token


def user_with_principal(pk: int) -> User | None:
    """The user with what ``principal_of`` needs, in one query (the session's user on every
    page: see ``tierdesk.accounts.backends``)."""
    row = _principal_row("", f"{User._meta.db_table} u", "u.id = %s", pk)
    return None if row is None else _user_from_row(row, 0)


_TOKEN = ModelColumns(ApiToken, "tk")
_USER = ModelColumns(User, "u")
_AGENT = ModelColumns(Agent, "a")
_AGENT_ORGANIZATION = ModelColumns(Organization, "ao")
_CONTACT = ModelColumns(Contact, "c")
_CONTACT_ORGANIZATION = ModelColumns(Organization, "co")
_PRINCIPAL_PARTS = (_USER, _AGENT, _AGENT_ORGANIZATION, _CONTACT, _CONTACT_ORGANIZATION)


def _principal_row(first: str, tables: str, where: str, value: Any) -> Sequence[Any] | None:
    with connection.cursor() as cursor:
        cursor.execute(_principal_sql(connection.vendor, first, tables, where), [value])
        return cursor.fetchone()


@functools.cache
def _principal_sql(vendor: str, first: str, tables: str, where: str) -> str:
    """The row of ``first`` columns, then the user, the agent and the contact with their
    organizations and, last, the agent's team ids."""
    columns = ", ".join(part.sql() for part in _PRINCIPAL_PARTS)
    return (
        f"SELECT {first + ', ' if first else ''}{columns}, {_team_ids_sql(vendor, 'a.id')}"
        f" FROM {tables}"
        f" LEFT JOIN {Agent._meta.db_table} a ON a.user_id = u.id"
        f" LEFT JOIN {Organization._meta.db_table} ao ON ao.id = a.organization_id"
        f" LEFT JOIN {Contact._meta.db_table} c ON c.user_id = u.id"
        f" LEFT JOIN {Organization._meta.db_table} co ON co.id = c.organization_id"
        f" WHERE {where}"
    )


def _user_from_row(row: Sequence[Any], start: int) -> User:
    """The user and, cached on it as ``select_related`` leaves them, its agent and contact
    (``None`` when there is none) with their organizations and the agent's team ids."""
    built, db = [], connections[DEFAULT_DB_ALIAS]
    for part in _PRINCIPAL_PARTS:
        built.append(part.build(row, start, db))
        start += len(part.fields)
    user, agent, agent_organization, contact, contact_organization = built
    pairs = (
        (agent, _AGENT_USER, agent_organization),
        (contact, _CONTACT_USER, contact_organization),
    )
    for owner, field, organization in pairs:
        field.remote_field.set_cached_value(user, owner)
        if owner is not None:
            field.set_cached_value(owner, user)
            owner.organization = organization
    if agent is not None:
        known_team_ids(agent, row[start] or "")
    return user


_AGENT_USER = Agent._meta.get_field("user")
_CONTACT_USER = Contact._meta.get_field("user")


def _team_ids_sql(vendor: str, agent_id_column: str) -> str:
    """The team ids (``"3,7"``, NULL for none) of the agent whose id is in
    ``agent_id_column``: a subquery for the query that loads the user."""
    aggregate = (
        "string_agg(CAST(m.team_id AS text), ',')"
        if vendor == "postgresql"
        else "group_concat(m.team_id, ',')"
    )
    memberships = Agent.teams.through._meta.db_table
    return f"(SELECT {aggregate} FROM {memberships} m WHERE m.agent_id = {agent_id_column})"


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

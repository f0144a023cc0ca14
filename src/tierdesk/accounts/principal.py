"""Who a user is, for permission checks: worked out once per request, then plain data.

Policies across all apps read a ``Principal`` rather than walking relations, so a permission check
costs no queries after the first, and ``can`` and ``visible`` read the very same facts.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from django.core.exceptions import ObjectDoesNotExist
from django.db.models import CharField, OuterRef, QuerySet, StringAgg, Subquery, Value
from django.db.models.functions import Cast

from tierdesk.accounts.models import Agent, ApiToken, User


class Role(StrEnum):
    SYSTEM = "system"  # Tierdesk itself: sweeps, intake, imports
    ADMIN = "admin"  # configures; sees everything
    MANAGER = "manager"  # sees and acts on every ticket
    VENDOR_AGENT = "vendor_agent"
    PARTNER_AGENT = "partner_agent"
    CONTACT = "contact"
    NOBODY = "nobody"  # anonymous, or a sign-in with neither agent nor contact


@dataclass(frozen=True, slots=True)
class Principal:
    role: Role
    user_id: int | None = None
    organization_id: int | None = None
    support_level: int = 0
    team_ids: frozenset[int] = frozenset()
    contact_id: int | None = None
    sees_whole_organization: bool = False

    @property
    def sees_everything(self) -> bool:
        return self.role in {Role.SYSTEM, Role.ADMIN, Role.MANAGER}

    @property
    def is_agent(self) -> bool:
        return self.role in {Role.ADMIN, Role.MANAGER, Role.VENDOR_AGENT, Role.PARTNER_AGENT}

    @property
    def is_staff_side(self) -> bool:
        """Vendor-side staff (and the system): may see internal notes of tickets they see."""
        return self.sees_everything or self.role in {Role.VENDOR_AGENT, Role.PARTNER_AGENT}


class SystemActor:
    """The actor for work Tierdesk does by itself. Events record it as an empty actor."""

    pk = None
    id = None
    is_authenticated = True
    is_active = True
    is_superuser = False

    def __str__(self) -> str:
        return "Tierdesk"


SYSTEM = SystemActor()
SYSTEM_PRINCIPAL = Principal(role=Role.SYSTEM, support_level=3)
NOBODY = Principal(role=Role.NOBODY)


def principal_of(user: Any) -> Principal:
    """The user's principal, cached on the user object for the rest of the request."""
    if user is SYSTEM:
        return SYSTEM_PRINCIPAL
    if user is None or not getattr(user, "is_authenticated", False) or not user.is_active:
        return NOBODY
    cached = getattr(user, "_tierdesk_principal", None)
    if cached is None:
        cached = _load_principal(user)
        user._tierdesk_principal = cached
    return cached


def _load_principal(user: Any) -> Principal:
    agent, contact = _agent_and_contact(user)
    if user.is_superuser:
        level = agent.support_level if agent else 3
        return Principal(role=Role.ADMIN, user_id=user.pk, support_level=level)
    if agent is not None:
        return _agent_principal(user, agent)
    if contact is not None:
        return Principal(
            role=Role.CONTACT,
            user_id=user.pk,
            organization_id=contact.organization_id,
            contact_id=contact.pk,
            sees_whole_organization=contact.organization.contacts_see_all_tickets,
        )
    return Principal(role=Role.NOBODY, user_id=user.pk)


def _agent_and_contact(user: Any) -> tuple[Any, Any]:
    """The user's agent and contact (``None`` for none; an agent's contact is not read) with
    their organizations: as loaded with the user (``users_with_principal``), else in one query."""
    cached = user._state.fields_cache
    if cached.get("agent") is not None:
        return cached["agent"], None
    if "agent" in cached and "contact" in cached:
        return None, cached["contact"]
    loaded = users_with_principal().filter(pk=user.pk).first()
    if loaded is None:
        return None, None
    team_ids_loaded(loaded, loaded)
    return _related(loaded, "agent"), _related(loaded, "contact")


def _agent_principal(user: Any, agent: Any) -> Principal:
    if agent.is_manager:
        role = Role.MANAGER
    elif agent.organization.is_partner:
        role = Role.PARTNER_AGENT
    else:
        role = Role.VENDOR_AGENT
    return Principal(
        role=role,
        user_id=user.pk,
        organization_id=agent.organization_id,
        support_level=agent.support_level,
        team_ids=_team_ids(agent),
    )


def _team_ids(agent: Any) -> frozenset[int]:
    known = getattr(agent, "_tierdesk_team_ids", None)
    if known is not None:
        return known
    return frozenset(agent.teams.values_list("id", flat=True))


def _related(user: Any, name: str) -> Any:
    try:
        return getattr(user, name)
    except ObjectDoesNotExist:
        return None


# ---- loading users with what their principal needs, in one statement ----------------------

# The agent's team ids, ``"3,7"`` (NULL for none), read along with the user.
TEAM_IDS = "principal_team_ids"


def _team_ids_of(agent_id: str) -> Subquery:
    """The team ids of the agent whose id is at ``agent_id`` (a path from the outer query)."""
    memberships = Agent.teams.through.objects.filter(agent_id=OuterRef(agent_id))
    joined = StringAgg(Cast("team_id", CharField()), Value(","))
    per_agent = memberships.values("agent_id").annotate(ids=joined)
    return Subquery(per_agent.values("ids"))  # type: ignore[misc]  # stubs miss annotated names


def users_with_principal() -> QuerySet[User]:
    """Users with all that ``principal_of`` reads: the agent and the contact (the CRM's, through
    its relation to the user) with their organizations, and the agent's team ids."""
    return User.objects.select_related("agent__organization", "contact__organization").annotate(
        **{TEAM_IDS: _team_ids_of("agent__id")}
    )


def tokens_with_principal() -> QuerySet[ApiToken]:
    """API tokens with their users as ``users_with_principal`` loads them."""
    related = ("user__agent__organization", "user__contact__organization")
    return (
        ApiToken.objects.select_related(*related)
        .annotate(**{TEAM_IDS: _team_ids_of("user__agent__id")})
        .order_by()
    )


def team_ids_loaded(user: Any, loaded_with: Any) -> Any:
    """Hand the team ids that ``loaded_with`` (the user, or the token) was read with to the
    user's agent, so that the principal costs no query of its own. Returns the user."""
    agent = _related(user, "agent")
    if agent is not None:
        team_ids = getattr(loaded_with, TEAM_IDS) or ""
        agent._tierdesk_team_ids = frozenset(int(pk) for pk in team_ids.split(",") if pk)
    return user

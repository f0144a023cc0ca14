"""Who a user is, for permission checks: worked out once per request, then plain data.

Policies across all apps read a ``Principal`` rather than walking relations, so a permission check
costs no queries after the first, and ``can`` and ``visible`` read the very same facts.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from django.core.exceptions import ObjectDoesNotExist


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
    agent = _agent_of(user)
    if user.is_superuser:
        level = agent.support_level if agent else 3
        return Principal(role=Role.ADMIN, user_id=user.pk, support_level=level)
    if agent is not None:
        return _agent_principal(user, agent)
    contact = _contact_of(user)
    if contact is not None:
        return Principal(
            role=Role.CONTACT,
            user_id=user.pk,
            organization_id=contact.organization_id,
            contact_id=contact.pk,
            sees_whole_organization=contact.organization.contacts_see_all_tickets,
        )
    return Principal(role=Role.NOBODY, user_id=user.pk)


def known_team_ids(agent: Any, team_ids: str) -> None:
    """Hand over the agent's team ids (``"3,7"``) that a query already read, so that the
    principal costs no query of its own (the API token lookup reads them)."""
    agent._tierdesk_team_ids = frozenset(int(pk) for pk in team_ids.split(",") if pk)


def _agent_principal(user: Any, agent: Any) -> Principal:
    from tierdesk.crm.models import OrganizationKind

    if agent.is_manager:
        role = Role.MANAGER
    elif agent.organization.kind == OrganizationKind.PARTNER:
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


def _agent_of(user: Any) -> Any:
    """The user's agent with its organization, in one query (or none, if already loaded)."""
    from tierdesk.accounts.models import Agent

    if "agent" in user._state.fields_cache:
        return _related(user, "agent")
    return Agent.objects.select_related("organization").filter(user_id=user.pk).first()


def _contact_of(user: Any) -> Any:
    from tierdesk.crm.models import Contact

    if "contact" in user._state.fields_cache:
        return _related(user, "contact")
    return Contact.objects.select_related("organization").filter(user_id=user.pk).first()


def _related(user: Any, name: str) -> Any:
    try:
        return getattr(user, name)
    except ObjectDoesNotExist:
        return None

"""Who may see teams, agents and API tokens: one rule, two faces (M8).

- Teams and agents are the support side's directory: admins, managers and vendor agents see all
  of it; partner agents see their own organization's teams and agents; contacts see none.
- API tokens are personal: each user sees and revokes only their own, admins included (an admin
  deactivates a user instead).

``visible(user, action, queryset)`` narrows a queryset of teams, agents or tokens;
``can(user, action, obj)`` answers for one, from the same facts.
"""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet

from tierdesk.accounts.models import Agent, ApiToken, Team
from tierdesk.accounts.principal import Principal, Role, principal_of

VIEW = "view"
REVOKE = "revoke"
# Changing how the product works for everyone: calendars, plans, categories, mailboxes, teams
# and agents. Admins and managers; nobody else sees the configuration pages at all.
CONFIGURE = "configure"
DIRECTORY_ACTIONS = frozenset({VIEW})
TOKEN_ACTIONS = frozenset({VIEW, REVOKE})


def visible(user: Any, action: str, queryset: QuerySet) -> QuerySet:
    principal = principal_of(user)
    if queryset.model is ApiToken:
        if action not in TOKEN_ACTIONS or principal.user_id is None:
            return queryset.none()
        return queryset.filter(user_id=principal.user_id)
    if action not in DIRECTORY_ACTIONS or not _in_directory(principal):
        return queryset.none()
    if _sees_whole_directory(principal):
        return queryset
    return queryset.filter(organization_id=principal.organization_id)


def can(user: Any, action: str, obj: Team | Agent | ApiToken) -> bool:
    principal = principal_of(user)
    if isinstance(obj, ApiToken):
        return (
            action in TOKEN_ACTIONS
            and principal.user_id is not None
            and (obj.user_id == principal.user_id)
        )
    if action not in DIRECTORY_ACTIONS or not _in_directory(principal):
        return False
    return _sees_whole_directory(principal) or obj.organization_id == principal.organization_id


def _in_directory(principal: Principal) -> bool:
    return principal.is_agent or principal.role is Role.SYSTEM


def _sees_whole_directory(principal: Principal) -> bool:
    return principal.sees_everything or principal.role is Role.VENDOR_AGENT


def may_configure(user: Any) -> bool:
    return principal_of(user).role in {Role.ADMIN, Role.MANAGER}

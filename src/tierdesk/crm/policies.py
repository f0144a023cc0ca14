"""Who may see which organizations and contacts: one rule, two faces (M8).

- Admins, managers and vendor agents see every organization and contact: they support them all.
- Partner agents see their own organization and its customers, and the contacts of both.
- Contacts see their own organization and its contacts.
- Anybody else sees nothing.

``visible(user, action, queryset)`` narrows a queryset of organizations or contacts;
``can(user, action, obj)`` answers for one. Both read the same ``_scope`` facts, and a test checks
that they agree for every persona.

``ACT_FOR`` is "which organizations may this actor act for": open tickets on an organization's
behalf, name its contacts as reporters. It is the one home of that rule (the desk's party search,
the API, the portal and the ticket service all ask it) and has the same scope as seeing.
"""

from __future__ import annotations

from typing import Any

from django.db.models import Q, QuerySet

from tierdesk.accounts.principal import Principal, Role, principal_of
from tierdesk.crm.models import Contact, Organization

VIEW = "view"
ACT_FOR = "act_for"
ACTIONS = frozenset({VIEW, ACT_FOR})


def visible(user: Any, action: str, queryset: QuerySet) -> QuerySet:
    principal = principal_of(user)
    if action not in ACTIONS or principal.role is Role.NOBODY:
        return queryset.none()
    if _sees_all(principal):
        return queryset
    prefix = "organization__" if queryset.model is Contact else ""
    own = principal.organization_id
    scope = Q(**{f"{prefix}pk": own})
    if principal.role is Role.PARTNER_AGENT:
        scope |= Q(**{f"{prefix}partner_id": own})
    return queryset.filter(scope)


def can(user: Any, action: str, obj: Organization | Contact) -> bool:
    principal = principal_of(user)
    if action not in ACTIONS or principal.role is Role.NOBODY:
        return False
    if _sees_all(principal):
        return True
    organization = obj.organization if isinstance(obj, Contact) else obj
    if principal.role is Role.PARTNER_AGENT:
        return principal.organization_id in {organization.pk, organization.partner_id}
    return organization.pk == principal.organization_id


def _sees_all(principal: Principal) -> bool:
    return principal.sees_everything or principal.role is Role.VENDOR_AGENT

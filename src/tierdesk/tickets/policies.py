"""Who may see and do what to tickets: one rule, two faces (M8).

``visible(user, action, queryset)`` narrows a queryset to the tickets the user may act on;
``can(user, action, ticket)`` answers for one ticket. Both are built from the same two
predicates (``_sees`` / ``_scope`` and ``_may_work``), and a test checks they agree for every
persona and ticket.

- Contacts see their organization's tickets, or only their own when the organization says so;
  they reply, attach, close (confirm a resolution) and reopen.
- Partner agents see their customers' tickets and their own organization's, and work them as
  level 1: beyond L1 they may still reply and add notes, but the ticket is the vendor's.
- Vendor agents see their teams' tickets, tickets assigned to them, and team-less tickets at or
  below their level; they work tickets at or below their level.
- Managers and admins see and do everything.
"""

from __future__ import annotations

from typing import Any

from django.db.models import Q, QuerySet

from tierdesk.accounts.principal import Principal, Role, principal_of
from tierdesk.crm.models import Organization, OrganizationKind
from tierdesk.tickets.domain import Action

VIEW = "view"
CONTACT_ACTIONS = frozenset({VIEW, Action.REPLY, Action.ATTACH, Action.CLOSE, Action.REOPEN})
# Actions any agent who sees a ticket may take, whatever its level: talking about it.
CONVERSATION_ACTIONS = frozenset({VIEW, Action.REPLY, Action.NOTE, Action.ATTACH})


def visible(user: Any, action: str, queryset: QuerySet) -> QuerySet:
    principal = principal_of(user)
    if principal.sees_everything:
        return queryset
    if principal.role is Role.NOBODY:
        return queryset.none()
    scoped = queryset.filter(_scope(principal))
    if principal.role is Role.CONTACT:
        return scoped if action in CONTACT_ACTIONS else queryset.none()
    if action in CONVERSATION_ACTIONS:
        return scoped
    return scoped.filter(support_level__lte=_working_level(principal))


def can(user: Any, action: str, ticket: Any) -> bool:
    principal = principal_of(user)
    if principal.sees_everything:
        return True
    if principal.role is Role.NOBODY or not _sees(principal, ticket):
        return False
    if principal.role is Role.CONTACT:
        return action in CONTACT_ACTIONS
    if action in CONVERSATION_ACTIONS:
        return True
    return ticket.support_level <= _working_level(principal)


def may_be_assigned(candidate: Any, ticket: Any) -> bool:
    """Whether the ticket may be given to ``candidate`` (a user): an active agent who sees it once
    it is theirs. A vendor agent does (their own tickets); a partner's agent only on its own
    organization's and its customers' tickets; a manager or admin always. Assigning anyone else
    would orphan the ticket with somebody who gets 404 for it."""
    principal = principal_of(candidate)
    if not principal.is_agent:
        return False
    if principal.sees_everything:
        return True
    as_theirs = _AsAssigned(ticket, principal.user_id)
    return _sees(principal, as_theirs)


def assignable(ticket: Any, agents: QuerySet) -> QuerySet:
    """The agents (a queryset of ``accounts.Agent``) ``may_be_assigned`` the ticket: the same
    rule as a query, for the forms that offer a choice."""
    owners = {ticket.organization_id, ticket.organization.partner_id} - {None}
    return agents.filter(user__is_active=True).filter(
        Q(is_manager=True)
        | Q(user__is_superuser=True)
        | ~Q(organization__kind=OrganizationKind.PARTNER)
        | Q(organization_id__in=owners)
    )


class _AsAssigned:
    """A ticket as it would be once assigned to ``user_id`` (for ``_sees``)."""

    def __init__(self, ticket: Any, user_id: int | None) -> None:
        self.organization = ticket.organization
        self.organization_id = ticket.organization_id
        self.reporter_id = ticket.reporter_id
        self.team_id = ticket.team_id
        self.support_level = ticket.support_level
        self.assignee_id = user_id


def sees_internal(user: Any) -> bool:
    """Internal notes and internal events are for the support side only."""
    return principal_of(user).is_staff_side


def _working_level(principal: Principal) -> int:
    # A partner works tickets as level 1 only: above that the ticket belongs to the vendor.
    return 1 if principal.role is Role.PARTNER_AGENT else principal.support_level


def _partner_customer_ids(partner_id: int | None) -> QuerySet:
    return Organization.objects.filter(partner_id=partner_id).values("id")


def _scope(principal: Principal) -> Q:
    role = principal.role
    if role is Role.CONTACT:
        if principal.sees_whole_organization:
            return Q(organization_id=principal.organization_id)
        return Q(reporter_id=principal.contact_id)
    if role is Role.PARTNER_AGENT:
        own = Q(organization_id=principal.organization_id)
        return own | Q(organization_id__in=_partner_customer_ids(principal.organization_id))
    if role is Role.VENDOR_AGENT:
        return (
            Q(team_id__in=principal.team_ids)
            | Q(assignee_id=principal.user_id)
            | Q(team__isnull=True, support_level__lte=principal.support_level)
        )
    return Q(pk__in=[])


def _sees(principal: Principal, ticket: Any) -> bool:
    role = principal.role
    if role is Role.CONTACT:
        if principal.sees_whole_organization:
            return ticket.organization_id == principal.organization_id
        return ticket.reporter_id == principal.contact_id
    if role is Role.PARTNER_AGENT:
        org = ticket.organization
        return principal.organization_id in {org.pk, org.partner_id}
    if role is Role.VENDOR_AGENT:
        return (
            ticket.team_id in principal.team_ids
            or (ticket.assignee_id is not None and ticket.assignee_id == principal.user_id)
            or (ticket.team_id is None and ticket.support_level <= principal.support_level)
        )
    return False

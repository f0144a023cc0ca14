"""Who may see and work problems, incidents, root-cause reports and changes: one rule, two faces.

- Problems, incidents, RCAs and changes are worked by the vendor's side: vendor agents,
  managers, admins (and Tierdesk itself). Partner agents work their customers' tickets in the
  desk but see no problem: a problem spans the vendor's customers.
- Of a problem's linked tickets an agent sees those ``tickets.policies`` lets them see.
- Contacts see an incident's status page when their organization is affected, the root-cause
  reports released to their organization, and the changes that touch it (and decide on those
  their plan asks them to approve). Never another organization's.
- Only managers and admins approve changes on the vendor's side; an RCA is reviewed by a vendor
  agent of level 2 or more, or a manager, never its author (checked on the report).

``visible(user, action, queryset)`` narrows a queryset of the model the action is about;
``can(user, action, obj)`` answers for one object. ``tests/problems/test_policies.py`` checks
that they agree for every persona.
"""

from __future__ import annotations

from typing import Any

from django.db.models import Model, Q, QuerySet

from tierdesk.accounts.principal import Principal, Role, principal_of
from tierdesk.problems.models import (
    ChangeRequest,
    Decision,
    Incident,
    Problem,
    RcaState,
    RootCauseReport,
)

VIEW = "view"  # the desk's view of a problem, incident, RCA or change
WORK = "work"  # create and change them
APPROVE = "approve"  # a change, on the vendor's side
REVIEW = "review"  # an RCA
STATUS = "status"  # a contact: the incident's status page, a released RCA, a change
DECIDE = "decide"  # a contact: approve or reject a change for their organization
ACTIONS = frozenset({VIEW, WORK, APPROVE, REVIEW, STATUS, DECIDE})

_VENDOR_SIDE = frozenset({Role.SYSTEM, Role.ADMIN, Role.MANAGER, Role.VENDOR_AGENT})


def is_vendor_side(user: Any) -> bool:
    return principal_of(user).role in _VENDOR_SIDE


def _desk_may(principal: Principal, action: str) -> bool:
    if principal.role not in _VENDOR_SIDE:
        return False
    if action in {VIEW, WORK}:
        return True
    if action == APPROVE:
        return principal.sees_everything
    if action == REVIEW:
        return principal.sees_everything or principal.support_level >= 2
    return False


def visible(user: Any, action: str, queryset: QuerySet[Any]) -> QuerySet[Any]:
    principal = principal_of(user)
    if action not in ACTIONS:
        return queryset.none()
    if action in {STATUS, DECIDE}:
        if principal.role is not Role.CONTACT:
            return queryset.none()
        return queryset.filter(_contact_scope(principal, queryset.model, action))
    return queryset if _desk_may(principal, action) else queryset.none()


def can(user: Any, action: str, obj: Model) -> bool:
    principal = principal_of(user)
    if action not in ACTIONS:
        return False
    if action in {STATUS, DECIDE}:
        return principal.role is Role.CONTACT and _contact_sees(principal, obj, action)
    return _desk_may(principal, action)


def _contact_scope(principal: Principal, model: type[Model], action: str) -> Q:
    org = principal.organization_id or 0  # a contact always has one
    if model is Incident and action == STATUS:
        return Q(affected__organization_id=org)
    if model is RootCauseReport and action == STATUS:
        return Q(organization_id=org, state=RcaState.RELEASED)
    if model is ChangeRequest:
        scope = Q(affected__organization_id=org)
        if action == DECIDE:
            scope &= Q(affected__decision=Decision.PENDING)
        return scope
    return Q(pk__in=[])


def _contact_sees(principal: Principal, obj: Model, action: str) -> bool:
    org = principal.organization_id or 0  # a contact always has one
    if isinstance(obj, Incident) and action == STATUS:
        return obj.affected.filter(organization_id=org).exists()
    if isinstance(obj, RootCauseReport) and action == STATUS:
        return obj.organization_id == org and obj.state == RcaState.RELEASED
    if isinstance(obj, ChangeRequest):
        mine = obj.affected.filter(organization_id=org)
        if action == DECIDE:
            mine = mine.filter(decision=Decision.PENDING)
        return mine.exists()
    return False


def problem_visible(user: Any) -> QuerySet[Problem]:
    """The problems the user may see in the desk (none for anybody else)."""
    return visible(user, VIEW, Problem.objects.all())

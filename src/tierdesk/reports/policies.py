"""Who may see which figures: one rule, two faces.

- The managers' dashboard, every organization's figures and the drill-down lists are for
  managers and admins.
- An organization's monthly report (and the rollups behind it, through the API) is seen by
  managers and admins; by a partner's agents for the partner itself (its report covers its
  customers) and for each of its customers; and by the organization's contacts marked as report
  recipients (``ReportRecipient``). Anybody else gets 404.
- A ticket is rated by its reporter once it is resolved or closed.

``visible(user, action, queryset)`` narrows organizations (``REPORT``) or rollup rows
(``ROLLUPS``); ``can(user, action, obj)`` answers for one organization, rollup row or ticket.
``tests/reports/test_policies.py`` checks the faces agree for every persona.
"""

from __future__ import annotations

from typing import Any

from django.db.models import Q, QuerySet

from tierdesk.accounts.principal import Principal, Role, principal_of
from tierdesk.crm.models import Organization
from tierdesk.reports.models import ReportRecipient
from tierdesk.tickets.domain import Status

DASHBOARD = "dashboard"
REPORT = "report"
ROLLUPS = "rollups"
RATE = "rate"
ACTIONS = frozenset({DASHBOARD, REPORT, ROLLUPS, RATE})
RATABLE_STATUSES = frozenset({Status.RESOLVED.value, Status.CLOSED.value})


def sees_all_figures(user: Any) -> bool:
    return principal_of(user).sees_everything


def is_recipient(principal: Principal) -> bool:
    return (
        principal.contact_id is not None
        and ReportRecipient.objects.filter(contact_id=principal.contact_id).exists()
    )


def _organizations_q(principal: Principal, prefix: str = "") -> Q | None:
    """The organizations whose report the principal sees (``None``: all of them)."""
    if principal.sees_everything:
        return None
    if principal.role is Role.PARTNER_AGENT:
        return Q(**{f"{prefix}pk": principal.organization_id}) | Q(
            **{f"{prefix}partner_id": principal.organization_id}
        )
    if principal.role is Role.CONTACT and is_recipient(principal):
        return Q(**{f"{prefix}pk": principal.organization_id})
    return Q(pk__in=[])


def visible(user: Any, action: str, queryset: QuerySet[Any]) -> QuerySet[Any]:
    principal = principal_of(user)
    if action == DASHBOARD:
        return queryset if principal.sees_everything else queryset.none()
    if action not in (REPORT, ROLLUPS):
        return queryset.none()
    prefix = "organization__" if action == ROLLUPS else ""
    scope = _organizations_q(principal, prefix)
    return queryset if scope is None else queryset.filter(scope)


def can(user: Any, action: str, obj: Any) -> bool:
    principal = principal_of(user)
    if action == DASHBOARD:
        return principal.sees_everything
    if action == RATE:
        return _may_rate(principal, obj)
    if action == ROLLUPS:
        obj = obj.organization
    if action not in (REPORT, ROLLUPS):
        return False
    if principal.sees_everything:
        return True
    if principal.role is Role.PARTNER_AGENT:
        return principal.organization_id in (obj.pk, obj.partner_id)
    if principal.role is Role.CONTACT:
        return obj.pk == principal.organization_id and is_recipient(principal)
    return False


def _may_rate(principal: Principal, ticket: Any) -> bool:
    return (
        principal.role is Role.CONTACT
        and ticket.reporter_id == principal.contact_id
        and ticket.status in RATABLE_STATUSES
    )


def may_rate_as(contact_id: int, ticket: Any) -> bool:
    """The same rule for the mail link, whose token names the contact instead of a sign-in."""
    return ticket.reporter_id == contact_id and ticket.status in RATABLE_STATUSES


def report_organization_ids(organization: Organization) -> list[int]:
    """What an organization's report covers: itself, and a partner's customers too."""
    if not organization.is_partner:
        return [organization.pk]
    customers = Organization.objects.filter(partner=organization).values_list("pk", flat=True)
    return [organization.pk, *customers]

"""Major incidents: declared on a problem or a ticket, a timeline of updates, the affected
organizations, the public page, and the RCAs a resolution makes due."""

from __future__ import annotations

from functools import partial
from typing import Any

from django.db import transaction
from django.db.models import Q
from django.tasks import task
from django.utils.text import slugify

from tierdesk.core.clock import now
from tierdesk.core.errors import InvalidInput, InvalidTransition, NotFound
from tierdesk.crm.models import Organization, Product
from tierdesk.crm.selectors import active_subscriptions
from tierdesk.mail.models import OutboundKind
from tierdesk.problems.models import (
    AffectedScope,
    Incident,
    IncidentOrganization,
    IncidentSeverity,
    IncidentStatus,
    IncidentUpdate,
    Problem,
    ProblemTicket,
)
from tierdesk.problems.policies import WORK
from tierdesk.problems.services import notices, rcas
from tierdesk.problems.services.base import check, on_timeline, text, user_of
from tierdesk.sla.models import Plan
from tierdesk.tickets import policies as ticket_policies
from tierdesk.tickets.models import EventKind, Ticket


def incident_declare(
    *,
    actor: Any,
    title: str,
    lead: Any,
    problem: Problem | None = None,
    ticket: Ticket | None = None,
    severity: str = IncidentSeverity.MAJOR,
    scope: str = AffectedScope.LINKED,
    product: Product | None = None,
    plan: Plan | None = None,
) -> Incident:
    """Declare a major incident on a problem or a ticket (one of the two), led by ``lead``."""
    check(actor, WORK, problem)
    if (problem is None) == (ticket is None):
        raise InvalidInput("Declare an incident on a problem or on a ticket.", field="problem")
    if ticket is not None and not ticket_policies.can(actor, ticket_policies.VIEW, ticket):
        raise NotFound("No such ticket.")
    if problem is not None and Incident.objects.filter(problem=problem).exists():
        raise InvalidTransition("This problem is a major incident already.", field="problem")
    _check_scope(severity, scope, product, plan)
    at = now()
    with transaction.atomic():
        incident = Incident.objects.create(
            title=text(title, "title", limit=255), problem=problem, ticket=ticket, lead=lead,
            severity=severity, scope=scope, scope_product=product, scope_plan=plan,
            declared_at=at,
        )  # fmt: skip
        affected_refresh(incident)
        IncidentUpdate.objects.create(
            incident=incident, status=IncidentStatus.INVESTIGATING, author=user_of(actor),
            body="We are investigating.", created_at=at,
        )  # fmt: skip
        for each in _tickets_of(incident):
            on_timeline(
                each, actor, EventKind.INCIDENT_DECLARED, incident=incident.pk,
                reference=incident.reference,
            )  # fmt: skip
    return incident


def _check_scope(severity: str, scope: str, product: Any, plan: Any) -> None:
    if severity not in IncidentSeverity.values:
        raise InvalidInput(f"Unknown severity {severity!r}.", field="severity")
    if scope not in AffectedScope.values:
        raise InvalidInput(f"Unknown scope {scope!r}.", field="scope")
    if scope == AffectedScope.PRODUCT and product is None:
        raise InvalidInput("Name the product whose customers are affected.", field="product")
    if scope == AffectedScope.PLAN and plan is None:
        raise InvalidInput("Name the plan whose customers are affected.", field="plan")


def _tickets_of(incident: Incident) -> list[Ticket]:
    if incident.problem_id is not None:
        links = ProblemTicket.objects.filter(problem_id=incident.problem_id)
        return list(Ticket.objects.filter(pk__in=links.values("ticket_id")).order_by("pk"))
    return [incident.ticket] if incident.ticket is not None else []


def affected_refresh(incident: Incident) -> int:
    """Add the organizations the incident's scope now covers (tickets linked since, a new
    subscription); none is ever taken off. The count added."""
    wanted = set(_scope_organizations(incident).values_list("pk", flat=True))
    known = set(incident.affected.values_list("organization_id", flat=True))
    IncidentOrganization.objects.bulk_create(
        [IncidentOrganization(incident=incident, organization_id=pk) for pk in wanted - known],
        ignore_conflicts=True,
    )
    return len(wanted - known)


def _scope_organizations(incident: Incident) -> Any:
    if incident.scope == AffectedScope.LINKED:
        ids = [ticket.organization_id for ticket in _tickets_of(incident)]
        return Organization.objects.filter(pk__in=ids)
    today = now().date()
    current = active_subscriptions(Q(), today)  # the CRM's rule of "active"
    if incident.scope == AffectedScope.PRODUCT:
        current = current.filter(Q(product_id=incident.scope_product_id) | Q(product__isnull=True))
    else:
        current = current.filter(plan=incident.scope_plan)
    return Organization.objects.filter(pk__in=current.values("organization_id"), is_active=True)


def incident_post(
    *, actor: Any, incident: Incident, status: str, body: str, notify_contacts: bool = False
) -> IncidentUpdate:
    """A status update on the timeline (and the status pages); with ``notify_contacts`` every
    affected organization's contacts get it by mail, in the background. Resolving the incident
    makes the RCAs that the affected organizations' plans include due."""
    check(actor, WORK, incident.problem)
    if status not in IncidentStatus.values:
        raise InvalidInput(f"Unknown status {status!r}.", field="status")
    if incident.status == IncidentStatus.RESOLVED:
        raise InvalidTransition("The incident is resolved.", field="status")
    at = now()
    with transaction.atomic():
        affected_refresh(incident)
        update = IncidentUpdate.objects.create(
            incident=incident, status=status, body=text(body, "body"), author=user_of(actor),
            notify_contacts=notify_contacts, created_at=at,
        )  # fmt: skip
        incident.status = status
        if status == IncidentStatus.RESOLVED:
            incident.resolved_at = at
            rcas.rcas_open_for(incident)
        incident.save(update_fields=["status", "resolved_at"])
        if notify_contacts:
            transaction.on_commit(partial(notify_incident_update.enqueue, update.pk))
    return update


def incident_publish(*, actor: Any, incident: Incident, public: bool) -> Incident:
    """Opt in to (or out of) the public page and its Atom feed."""
    check(actor, WORK, incident.problem)
    incident.public_slug = f"{incident.pk}-{slugify(incident.title)[:60]}" if public else None
    incident.save(update_fields=["public_slug"])
    return incident


@task
def notify_incident_update(update_id: int) -> int:
    return incident_update_notify(update_id=update_id)


def incident_update_notify(*, update_id: int) -> int:
    """Mail one update to every affected organization's contacts (once each)."""
    update = IncidentUpdate.objects.select_related("incident").filter(pk=update_id).first()
    if update is None:
        return 0
    incident = update.incident
    return notices.contacts_mail(
        organization_ids=incident.affected.values_list("organization_id", flat=True),
        kind=OutboundKind.INCIDENT_UPDATE,
        key=f"incident-update:{update.pk}",
        subject=f"[{incident.reference}] {update.get_status_display()}: {incident.title}",
        body=f"{update.body}\n\nStatus: {update.get_status_display()}\n",
    )

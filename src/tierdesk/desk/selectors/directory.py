"""The desk's organization and contact pages: who they are, their tickets, subscriptions and
people, each part read through its own app's scope (a partner's agent finds only its own
organization and its customers; every agent sees only the tickets the ticket policy shows them).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from tierdesk.crm import selectors as crm_selectors
from tierdesk.crm.models import Contact, Organization, Subscription
from tierdesk.tickets import selectors as ticket_selectors

TICKETS_SHOWN = 25
PEOPLE_SHOWN = 50
TICKET_VALUES = ("id", "subject", "status", "priority", "created_at", "organization__name")


@dataclass(frozen=True)
class TicketList:
    rows: list[dict[str, Any]]  # TICKET_VALUES of each, newest first
    more: bool


@dataclass(frozen=True)
class OrganizationPage:
    organization: Organization
    tickets: TicketList
    contacts: list[Contact]
    subscriptions: list[Subscription]
    customers: list[Organization]  # a partner's customers the user may see


@dataclass(frozen=True)
class ContactPage:
    contact: Contact
    tickets: TicketList
    colleagues: list[Contact]
    subscriptions: list[Subscription]


def organization_page(*, user: Any, pk: int) -> OrganizationPage:
    organization = crm_selectors.organization_get(user=user, pk=pk)
    customers: list[Organization] = []
    if organization.is_partner:
        found = crm_selectors.organization_list(user=user).filter(partner_id=organization.pk)
        customers = list(found.select_related(None)[:PEOPLE_SHOWN])
    contacts = crm_selectors.contact_list(user=user, organization_id=organization.pk)
    return OrganizationPage(
        organization=organization,
        tickets=_tickets(user, ticket_selectors.TicketFilters(organization_id=organization.pk)),
        contacts=list(contacts.select_related(None)[:PEOPLE_SHOWN]),
        subscriptions=_subscriptions(organization.pk),
        customers=customers,
    )


def contact_page(*, user: Any, pk: int) -> ContactPage:
    contact = crm_selectors.contact_get(user=user, pk=pk)
    colleagues = crm_selectors.contact_list(user=user, organization_id=contact.organization_id)
    return ContactPage(
        contact=contact,
        tickets=_tickets(user, ticket_selectors.TicketFilters(reporter_id=contact.pk)),
        colleagues=list(colleagues.exclude(pk=contact.pk).select_related(None)[:PEOPLE_SHOWN]),
        subscriptions=_subscriptions(contact.organization_id),
    )


def _tickets(user: Any, filters: ticket_selectors.TicketFilters) -> TicketList:
    """The newest tickets the user may see among those ``filters`` pick, closed ones too."""
    tickets = ticket_selectors.ticket_list(user=user, filters=filters, ordering="newest_id")
    rows = list(
        tickets.select_related(None)
        .prefetch_related(None)
        .values(*TICKET_VALUES)[: TICKETS_SHOWN + 1]
    )
    return TicketList(rows[:TICKETS_SHOWN], len(rows) > TICKETS_SHOWN)


def _subscriptions(organization_id: int) -> list[Subscription]:
    """The organization's subscriptions (the caller found the organization through its scope),
    latest term first."""
    subscriptions = Subscription.objects.filter(organization_id=organization_id)
    return list(subscriptions.select_related("plan", "product").order_by("-starts_on", "-id"))

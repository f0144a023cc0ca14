"""Every read of organizations, contacts and products, already scoped to the user."""

from __future__ import annotations

from datetime import date
from typing import Any

from django.db.models import Q, QuerySet

from tierdesk.accounts.principal import Principal, Role, principal_of
from tierdesk.core import fetch
from tierdesk.core.errors import NotFound
from tierdesk.core.text import parse_int
from tierdesk.crm import policies
from tierdesk.crm.models import Contact, Organization, Product, Subscription


def organization_list(
    *, user: Any, q: str | None = None, action: str = policies.VIEW
) -> QuerySet[Organization]:
    """Organizations the user may see (or, with ``action=policies.ACT_FOR``, act for)."""
    organizations = policies.visible(user, action, Organization.objects.all())
    if q:
        organizations = organizations.filter(name__icontains=q.strip())
    return organizations.select_related("partner").order_by("name", "id")


def organization_get(
    *, user: Any, pk: int, field: str | None = None, action: str = policies.VIEW
) -> Organization:
    """One organization the user may see, else ``NotFound`` (another tenant's is no different).
    Every new ticket reads one: the row by primary key without ORM compilation, then the same
    rule as ``visible`` (``policies.can``); its partner, if any, is attached the same way."""
    organization = fetch.by_pk(Organization, pk)
    if organization is None or not policies.can(user, action, organization):
        raise NotFound("No such organization.", field=field)
    if organization.partner_id is not None:
        organization.partner = fetch.by_pk(Organization, organization.partner_id)
    else:
        organization.partner = None
    return organization


def contact_list(
    *,
    user: Any,
    organization_id: int | None = None,
    q: str | None = None,
    action: str = policies.VIEW,
) -> QuerySet[Contact]:
    contacts = policies.visible(user, action, Contact.objects.all())
    if organization_id is not None:
        contacts = contacts.filter(organization_id=organization_id)
    if q and q.strip():
        term = q.strip()
        contacts = contacts.filter(Q(name__icontains=term) | Q(email__icontains=term))
    return contacts.select_related("organization").order_by("name", "id")


def contact_get(
    *, user: Any, pk: int, field: str | None = None, action: str = policies.VIEW
) -> Contact:
    contact = contact_list(user=user, action=action).filter(pk=pk).first()
    if contact is None:
        raise NotFound("No such contact.", field=field)
    return contact


def product_get(*, user: Any, key: int | str, field: str | None = "product") -> Product:
    """A product by id or slug. The catalogue is public to everybody who signs in."""
    if principal_of(user).role is Role.NOBODY:
        raise NotFound("No such product.", field=field)
    pk = parse_int(key, low=1)
    lookup = Q(pk=pk) if pk is not None else Q(slug=str(key))
    product = Product.objects.filter(lookup).first()
    if product is None:
        raise NotFound("No such product.", field=field)
    return product


def product_list(*, user: Any) -> QuerySet[Product]:
    """Every product (the catalogue is public to everybody who signs in)."""
    if principal_of(user).role is Role.NOBODY:
        return Product.objects.none()
    return Product.objects.order_by("name", "id")


def subscription_list(*, user: Any, organization_id: int | None = None) -> QuerySet[Subscription]:
    """Subscriptions of the organizations the user may see."""
    organizations = policies.visible(user, policies.VIEW, Organization.objects.all())
    subscriptions = Subscription.objects.filter(organization__in=organizations)
    if organization_id is not None:
        subscriptions = subscriptions.filter(organization_id=organization_id)
    return subscriptions.select_related("organization", "product", "plan").order_by(
        "organization__name", "-starts_on", "id"
    )


# ---- whose subscriptions count: the download centre's entitlement, the knowledge base ----------


def subscriber_scope(facts: Principal) -> Q | None:
    """Whose subscriptions count for this principal: a contact's organization, a partner's own
    and its customers'. ``None``: nobody's (staff are entitled to everything; others to
    nothing)."""
    if facts.organization_id is None:
        return None
    if facts.role is Role.CONTACT:
        return Q(organization_id=facts.organization_id)
    if facts.role is Role.PARTNER_AGENT:
        own = facts.organization_id
        return Q(organization_id=own) | Q(organization__partner_id=own)
    return None


def active_subscriptions(scope: Q, today: date) -> QuerySet[Subscription]:
    """Subscriptions in their term on ``today`` (the one home of "active")."""
    return Subscription.objects.filter(scope, starts_on__lte=today).filter(
        Q(ends_on__isnull=True) | Q(ends_on__gte=today)
    )


def subscribed_products(facts: Principal, today: date) -> frozenset[int | None]:
    """The products the principal's active subscriptions cover (one query); ``None`` among
    them: a subscription for every product."""
    scope = subscriber_scope(facts)
    if scope is None:
        return frozenset()
    return frozenset(active_subscriptions(scope, today).values_list("product_id", flat=True))

"""Organizations and contacts over HTTP, as far as the caller may see them."""

from __future__ import annotations

from datetime import date
from typing import Any

from ninja import Field, Query, Router, Schema

from tierdesk.accounts.api_auth import ApiRequest
from tierdesk.core.api.schemas import (
    ERRORS,
    Id,
    PageOut,
    PageParams,
    Ref,
    SearchText,
    org_ref,
    paginate,
)
from tierdesk.crm import selectors
from tierdesk.crm.models import Contact, Organization, Product, Subscription

router = Router(tags=["organizations"])


class ProductOut(Schema):
    id: int
    name: str
    slug: str
    description: str


class ProductPage(PageOut):
    items: list[ProductOut]


class SubscriptionOut(Schema):
    id: int
    organization: Ref
    product: str | None = Field(description="The product's slug; null: every product.")
    plan: str
    starts_on: date
    ends_on: date | None
    seats: int | None
    maintenance_ends_on: date | None = Field(
        description="Releases published after it are not covered by this subscription."
    )
    versions_covered: list[str] = Field(description="Version lines (2, 3.1); empty: all.")


class SubscriptionPage(PageOut):
    items: list[SubscriptionOut]


class OrganizationOut(Schema):
    id: int
    name: str
    kind: str
    partner: Ref | None = Field(description="The partner giving this customer level-1 support.")
    is_active: bool


class OrganizationPage(PageOut):
    items: list[OrganizationOut]


class ContactOut(Schema):
    id: int
    name: str
    email: str
    phone: str
    organization: Ref
    can_sign_in: bool


class ContactPage(PageOut):
    items: list[ContactOut]


def organization_out(organization: Organization) -> dict[str, Any]:
    return {
        "id": organization.pk,
        "name": organization.name,
        "kind": organization.kind,
        "partner": org_ref(organization.partner),
        "is_active": organization.is_active,
    }


def contact_out(contact: Contact) -> dict[str, Any]:
    return {
        "id": contact.pk,
        "name": contact.name,
        "email": contact.email,
        "phone": contact.phone,
        "organization": org_ref(contact.organization),
        "can_sign_in": contact.user_id is not None,
    }


@router.get("/organizations", response={200: OrganizationPage, **ERRORS})
def organization_list(
    request: ApiRequest, paging: Query[PageParams], q: SearchText | None = None
) -> Any:
    found = selectors.organization_list(user=request.auth, q=q)
    return paginate(found, paging, organization_out)


@router.get("/organizations/{organization_id}", response={200: OrganizationOut, **ERRORS})
def organization_get(request: ApiRequest, organization_id: Id) -> Any:
    return organization_out(selectors.organization_get(user=request.auth, pk=organization_id))


@router.get("/contacts", response={200: ContactPage, **ERRORS}, tags=["contacts"])
def contact_list(
    request: ApiRequest,
    paging: Query[PageParams],
    organization: Id | None = None,
    q: SearchText | None = None,
) -> Any:
    """Contacts the caller may see; ``q`` matches name or e-mail."""
    found = selectors.contact_list(user=request.auth, organization_id=organization, q=q)
    return paginate(found, paging, contact_out)


@router.get("/contacts/{contact_id}", response={200: ContactOut, **ERRORS}, tags=["contacts"])
def contact_get(request: ApiRequest, contact_id: Id) -> Any:
    return contact_out(selectors.contact_get(user=request.auth, pk=contact_id))


def product_out(product: Product) -> dict[str, Any]:
    return {
        "id": product.pk, "name": product.name, "slug": product.slug,
        "description": product.description,
    }  # fmt: skip


def subscription_out(subscription: Subscription) -> dict[str, Any]:
    return {
        "id": subscription.pk, "organization": org_ref(subscription.organization),
        "product": subscription.product.slug if subscription.product else None,
        "plan": subscription.plan.name, "starts_on": subscription.starts_on,
        "ends_on": subscription.ends_on, "seats": subscription.seats,
        "maintenance_ends_on": subscription.maintenance_ends_on,
        "versions_covered": subscription.version_lines,
    }  # fmt: skip


@router.get("/products", response={200: ProductPage, **ERRORS}, tags=["products"])
def product_list(request: ApiRequest, paging: Query[PageParams]) -> Any:
    return paginate(selectors.product_list(user=request.auth), paging, product_out)


@router.get("/subscriptions", response={200: SubscriptionPage, **ERRORS}, tags=["subscriptions"])
def subscription_list(
    request: ApiRequest, paging: Query[PageParams], organization: Id | None = None
) -> Any:
    """Subscriptions of the organizations the caller may see."""
    found = selectors.subscription_list(user=request.auth, organization_id=organization)
    return paginate(found, paging, subscription_out)

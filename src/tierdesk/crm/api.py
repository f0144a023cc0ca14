"""Organizations and contacts over HTTP, as far as the caller may see them."""

from __future__ import annotations

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
from tierdesk.crm.models import Contact, Organization

router = Router(tags=["organizations"])


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

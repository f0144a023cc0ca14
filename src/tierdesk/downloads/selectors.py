"""Reads of the download centre, each starting from ``policies.visible``."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from django.db.models import Prefetch, QuerySet

from tierdesk.accounts.principal import Principal, Role
from tierdesk.core.errors import NotFound
from tierdesk.crm import policies as crm_policies
from tierdesk.crm.models import Organization, Product, Subscription
from tierdesk.downloads import policies
from tierdesk.downloads.models import (
    Download,
    FixedIn,
    Follow,
    LatestRelease,
    Release,
    ReleaseFile,
    State,
    Version,
)

MAX_LOG = 500


def release_list(
    *, user: Any, action: str = policies.READ, product: Product | None = None,
    version: Version | None = None,
) -> QuerySet[Release]:  # fmt: skip
    """Releases the user may read (or download, or manage), newest version first, with their
    files."""
    releases = policies.visible(user, action, Release.objects.all())
    if product is not None:
        releases = releases.filter(version__product=product)
    if version is not None:
        releases = releases.filter(version=version)
    files = Prefetch("files", queryset=ReleaseFile.objects.order_by("name"))
    return (
        releases.select_related("version__product")
        .prefetch_related(files)
        .order_by("version__product__name", "-version__sort_key", "-published_at", "-id")
    )


@dataclass
class VersionGroup:
    version: Version
    releases: list[Release] = field(default_factory=list)


@dataclass
class ProductGroup:
    product: Product
    versions: list[VersionGroup] = field(default_factory=list)
    followed: bool = False


def catalogue(*, user: Any, action: str = policies.DOWNLOAD) -> list[ProductGroup]:
    """What the user may download, by product and version (the portal's Downloads page)."""
    releases = list(release_list(user=user, action=action).filter(state=State.PUBLISHED))
    followed = set(followed_product_ids(user=user))
    groups: dict[int, ProductGroup] = {}
    for release in releases:
        product = release.version.product
        group = groups.setdefault(
            product.pk, ProductGroup(product, followed=product.pk in followed)
        )
        if not group.versions or group.versions[-1].version.pk != release.version_id:
            group.versions.append(VersionGroup(release.version))
        group.versions[-1].releases.append(release)
    return list(groups.values())


def product_get(*, slug: str) -> Product:
    """The catalogue's products are public (their releases are what is guarded)."""
    product = Product.objects.filter(slug=slug).first()
    if product is None:
        raise NotFound("No such product.")
    return product


def version_get(*, product: Product, number: str) -> Version:
    version = Version.objects.filter(product=product, number=number).first()
    if version is None:
        raise NotFound("No such version.")
    return version


def release_get(*, user: Any, pk: int, action: str = policies.READ) -> Release:
    release = release_list(user=user, action=action).filter(pk=pk).first()
    if release is None:
        raise NotFound("No such release.")
    return release


def file_for_download(*, actor: Any, pk: int) -> ReleaseFile:
    """A file of a release the actor may download, else ``NotFound`` (never a hint it exists).
    One query for the file with its release, one for the actor's entitlements."""
    file = ReleaseFile.objects.select_related("release__version__product").filter(pk=pk).first()
    if file is None or not policies.can(actor, policies.DOWNLOAD, file.release):
        raise NotFound("No such file.")
    return file


def latest_releases(*, user: Any, product: Product) -> list[LatestRelease]:
    readable = policies.visible(user, policies.READ, Release.objects.all())
    return list(
        LatestRelease.objects.filter(product=product, release__in=readable).select_related(
            "release__version"
        )
    )


def followed_product_ids(*, user: Any) -> list[int]:
    contact_id = policies.principal(user).contact_id
    if contact_id is None:
        return []
    return list(Follow.objects.filter(contact_id=contact_id).values_list("product_id", flat=True))


# ---- per organization (desk and API) -------------------------------------------------------


def download_log(*, user: Any, organization_id: int | None = None) -> QuerySet[Download]:
    """Downloads the user may see: staff all, a partner its own and its customers', a contact
    their organization's. Newest first."""
    facts = policies.principal(user)
    downloads = Download.objects.all()
    if facts.role is Role.NOBODY:
        return downloads.none()
    if not (facts.sees_everything or facts.role is Role.VENDOR_AGENT):
        organizations = crm_policies.visible(user, crm_policies.VIEW, Organization.objects.all())
        downloads = downloads.filter(organization__in=organizations)
    if organization_id is not None:
        downloads = downloads.filter(organization_id=organization_id)
    return downloads.select_related(
        "file__release__version__product", "user", "contact", "organization"
    ).order_by("-at", "-id")


def organization_subscriptions(*, user: Any, organization: Organization) -> list[Subscription]:
    """The organization's subscriptions (all terms), for the entitlement panel; the caller has
    checked the organization is visible."""
    del user  # the organization was read through crm's policy
    return list(
        Subscription.objects.filter(organization=organization)
        .select_related("product", "plan")
        .order_by("-starts_on", "id")
    )


def organization_files(*, organization: Organization) -> list[ReleaseFile]:
    """The files the organization's contacts may download today (for mailing a link)."""
    as_contact = Principal(role=Role.CONTACT, organization_id=organization.pk)
    releases = policies.visible(as_contact, policies.DOWNLOAD, Release.objects.all())
    return list(
        ReleaseFile.objects.filter(release__in=releases)
        .select_related("release")
        .order_by("-release__published_at", "name")[:200]
    )


# ---- "fixed in" ----------------------------------------------------------------------------


def fix_for_ticket(*, ticket_id: int) -> FixedIn | None:
    return (
        FixedIn.objects.select_related("release__version__product")
        .filter(ticket_id=ticket_id)
        .first()
    )


def planned_releases(*, user: Any) -> QuerySet[Release]:
    """Drafts a release manager may link defects to."""
    return (
        policies.visible(user, policies.MANAGE, Release.objects.filter(state=State.DRAFT))
        .select_related("version__product")
        .order_by("version__product__name", "-version__sort_key", "-id")
    )


def fixes_of(*, release: Release) -> QuerySet[FixedIn]:
    return FixedIn.objects.filter(release=release).select_related("ticket").order_by("ticket_id")

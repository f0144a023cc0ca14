"""Who may read, download and manage releases: one rule, two faces (M2/M6).

- **Download** a published release: anybody if it is public; otherwise a contact whose
  organization has an *active* subscription (started, not ended) covering the release's product
  (or every product) and its version line, when the release was published no later than the
  subscription's maintenance end (``maintenance_ends_on``, else the term's end, else no limit).
  A partner agent downloads what any of its customers (or itself) may. Vendor agents, managers
  and admins download every published release. Drafts: release managers only.
- **Read** a published release's notes: anybody if the release or its notes are public,
  otherwise anybody signed in (customers-only notes), and whoever may download it.
- **Manage** (edit, publish, link defects, mail links): vendor-side agents with the
  ``downloads.manage_release`` permission; they see drafts too.

Anything else is a 404 (the selectors raise ``NotFound``). ``visible(user, action, queryset)``
narrows a queryset of releases; ``can(user, action, release)`` answers for one. Both read the
same ``Entitlement`` facts (one query), and
``tests/downloads/test_policies.py`` checks that they agree for every persona and release.

The actor may also be a ``Principal`` (a signed link acts for its contact's organization).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any

from django.db.models import Q, QuerySet
from django.utils import timezone

from tierdesk.accounts.principal import Principal, Role, principal_of
from tierdesk.core.clock import now
from tierdesk.crm.models import Subscription
from tierdesk.crm.selectors import active_subscriptions, subscriber_scope
from tierdesk.crm.versions import in_line, version_lines
from tierdesk.downloads.models import Release, State

READ = "read"  # the release and its notes
DOWNLOAD = "download"  # its files
MANAGE = "manage"  # edit, publish, link defects, drafts
ACTIONS = frozenset({READ, DOWNLOAD, MANAGE})

MANAGE_PERMISSION = "downloads.manage_release"


@dataclass(frozen=True, slots=True)
class Entitlement:
    """What one active subscription lets its organization download."""

    organization_id: int
    product_id: int | None  # None: every product
    version_lines: tuple[str, ...]  # empty: every version
    maintenance_end: date | None  # None: no limit

    def covers(self, product_id: int, version: str, published_at: datetime | None) -> bool:
        if published_at is None:
            return False
        if self.product_id is not None and self.product_id != product_id:
            return False
        if self.version_lines and not any(in_line(version, v) for v in self.version_lines):
            return False
        return self.maintenance_end is None or _day(published_at) <= self.maintenance_end

    def q(self) -> Q:
        scope = Q(published_at__isnull=False)
        if self.product_id is not None:
            scope &= Q(version__product_id=self.product_id)
        if self.version_lines:
            line_q = Q()
            for line in self.version_lines:
                line_q |= Q(version__number=line) | Q(version__number__startswith=line + ".")
            scope &= line_q
        if self.maintenance_end is not None:
            scope &= Q(published_at__lt=_start_of(self.maintenance_end + timedelta(days=1)))
        return scope


def _day(at: datetime) -> date:
    return timezone.localtime(at).date()


def _start_of(day: date) -> datetime:
    return timezone.make_aware(datetime.combine(day, time.min))


def principal(actor: Any) -> Principal:
    return actor if isinstance(actor, Principal) else principal_of(actor)


def contact_principal(contact: Any) -> Principal:
    """A contact as a principal, whether or not they have a user (a signed link, a follower)."""
    return Principal(
        role=Role.CONTACT, user_id=contact.user_id, organization_id=contact.organization_id,
        contact_id=contact.pk,
    )  # fmt: skip


def is_release_manager(actor: Any) -> bool:
    if isinstance(actor, Principal):
        return False
    facts = principal_of(actor)
    if facts.role is Role.SYSTEM:
        return True
    vendor_side = facts.sees_everything or facts.role is Role.VENDOR_AGENT
    return vendor_side and bool(actor.has_perm(MANAGE_PERMISSION))


def is_active(subscription: Subscription, today: date | None = None) -> bool:
    """The same rule as ``active_subscriptions``, for one subscription."""
    today = today or _day(now())
    ends = subscription.ends_on
    return subscription.starts_on <= today and (ends is None or ends >= today)


def entitlements(actor: Any) -> tuple[Entitlement, ...]:
    """The actor's entitlements today: one indexed query (none for staff and anonymous)."""
    scope = subscriber_scope(principal(actor))
    return () if scope is None else _entitlements(scope)


def organization_entitlements(organization_id: int) -> tuple[Entitlement, ...]:
    """What an organization's contacts may download today (the desk's and the API's view)."""
    return _entitlements(Q(organization_id=organization_id))


def _entitlements(scope: Q) -> tuple[Entitlement, ...]:
    rows = active_subscriptions(scope, _day(now())).values_list(
        "organization_id", "product_id", "versions_covered", "maintenance_ends_on", "ends_on"
    )
    return tuple(
        Entitlement(org, product, tuple(version_lines(covered)), maintenance or ends)
        for org, product, covered, maintenance, ends in rows
    )


def _downloads_everything(facts: Principal) -> bool:
    return facts.sees_everything or facts.role is Role.VENDOR_AGENT


def visible(actor: Any, action: str, queryset: QuerySet[Release]) -> QuerySet[Release]:
    if action not in ACTIONS:
        return queryset.none()
    managing = is_release_manager(actor)
    if action == MANAGE:
        return queryset if managing else queryset.none()
    published = Q(state=State.PUBLISHED)
    scope = _download_q(actor)
    if action == READ:
        scope |= Q(is_public=True) | Q(notes_public=True)
        if principal(actor).role is not Role.NOBODY:
            scope = Q()  # customers-only notes: anybody signed in
    found = queryset.filter(published & scope)
    if managing:
        return queryset  # drafts too
    return found


def _download_q(actor: Any) -> Q:
    facts = principal(actor)
    if _downloads_everything(facts):
        return Q()
    scope = Q(is_public=True)
    for entitlement in entitlements(actor):
        scope |= entitlement.q()
    return scope


def can(actor: Any, action: str, release: Release) -> bool:
    if action not in ACTIONS:
        return False
    managing = is_release_manager(actor)
    if action == MANAGE or not release.is_published:
        return managing
    if managing:
        return True
    may_download = _downloads(actor, release)
    if action == DOWNLOAD:
        return may_download
    if release.is_public or release.notes_public or may_download:
        return True
    return principal(actor).role is not Role.NOBODY


def _downloads(actor: Any, release: Release) -> bool:
    facts = principal(actor)
    if _downloads_everything(facts) or release.is_public:
        return True
    product_id = release.version.product_id
    number = release.version.number
    return any(e.covers(product_id, number, release.published_at) for e in entitlements(actor))


def entitled_by(actor: Any, release: Release) -> list[int]:
    """The organizations whose subscriptions entitle the actor to the release (the download
    log's organization is the first)."""
    product_id, number = release.version.product_id, release.version.number
    return [
        e.organization_id
        for e in entitlements(actor)
        if e.covers(product_id, number, release.published_at)
    ]

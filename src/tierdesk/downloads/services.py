"""Writes to the download centre: the catalogue, publishing, "fixed in" links, followers and
the download log (M2/M6).

A release is a draft until ``release_publish`` moves it on by compare-and-set (two publishers,
one publication). On commit of a publication the ``downloads.release_published`` hook fires and
the ``release_announce`` task tells the defect tickets it fixes and the product's followers
(``announcing``). Files are content-addressed by SHA-256: publishing the same bytes again
changes nothing (``releases_publish_files`` is the CLI's and the API's one path).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import date
from functools import partial
from pathlib import Path
from typing import Any

from django.db import IntegrityError, transaction
from django.utils.text import slugify

from tierdesk.core.clock import now
from tierdesk.core.errors import Conflict, Forbidden, InvalidInput, NotFound
from tierdesk.core.text import MAX_BODY, MAX_NAME, render_markdown, safe_filename
from tierdesk.crm.models import Contact, Product
from tierdesk.crm.versions import MAX_VERSION, is_valid
from tierdesk.downloads import policies
from tierdesk.downloads.hooks import release_published
from tierdesk.downloads.models import (
    Channel,
    Download,
    FixedIn,
    Follow,
    Kind,
    LatestRelease,
    Release,
    ReleaseFile,
    State,
    Version,
)
from tierdesk.downloads.paths import file_url, signature_url
from tierdesk.downloads.storage import sha256_of, store, stored_name
from tierdesk.downloads.tasks import release_announce
from tierdesk.tickets.models import Ticket, TicketType

log = logging.getLogger(__name__)

SIGNATURE_SUFFIXES = (".asc", ".sig")
MAX_PLATFORMS = 30


def _check_manager(actor: Any) -> None:
    if not policies.is_release_manager(actor):
        raise Forbidden("Only release managers may do this.")


# ---- catalogue -----------------------------------------------------------------------------


def product_ensure(*, actor: Any, slug: str, name: str = "") -> Product:
    """The product with this slug, created (named after the slug) when missing."""
    _check_manager(actor)
    if not slug or slugify(slug) != slug or len(slug) > 100:
        raise InvalidInput(
            "A product slug: lower-case letters, digits and hyphens.", field="product"
        )
    product = Product.objects.filter(slug=slug).first()
    if product is not None:
        return product
    try:
        with transaction.atomic():
            return Product.objects.create(slug=slug, name=name or slug.replace("-", " ").title())
    except IntegrityError:  # created meanwhile by another publisher
        return Product.objects.get(slug=slug)


def version_ensure(*, actor: Any, product: Product, number: str) -> Version:
    _check_manager(actor)
    number = number.strip()
    if not is_valid(number):
        raise InvalidInput(
            f"A version like 2.4 or 3.0.1-rc1 (at most {MAX_VERSION} characters).",
            field="version",
        )
    found = Version.objects.filter(product=product, number=number).first()
    if found is not None:
        return found
    try:
        with transaction.atomic():
            return Version.objects.create(product=product, number=number, created_at=now())
    except IntegrityError:
        return Version.objects.get(product=product, number=number)


@dataclass
class ReleaseFields:
    """What a release manager types; ``None`` leaves a field as it is."""

    title: str | None = None
    notes: str | None = None
    channel: str | None = None
    platforms: list[str] | None = None
    is_public: bool | None = None
    notes_public: bool | None = None
    resolves_fixed_tickets: bool | None = None
    support_ends_on: date | None = None


def _checked(fields: ReleaseFields) -> dict[str, Any]:
    changes: dict[str, Any] = {}
    if fields.title is not None:
        changes["title"] = _checked_title(fields.title)
    if fields.notes is not None:
        if len(fields.notes) > MAX_BODY:
            raise InvalidInput(f"At most {MAX_BODY} characters.", field="notes")
        changes["notes"] = fields.notes
        changes["notes_html"] = render_markdown(fields.notes)
    if fields.channel is not None:
        if fields.channel not in Channel.values:
            raise InvalidInput("Unknown channel.", field="channel")
        changes["channel"] = fields.channel
    if fields.platforms is not None:
        changes["platforms"] = _checked_platforms(fields.platforms)
    for name in ("is_public", "notes_public", "resolves_fixed_tickets", "support_ends_on"):
        value = getattr(fields, name)
        if value is not None:
            changes[name] = value
    return changes


def _checked_title(title: str) -> str:
    if not title.strip() or len(title) > MAX_NAME:
        raise InvalidInput(f"A title of at most {MAX_NAME} characters.", field="title")
    return title.strip()


def _checked_platforms(platforms: list[str]) -> list[str]:
    cleaned = sorted({p.strip() for p in platforms if p.strip()})
    if len(cleaned) > MAX_PLATFORMS or any(len(p) > 50 for p in cleaned):
        raise InvalidInput(
            f"At most {MAX_PLATFORMS} platforms of 50 characters.", field="platforms"
        )
    return cleaned


def release_create(
    *, actor: Any, version: Version, kind: str, fields: ReleaseFields | None = None
) -> Release:
    """A draft release of ``kind`` for the version."""
    _check_manager(actor)
    if kind not in Kind.values:
        raise InvalidInput("Kind is one of full, service-pack, patch, hotfix.", field="kind")
    changes = _checked(fields or ReleaseFields())
    changes.setdefault("title", f"{version.product.name} {version.number} {Kind(kind).label}")
    return Release.objects.create(version=version, kind=kind, created_at=now(), **changes)


def release_update(*, actor: Any, release: Release, fields: ReleaseFields) -> Release:
    _check_manager(actor)
    for name, value in _checked(fields).items():
        setattr(release, name, value)
    release.save()
    return release


def release_file_add(
    *, actor: Any, release: Release, path: Path, name: str = "", sha256: str = ""
) -> tuple[str, ReleaseFile]:
    """Store a file in the release. ``("unchanged", file)`` when the version already has these
    bytes (in any of its releases), else ``("added", file)``."""
    _check_manager(actor)
    name = safe_filename(name or path.name, fallback="file")
    sha256 = sha256 or sha256_of(path)
    known = (
        ReleaseFile.objects.filter(sha256=sha256, release__version_id=release.version_id)
        .select_related("release")
        .first()
    )
    if known is not None:
        return "unchanged", known
    if release.is_published:
        raise Conflict("A published release's files do not change: publish a new release.")
    stored = store(path, stored_name(sha256, name))
    try:
        with transaction.atomic():
            added = ReleaseFile.objects.create(
                release=release, name=name, size=path.stat().st_size, sha256=sha256,
                stored_name=stored, created_at=now(),
            )  # fmt: skip
    except IntegrityError as error:
        raise Conflict(f"The release already has a file named {name}.", field="files") from error
    return "added", added


def release_signature_add(*, actor: Any, file: ReleaseFile, path: Path) -> ReleaseFile:
    """A detached signature (``.asc``/``.sig``) shown beside the file."""
    _check_manager(actor)
    if not path.name.endswith(SIGNATURE_SUFFIXES):
        raise InvalidInput("A signature file ends in .asc or .sig.", field="files")
    name = safe_filename(path.name, fallback="signature.asc")
    file.signature_stored_name = store(path, stored_name(sha256_of(path), name))
    file.signature_name = name
    file.save(update_fields=["signature_name", "signature_stored_name"])
    return file


# ---- publishing ----------------------------------------------------------------------------


def release_publish(*, actor: Any, release: Release) -> Release:
    """Draft -> published, once (compare-and-set on the state). Moves the product's "latest"
    pointer for the release's channel if this version is the newest there; on commit fires
    ``downloads.release_published`` and has the fixed tickets and the followers told."""
    _check_manager(actor)
    if not release.files.exists():
        raise InvalidInput("A release needs at least one file before it is published.")
    at = now()
    publisher = actor if getattr(actor, "pk", None) else None
    with transaction.atomic():
        won = Release.objects.filter(pk=release.pk, state=State.DRAFT).update(
            state=State.PUBLISHED, published_at=at, published_by=publisher
        )
        if not won:
            raise Conflict("The release is already published.")
        release.state, release.published_at, release.published_by = State.PUBLISHED, at, publisher
        _move_latest(release)
        ticket_ids = list(
            FixedIn.objects.filter(release=release).values_list("ticket_id", flat=True)
        )
        version = release.version
        release_published.fire_on_commit(
            release_id=release.pk, product_id=version.product_id, version=version.number,
            kind=release.kind, ticket_ids=ticket_ids,
        )  # fmt: skip
        transaction.on_commit(partial(_announce_later, release.pk))
    log.info("release published", extra={"release": release.pk})
    return release


def _announce_later(release_id: int) -> None:
    release_announce.enqueue(release_id)


def _move_latest(release: Release) -> None:
    product_id = release.version.product_id
    current = (
        LatestRelease.objects.select_related("release__version")
        .filter(product_id=product_id, channel=release.channel)
        .first()
    )
    if current is None:
        LatestRelease.objects.create(
            product_id=product_id, channel=release.channel, release=release
        )
        return
    if current.release.version.sort_key <= release.version.sort_key:
        current.release = release
        current.save(update_fields=["release"])


@dataclass
class Published:
    """One line of ``tierdesk releases publish``: what happened to one file."""

    source: str
    action: str  # published | unchanged | draft | failed
    release: int | None = None
    sha256: str | None = None
    url: str | None = None
    reason: str | None = None


@dataclass
class PublishRequest:
    product: str
    version: str
    kind: str
    notes: str | None = None
    draft: bool = False
    public: bool = False


def releases_publish_files(
    *, actor: Any, request: PublishRequest, files: list[tuple[str, Path]]
) -> list[Published]:
    """Put the files (``(source name, path)``) in the version's draft release of the kind,
    creating product, version and release when missing, and publish it unless ``draft``.
    Idempotent by SHA-256: bytes the version already has are ``unchanged``. Signatures
    (``.asc``/``.sig``) attach to the file of the same name without the suffix."""
    _check_manager(actor)
    product = product_ensure(actor=actor, slug=request.product)
    version = version_ensure(actor=actor, product=product, number=request.version)
    if request.kind not in Kind.values:
        raise InvalidInput("Kind is one of full, service-pack, patch, hotfix.", field="kind")
    signatures = [f for f in files if f[0].endswith(SIGNATURE_SUFFIXES)]
    payloads = [f for f in files if not f[0].endswith(SIGNATURE_SUFFIXES)]
    lines: list[Published] = []
    release: Release | None = None
    added: list[tuple[Published, ReleaseFile]] = []
    for source, path in payloads:
        line, file, release = _add_one(actor, request, version, release, source, path)
        lines.append(line)
        if file is not None and line.action == "added":
            added.append((line, file))
    lines += _add_signatures(actor, version, signatures, draft=request.draft)
    if release is not None and added:
        if not request.draft:
            release_publish(actor=actor, release=release)
        for line, _file in added:
            line.action = "draft" if request.draft else "published"
    return lines


def _add_one(
    actor: Any, request: PublishRequest, version: Version, release: Release | None,
    source: str, path: Path,
) -> tuple[Published, ReleaseFile | None, Release | None]:  # fmt: skip
    try:
        sha256 = sha256_of(path)
    except OSError as error:
        return Published(source, "failed", reason=str(error)), None, release
    known = ReleaseFile.objects.filter(sha256=sha256, release__version=version).first()
    if known is not None:
        line = Published(source, "unchanged", known.release_id, sha256, file_url(known))
        return line, known, release
    if release is None:
        release = _draft_for(actor, request, version)
    try:
        _action, file = release_file_add(
            actor=actor, release=release, path=path, name=Path(source).name, sha256=sha256
        )
    except (OSError, Conflict) as error:
        reason = error.message if isinstance(error, Conflict) else str(error)
        return Published(source, "failed", release.pk, sha256, reason=reason), None, release
    return Published(source, "added", release.pk, sha256, file_url(file)), file, release


def _draft_for(actor: Any, request: PublishRequest, version: Version) -> Release:
    draft = (
        Release.objects.filter(version=version, kind=request.kind, state=State.DRAFT)
        .order_by("-id")
        .first()
    )
    fields = ReleaseFields(notes=request.notes, is_public=request.public)
    if draft is None:
        return release_create(actor=actor, version=version, kind=request.kind, fields=fields)
    if request.notes is not None or request.public:
        release_update(actor=actor, release=draft, fields=fields)
    return draft


def _add_signatures(
    actor: Any, version: Version, signatures: list[tuple[str, Path]], *, draft: bool
) -> list[Published]:
    lines = []
    for source, path in signatures:
        signed_name = safe_filename(Path(source).name.rsplit(".", 1)[0])
        file = (
            ReleaseFile.objects.filter(release__version=version, name=signed_name)
            .order_by("-id")
            .first()
        )
        if file is None:
            lines.append(Published(source, "failed", reason=f"no file {signed_name} to sign"))
            continue
        try:
            sha256 = sha256_of(path)
            unchanged = file.signature_name == path.name and file.signature_stored_name.startswith(
                f"{sha256[:2]}/{sha256}/"
            )
            if not unchanged:
                release_signature_add(actor=actor, file=file, path=path)
        except (OSError, InvalidInput) as error:
            lines.append(Published(source, "failed", file.release_id, reason=str(error)))
            continue
        stays_draft = draft and not file.release.is_published
        action = "unchanged" if unchanged else ("draft" if stays_draft else "published")
        lines.append(Published(source, action, file.release_id, sha256, signature_url(file)))
    return lines


# ---- "fixed in" ----------------------------------------------------------------------------


def fix_link(*, actor: Any, release: Release, ticket: Ticket) -> FixedIn:
    """The defect ticket is (to be) fixed in this release; a ticket names one release."""
    _check_manager(actor)
    if ticket.type != TicketType.DEFECT:
        raise InvalidInput("Only defect tickets are fixed in a release.", field="ticket")
    if release.is_published:
        raise Conflict("The release is published: link defects to a planned release.")
    link, _created = FixedIn.objects.update_or_create(
        ticket=ticket,
        defaults={"release": release, "linked_by": actor if getattr(actor, "pk", None) else None,
                  "linked_at": now(), "told_at": None},
    )  # fmt: skip
    return link


def fix_unlink(*, actor: Any, ticket: Ticket) -> None:
    _check_manager(actor)
    FixedIn.objects.filter(ticket=ticket, told_at__isnull=True).delete()


# ---- followers -----------------------------------------------------------------------------


def product_follow(*, actor: Any, product: Product, follow: bool = True) -> bool:
    """A contact follows (or stops following) a product; returns whether they follow it."""
    contact = contact_of(actor)
    if follow:
        Follow.objects.get_or_create(
            contact=contact, product=product, defaults={"created_at": now()}
        )
    else:
        Follow.objects.filter(contact=contact, product=product).delete()
    return follow


def contact_of(actor: Any) -> Contact:
    facts = policies.principal(actor)
    if facts.contact_id is None:
        raise Forbidden("Only customers' contacts follow products.")
    return Contact.objects.get(pk=facts.contact_id)


# ---- the download log ----------------------------------------------------------------------


@dataclass(frozen=True)
class Downloader:
    """Who downloads: the signed-in user, or the contact of a signed link."""

    user_id: int | None
    contact_id: int | None
    organization_id: int | None
    client_address: str | None
    via: str = "web"


def download_start(*, downloader: Downloader, file: ReleaseFile, range_header: str) -> Download:
    """The log row, written before the first byte leaves (bytes follow at the end)."""
    return Download.objects.create(
        file=file, user_id=downloader.user_id, contact_id=downloader.contact_id,
        organization_id=downloader.organization_id, client_address=downloader.client_address,
        range=range_header[:100], via=downloader.via, at=now(),
    )  # fmt: skip


def download_finish(*, download_id: int, bytes_sent: int) -> None:
    Download.objects.filter(pk=download_id).update(bytes_sent=bytes_sent)


def release_for_update(*, actor: Any, pk: int) -> Release:
    found = policies.visible(actor, policies.MANAGE, Release.objects.all()).filter(pk=pk).first()
    if found is None:
        raise NotFound("No such release.")
    return found

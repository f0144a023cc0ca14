"""The download centre over HTTP: releases (their files only where the caller may download
them), publishing from a build pipeline (a release manager's token), "fixed in" links, and the
download log and entitlements per organization.

The files themselves are not JSON: each release file carries its ``url`` (``/downloads/files/
…``), which takes the same session; a pipeline that downloads uses a signed link or a session.
"""

from __future__ import annotations

import tempfile
from datetime import date, datetime
from pathlib import Path
from typing import Annotated, Any

from ninja import Field, File, Form, Query, Router, Schema, UploadedFile

from tierdesk.accounts.api_auth import ApiRequest
from tierdesk.core.api.schemas import ERRORS, Id, PageOut, PageParams, Ref, Slug, paginate
from tierdesk.core.errors import NotFound
from tierdesk.crm import selectors as crm_selectors
from tierdesk.crm.models import Product
from tierdesk.downloads import policies, selectors, services
from tierdesk.downloads.models import Download, Release, ReleaseFile
from tierdesk.downloads.paths import file_url, signature_url
from tierdesk.tickets import selectors as ticket_selectors

router = Router(tags=["downloads"])

VersionText = Annotated[str, Field(min_length=1, max_length=50)]
KindText = Annotated[str, Field(pattern="^(full|service-pack|patch|hotfix)$")]
TicketRef = Annotated[str, Field(min_length=1, max_length=30)]


class FileOut(Schema):
    id: int
    name: str
    size: int
    sha256: str
    url: str = Field(description="The download's path (Range, ETag; a session or signed link).")
    signature_url: str | None = Field(description="The detached signature's path, if any.")


class ReleaseOut(Schema):
    id: int
    product: str = Field(description="The product's slug.")
    version: str
    kind: str
    title: str
    channel: str
    state: str
    is_public: bool
    platforms: list[str]
    notes: str = Field(description="Markdown.")
    notes_html: str = Field(description="The notes rendered and sanitised.")
    published_at: datetime | None
    support_ends_on: date | None
    files: list[FileOut] | None = Field(description="Only when the caller may download them.")


class ReleasePage(PageOut):
    items: list[ReleaseOut]


class PublishLine(Schema):
    source: str
    action: str = Field(description="published, unchanged, draft or failed")
    release: int | None
    sha256: str | None
    url: str | None
    reason: str | None


class PublishOut(Schema):
    items: list[PublishLine]


class FixIn(Schema):
    ticket: TicketRef = Field(description="The defect ticket's reference (TD-1042) or id.")
    release: Id


class FixOut(Schema):
    ticket: str
    release: int
    told: bool


class DownloadOut(Schema):
    id: int
    at: datetime
    file: str
    release: int
    product: str
    organization: Ref | None
    user: str | None
    contact: Ref | None
    bytes_sent: int
    range: str
    via: str
    client_address: str | None


class DownloadPage(PageOut):
    items: list[DownloadOut]


class EntitlementOut(Schema):
    organization: int
    product: str | None = Field(description="The product's slug; null: every product.")
    version_lines: list[str] = Field(description="Empty: every version.")
    maintenance_end: date | None


def file_out(file: ReleaseFile) -> dict[str, Any]:
    return {
        "id": file.pk, "name": file.name, "size": file.size, "sha256": file.sha256,
        "url": file_url(file),
        "signature_url": signature_url(file) if file.signature_name else None,
    }  # fmt: skip


def release_out(release: Release, downloadable: set[int] | None = None) -> dict[str, Any]:
    may = downloadable is None or release.pk in downloadable
    return {
        "id": release.pk, "product": release.version.product.slug,
        "version": release.version.number, "kind": release.kind, "title": release.title,
        "channel": release.channel, "state": release.state, "is_public": release.is_public,
        "platforms": release.platforms, "notes": release.notes, "notes_html": release.notes_html,
        "published_at": release.published_at, "support_ends_on": release.support_ends_on,
        "files": [file_out(f) for f in release.files.all()] if may else None,
    }  # fmt: skip


def _downloadable(user: Any) -> set[int]:
    releases = policies.visible(user, policies.DOWNLOAD, Release.objects.all())
    return set(releases.values_list("pk", flat=True))


@router.get("/downloads/releases", response={200: ReleasePage, **ERRORS})
def download_release_list(
    request: ApiRequest, paging: Query[PageParams], product: Slug | None = None,
    version: VersionText | None = None,
) -> Any:  # fmt: skip
    """Releases the caller may read, newest version first (drafts for release managers)."""
    found = selectors.release_list(user=request.auth)
    if product is not None:
        found = found.filter(version__product__slug=product)
    if version is not None:
        found = found.filter(version__number=version)
    downloadable = _downloadable(request.auth)
    return paginate(found, paging, lambda r: release_out(r, downloadable))


@router.get("/downloads/releases/{release_id}", response={200: ReleaseOut, **ERRORS})
def download_release_get(request: ApiRequest, release_id: Id) -> Any:
    release = selectors.release_get(user=request.auth, pk=release_id)
    may = policies.can(request.auth, policies.DOWNLOAD, release)
    return release_out(release, {release.pk} if may else set())


@router.post("/downloads/releases", response={200: PublishOut, **ERRORS})
def download_release_publish(
    request: ApiRequest,
    product: Form[Slug],
    version: Form[VersionText],
    kind: Form[KindText],
    files: list[UploadedFile] = File(...),  # noqa: B008 - ninja's way to declare uploads
    notes: Form[str | None] = None,
    draft: Form[bool] = False,
    public: Form[bool] = False,
) -> Any:
    """What ``tierdesk releases publish`` does, for a build pipeline with a release manager's
    token: one line per file. Each file is within the request size limit."""
    publish = services.PublishRequest(product, version, kind, notes, draft, public)
    with tempfile.TemporaryDirectory() as directory:
        paths = [
            (f.name or "file", _spool(f, Path(directory) / str(n))) for n, f in enumerate(files)
        ]
        lines = services.releases_publish_files(actor=request.auth, request=publish, files=paths)
    return {"items": [line.__dict__ for line in lines]}


def _spool(upload: UploadedFile, target: Path) -> Path:
    target.mkdir()
    path = target / Path(upload.name or "file").name
    with path.open("wb") as out:
        for chunk in upload.chunks():
            out.write(chunk)
    return path


@router.post("/downloads/releases/{release_id}/publish", response={200: ReleaseOut, **ERRORS})
def download_release_publish_draft(request: ApiRequest, release_id: Id) -> Any:
    release = services.release_for_update(actor=request.auth, pk=release_id)
    services.release_publish(actor=request.auth, release=release)
    return release_out(
        selectors.release_get(user=request.auth, pk=release.pk, action=policies.MANAGE)
    )


@router.post("/downloads/fixes", response={200: FixOut, **ERRORS})
def download_fix_link(request: ApiRequest, payload: FixIn) -> Any:
    """Link a defect ticket to the planned release that fixes it."""
    ticket = ticket_selectors.ticket_get(user=request.auth, reference=payload.ticket)
    release = services.release_for_update(actor=request.auth, pk=payload.release)
    link = services.fix_link(actor=request.auth, release=release, ticket=ticket)
    return {"ticket": ticket.reference, "release": link.release_id, "told": False}


def download_out(row: Download) -> dict[str, Any]:
    release = row.file.release
    return {
        "id": row.pk, "at": row.at, "file": row.file.name, "release": release.pk,
        "product": release.version.product.slug,
        "organization": {"id": row.organization.pk, "name": row.organization.name}
        if row.organization else None,
        "user": row.user.get_username() if row.user else None,
        "contact": {"id": row.contact.pk, "name": row.contact.name} if row.contact else None,
        "bytes_sent": row.bytes_sent, "range": row.range, "via": row.via,
        "client_address": row.client_address,
    }  # fmt: skip


@router.get("/downloads/log", response={200: DownloadPage, **ERRORS})
def download_log(
    request: ApiRequest, paging: Query[PageParams], organization: Id | None = None
) -> Any:
    """Downloads the caller may see (staff all; partners theirs and their customers'; contacts
    their organization's), newest first."""
    if organization is not None:
        crm_selectors.organization_get(user=request.auth, pk=organization, field="organization")
    found = selectors.download_log(user=request.auth, organization_id=organization)
    return paginate(found, paging, download_out)


@router.get("/downloads/entitlements", response={200: list[EntitlementOut], **ERRORS})
def download_entitlements(request: ApiRequest, organization: Id | None = None) -> Any:
    """What the caller may download by subscription today (staff: an organization's, named)."""
    facts = policies.principal(request.auth)
    if organization is not None:
        found = crm_selectors.organization_get(user=request.auth, pk=organization)
        if not facts.is_agent and found.pk != facts.organization_id:
            raise NotFound("No such organization.", field="organization")
        rows = policies.organization_entitlements(found.pk)
    else:
        rows = policies.entitlements(request.auth)
    slugs = dict(Product.objects.values_list("pk", "slug"))
    return [
        {
            "organization": e.organization_id,
            "product": slugs.get(e.product_id or 0),
            "version_lines": list(e.version_lines),
            "maintenance_end": e.maintenance_end,
        }
        for e in rows
    ]

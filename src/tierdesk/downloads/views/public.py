"""Downloads for customers and anybody: the catalogue a visitor may download, release notes per
product and version with an Atom feed, and the file downloads (signed in or by a signed link).

Each page shows what its visitor may see (``selectors`` start from ``policies.visible``); a
file the visitor may not download is a 404 like a missing one (an anonymous visitor is sent to
sign in instead, whether the file exists or not).
"""

from __future__ import annotations

from functools import partial
from typing import Any

from django.contrib.auth.views import redirect_to_login
from django.http import Http404, HttpRequest, HttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import redirect, render
from django.utils import feedgenerator
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from tierdesk.accounts.principal import Role
from tierdesk.core.api.throttles import client_address
from tierdesk.core.errors import NotFound
from tierdesk.crm.models import Contact
from tierdesk.downloads import policies, selectors, services, serving
from tierdesk.downloads.links import link_claim
from tierdesk.downloads.models import ReleaseFile
from tierdesk.downloads.paths import release_url, site_url
from tierdesk.downloads.serving import RangeReader
from tierdesk.downloads.storage import downloads_storage

FEED_ITEMS = 30
READ_AND_HEAD = require_http_methods(["GET", "HEAD"])


@require_GET
def index(request: HttpRequest) -> HttpResponseBase:
    context = {
        "products": selectors.catalogue(user=request.user),
        "is_contact": policies.principal(request.user).role is Role.CONTACT,
    }
    return render(request, "downloads/index.html", context)


@require_GET
def product(request: HttpRequest, product: str) -> HttpResponseBase:
    found = _product(product)
    context = {
        "product": found,
        "releases": list(selectors.release_list(user=request.user, product=found)),
        "latest": selectors.latest_releases(user=request.user, product=found),
        "downloadable": _downloadable_ids(request, found),
        "following": found.pk in selectors.followed_product_ids(user=request.user),
        "is_contact": policies.principal(request.user).role is Role.CONTACT,
    }
    return render(request, "downloads/notes.html", context)


@require_GET
def version(request: HttpRequest, product: str, version: str) -> HttpResponseBase:
    found = _product(product)
    try:
        number = selectors.version_get(product=found, number=version)
    except NotFound as error:
        raise Http404(error.message) from None
    releases = list(selectors.release_list(user=request.user, product=found, version=number))
    if not releases:
        raise Http404("No such version.")
    context = {
        "product": found,
        "version": number,
        "releases": releases,
        "downloadable": _downloadable_ids(request, found),
    }
    return render(request, "downloads/notes.html", context)


@require_GET
def feed(request: HttpRequest, product: str) -> HttpResponseBase:
    """The product's releases as Atom, as the requester may read them (feed readers are
    usually anonymous: public notes only)."""
    found = _product(product)
    atom = feedgenerator.Atom1Feed(
        title=f"{found.name} releases",
        link=site_url(f"/downloads/products/{found.slug}/"),
        description=f"New releases of {found.name}",
        feed_url=site_url(request.path),
        language="en",
    )
    for release in selectors.release_list(user=request.user, product=found)[:FEED_ITEMS]:
        if release.published_at is None:
            continue
        atom.add_item(
            title=release.title, link=site_url(release_url(release)),
            description=release.notes_html, pubdate=release.published_at,
            unique_id=site_url(f"/downloads/releases/{release.pk}"),
        )  # fmt: skip
    return HttpResponse(atom.writeString("utf-8"), content_type="application/atom+xml")


@require_POST
def follow(request: HttpRequest, product: str) -> HttpResponseBase:
    found = _product(product)
    if policies.principal(request.user).role is not Role.CONTACT:
        raise Http404("No such page.")
    services.product_follow(actor=request.user, product=found, follow="stop" not in request.POST)
    return redirect("downloads:product", product=found.slug)


# ---- the downloads ----------------------------------------------------------------------


@READ_AND_HEAD
def file(request: HttpRequest, pk: int, name: str) -> HttpResponseBase:
    found = _file_or_sign_in(request, pk, name)
    if not isinstance(found, ReleaseFile):
        return found
    return _send(request, found, _downloader(request, request.user))


@READ_AND_HEAD
def signature(request: HttpRequest, pk: int, name: str) -> HttpResponseBase:
    found = _file_or_sign_in(request, pk, None)
    if not isinstance(found, ReleaseFile):
        return found
    if not found.signature_stored_name or found.signature_name != name:
        raise Http404("No such file.")
    storage = downloads_storage()
    size = storage.size(found.signature_stored_name)
    reader = RangeReader(storage.open(found.signature_stored_name, "rb"), 0, size, _ignore)
    response = serving.AttachmentResponse(reader, as_attachment=True, filename=name)
    response["Content-Length"] = str(size)
    response["Content-Type"] = "application/pgp-signature"
    return response


@READ_AND_HEAD
def link(request: HttpRequest, token: str) -> HttpResponseBase:
    """A signed link: the contact's organization must be entitled at this click."""
    claim = link_claim(token)
    contact = (
        Contact.objects.filter(pk=claim.contact_id).select_related("organization").first()
        if claim
        else None
    )
    if claim is None or contact is None:
        raise Http404("No such file.")
    as_contact = policies.contact_principal(contact)
    try:
        found = selectors.file_for_download(actor=as_contact, pk=claim.file_id)
    except NotFound as error:
        raise Http404(error.message) from None
    downloader = services.Downloader(
        user_id=contact.user_id, contact_id=contact.pk, organization_id=contact.organization_id,
        client_address=client_address(request) or None, via="link",
    )  # fmt: skip
    return _send(request, found, downloader)


def _file_or_sign_in(request: HttpRequest, pk: int, name: str | None) -> Any:
    try:
        found = selectors.file_for_download(actor=request.user, pk=pk)
    except NotFound as error:
        if not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path())
        raise Http404(error.message) from None
    if name is not None and found.name != name:
        raise Http404("No such file.")
    return found


def _downloader(request: HttpRequest, user: Any) -> services.Downloader:
    facts = policies.principal(user)
    return services.Downloader(
        user_id=facts.user_id, contact_id=facts.contact_id,
        organization_id=facts.organization_id, client_address=client_address(request) or None,
    )  # fmt: skip


def _send(request: HttpRequest, found: ReleaseFile, downloader: Any) -> HttpResponseBase:
    if request.method == "HEAD":
        return serving.respond(request, found, on_start=lambda: _ignore)

    def start() -> serving.OnClose:
        record = services.download_start(
            downloader=downloader, file=found, range_header=request.headers.get("Range", "")
        )
        return partial(_finished, record.pk)

    return serving.respond(request, found, on_start=start)


def _finished(download_id: int, bytes_sent: int) -> None:
    services.download_finish(download_id=download_id, bytes_sent=bytes_sent)


def _ignore(_bytes_sent: int) -> None:
    """A HEAD request or a signature: nothing worth logging."""


def _product(slug: str) -> Any:
    try:
        return selectors.product_get(slug=slug)
    except NotFound as error:
        raise Http404(error.message) from None


def _downloadable_ids(request: HttpRequest, product: Any) -> set[int]:
    releases = selectors.release_list(user=request.user, action=policies.DOWNLOAD, product=product)
    return set(releases.values_list("pk", flat=True))

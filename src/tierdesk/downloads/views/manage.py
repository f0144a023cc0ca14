"""The agents' side of the download centre (``/downloads/manage/``): releases (release managers
edit, upload and publish), "fixed in" links from a ticket and in bulk from a release, an
organization's entitlements and download history, and signed links mailed to a contact.

Agents only; anybody else is told nothing exists here (404). Writes take the release-manager
permission (the services check it: ``policies.MANAGE``).
"""

from __future__ import annotations

import tempfile
from collections.abc import Callable
from functools import wraps
from pathlib import Path
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_POST

from tierdesk.core.errors import NotFound, TierdeskError
from tierdesk.core.text import parse_int
from tierdesk.crm import selectors as crm_selectors
from tierdesk.downloads import announcing, policies, selectors, services
from tierdesk.downloads.models import Channel, Kind, ReleaseFile
from tierdesk.tickets import selectors as ticket_selectors

View = Callable[..., HttpResponseBase]
MAX_BULK = 200


def agent_only(view: View) -> View:
    @login_required
    @wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        if not policies.principal(request.user).is_agent:
            raise Http404("No such page.")
        try:
            return view(request, *args, **kwargs)
        except NotFound as error:
            raise Http404(error.message) from None

    return wrapper


@agent_only
@require_GET
def home(request: HttpRequest) -> HttpResponse:
    managing = policies.is_release_manager(request.user)
    action = policies.MANAGE if managing else policies.READ
    context = {
        "releases": list(selectors.release_list(user=request.user, action=action)[:200]),
        "managing": managing,
        "kinds": Kind.choices,
    }
    return render(request, "downloads/manage/home.html", context)


@agent_only
@require_POST
def release_new(request: HttpRequest) -> HttpResponse:
    if not policies.is_release_manager(request.user):
        raise Http404("No such page.")
    data = request.POST
    try:
        product = services.product_ensure(actor=request.user, slug=data.get("product", "").strip())
        version = services.version_ensure(
            actor=request.user, product=product, number=data.get("version", "")
        )
        release = services.release_create(
            actor=request.user, version=version, kind=data.get("kind", "")
        )
    except TierdeskError as error:
        messages.error(request, error.message)
        return redirect("downloads:manage")
    return redirect("downloads:manage_release", pk=release.pk)


@agent_only
def release(request: HttpRequest, pk: int) -> HttpResponse:
    found = services.release_for_update(actor=request.user, pk=pk)
    if request.method == "POST":
        try:
            services.release_update(actor=request.user, release=found, fields=_fields(request))
        except TierdeskError as error:
            messages.error(request, error.message)
        else:
            messages.success(request, "Saved.")
        return redirect("downloads:manage_release", pk=found.pk)
    return _render_release(request, found)


def _render_release(request: HttpRequest, found: Any) -> HttpResponse:
    context = {
        "release": found,
        "files": list(found.files.order_by("name")),
        "fixes": list(selectors.fixes_of(release=found)),
        "kinds": Kind.choices,
        "channels": Channel.choices,
    }
    return render(request, "downloads/manage/release.html", context)


def _fields(request: HttpRequest) -> services.ReleaseFields:
    data = request.POST
    platforms = [p for p in data.get("platforms", "").split(",")]
    return services.ReleaseFields(
        title=data.get("title", ""), notes=data.get("notes", ""),
        channel=data.get("channel", Channel.STABLE), platforms=platforms,
        is_public="is_public" in data, notes_public="notes_public" in data,
        resolves_fixed_tickets="resolves_fixed_tickets" in data,
    )  # fmt: skip


@agent_only
@require_POST
def release_upload(request: HttpRequest, pk: int) -> HttpResponse:
    """Files uploaded from the page (within the request size limit; big builds go through the
    command or the API)."""
    found = services.release_for_update(actor=request.user, pk=pk)
    for upload in request.FILES.getlist("files"):
        name = upload.name or "file"
        with tempfile.TemporaryDirectory() as directory:
            path = Path(directory) / "upload"
            with path.open("wb") as target:
                for chunk in upload.chunks():
                    target.write(chunk)
            try:
                if name.endswith(services.SIGNATURE_SUFFIXES):
                    _attach_signature(request, found, name, path)
                else:
                    services.release_file_add(
                        actor=request.user, release=found, path=path, name=name
                    )
            except TierdeskError as error:
                messages.error(request, f"{name}: {error.message}")
    return redirect("downloads:manage_release", pk=found.pk)


def _attach_signature(request: HttpRequest, found: Any, name: str, path: Path) -> None:
    signed = found.files.filter(name=name.rsplit(".", 1)[0]).first()
    if signed is None:
        messages.error(request, f"{name}: no file of that name to sign.")
        return
    named = path.with_name(Path(name).name)
    path.rename(named)
    services.release_signature_add(actor=request.user, file=signed, path=named)


@agent_only
@require_POST
def release_publish(request: HttpRequest, pk: int) -> HttpResponse:
    found = services.release_for_update(actor=request.user, pk=pk)
    try:
        services.release_publish(actor=request.user, release=found)
    except TierdeskError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, f"{found.title} is published.")
    return redirect("downloads:manage_release", pk=found.pk)


@agent_only
@require_POST
def release_fixes(request: HttpRequest, pk: int) -> HttpResponse:
    """Link defect tickets in bulk: references separated by spaces, commas or lines."""
    found = services.release_for_update(actor=request.user, pk=pk)
    references = request.POST.get("tickets", "").replace(",", " ").split()[:MAX_BULK]
    for reference in references:
        try:
            ticket = ticket_selectors.ticket_get(user=request.user, reference=reference)
            services.fix_link(actor=request.user, release=found, ticket=ticket)
        except TierdeskError as error:
            messages.error(request, f"{reference}: {error.message}")
    return redirect("downloads:manage_release", pk=found.pk)


# ---- the ticket page's panel ----------------------------------------------------------------


@agent_only
def ticket_panel(request: HttpRequest, ref: str) -> HttpResponse:
    """The "Fixed in" panel on the desk's ticket page (loaded by htmx); posting links the
    ticket to a planned release or unlinks it."""
    ticket = ticket_selectors.ticket_get(user=request.user, reference=ref)
    error = ""
    if request.method == "POST":
        error = _link_from_panel(request, ticket)
    context = {
        "ticket": ticket,
        "fix": selectors.fix_for_ticket(ticket_id=ticket.pk),
        "planned": list(selectors.planned_releases(user=request.user)),
        "managing": policies.is_release_manager(request.user),
        "error": error,
    }
    return render(request, "downloads/manage/_ticket_panel_body.html", context)


def _link_from_panel(request: HttpRequest, ticket: Any) -> str:
    try:
        if request.POST.get("release") == "":
            services.fix_unlink(actor=request.user, ticket=ticket)
            return ""
        pk = parse_int(request.POST.get("release", ""), low=1)
        found = services.release_for_update(actor=request.user, pk=pk or 0)
        services.fix_link(actor=request.user, release=found, ticket=ticket)
    except TierdeskError as error:
        return error.message
    return ""


# ---- organizations and links ----------------------------------------------------------------


@agent_only
@require_GET
def organization(request: HttpRequest, pk: int) -> HttpResponse:
    found = crm_selectors.organization_get(user=request.user, pk=pk)
    subscriptions = selectors.organization_subscriptions(user=request.user, organization=found)
    context = {
        "organization": found,
        "subscriptions": [(s, policies.is_active(s)) for s in subscriptions],
        "downloads": list(
            selectors.download_log(user=request.user, organization_id=found.pk)[:200]
        ),
        "contacts": list(found.contacts.order_by("name")),
        "files": selectors.organization_files(organization=found),
    }
    return render(request, "downloads/manage/organization.html", context)


@agent_only
@require_POST
def mail_link(request: HttpRequest, pk: int) -> HttpResponse:
    """Mail a contact a signed link to a file (from the organization page)."""
    contact_id = parse_int(request.POST.get("contact", ""), low=1) or 0
    contact = crm_selectors.contact_get(user=request.user, pk=contact_id)
    pk = parse_int(request.POST.get("file", ""), low=1) or pk
    file = ReleaseFile.objects.select_related("release__version__product").filter(pk=pk).first()
    if file is None or not policies.can(request.user, policies.DOWNLOAD, file.release):
        raise Http404("No such file.")
    try:
        announcing.download_link_mail(actor=request.user, contact=contact, file=file)
    except TierdeskError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, f"A link to {file.name} is on its way to {contact.email}.")
    return redirect("downloads:manage_organization", pk=contact.organization_id)

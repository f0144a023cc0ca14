"""The customers' pages: incident status, released root-cause reports, changes to approve;
and the public incident pages with their Atom feeds (opt-in per incident).

A contact sees only what concerns their own organization: an incident's other affected
organizations, other customers' reports and the vendor's internal notes never appear here.
"""

from __future__ import annotations

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.feedgenerator import Atom1Feed
from django.views.decorators.http import require_GET, require_POST

from tierdesk.core.errors import NotFound, TierdeskError
from tierdesk.problems import pdf, selectors, services
from tierdesk.problems.models import Incident
from tierdesk.problems.views.base import contact_page, refused


@contact_page
@require_GET
def status_list(request: HttpRequest) -> HttpResponse:
    incidents = list(selectors.incident_statuses(user=request.user)[:100])
    return render(request, "problems/status_list.html", {"incidents": incidents})


@contact_page
@require_GET
def status_incident(request: HttpRequest, pk: int) -> HttpResponse:
    found = selectors.incident_status_get(user=request.user, pk=pk)
    return render(request, "problems/status_incident.html", {"incident": found, "public": False})


@require_GET
def public_incident(request: HttpRequest, slug: str) -> HttpResponse:
    found = _public(slug)
    return render(request, "problems/status_incident.html", {"incident": found, "public": True})


@require_GET
def public_feed(request: HttpRequest, slug: str) -> HttpResponse:
    found = _public(slug)
    link = request.build_absolute_uri(reverse("problems:public_incident", kwargs={"slug": slug}))
    feed = Atom1Feed(title=f"{found.reference} {found.title}", link=link,
                     description=f"Status updates of {found.reference}")  # fmt: skip
    for update in found.updates.all():
        feed.add_item(
            title=f"{update.get_status_display()}: {found.title}", link=link,
            description=update.body, pubdate=update.created_at,
            unique_id=f"{link}#update-{update.pk}",
        )  # fmt: skip
    response = HttpResponse(content_type="application/atom+xml; charset=utf-8")
    feed.write(response, "utf-8")
    return response


def _public(slug: str) -> Incident:
    try:
        return selectors.public_incident(slug=slug)
    except NotFound as exc:
        raise Http404(exc.message) from None


@contact_page
@require_GET
def rca_list(request: HttpRequest) -> HttpResponse:
    rcas = list(selectors.rcas_released(user=request.user)[:100])
    return render(request, "problems/portal_rca_list.html", {"rcas": rcas})


@contact_page
@require_GET
def rca(request: HttpRequest, pk: int) -> HttpResponse:
    found = selectors.rca_released_get(user=request.user, pk=pk)
    return render(request, "problems/portal_rca.html", {"rca": found})


@contact_page
@require_GET
def rca_pdf(request: HttpRequest, pk: int) -> HttpResponse:
    found = selectors.rca_released_get(user=request.user, pk=pk)
    response = HttpResponse(pdf.rca_pdf(found), content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="{found.reference}.pdf"'
    return response


@contact_page
@require_GET
def change_list(request: HttpRequest) -> HttpResponse:
    rows = selectors.changes_for_contact(user=request.user)
    return render(request, "problems/portal_change_list.html", {"rows": rows})


@contact_page
@require_GET
def change(request: HttpRequest, pk: int) -> HttpResponse:
    found, mine = selectors.change_for_contact(user=request.user, pk=pk)
    return render(request, "problems/portal_change.html", {"change": found, "mine": mine})


@contact_page
@require_POST
def change_decide(request: HttpRequest, pk: int) -> HttpResponse:
    found, _ = selectors.change_for_contact(user=request.user, pk=pk)
    approve = request.POST.get("decision") == "approve"
    try:
        services.change_decide(actor=request.user, change=found, approve=approve)
        messages.success(request, "Thank you: your decision is recorded.")
    except NotFound:
        raise
    except TierdeskError as exc:
        refused(request, exc)
    return redirect("problems:portal_change", pk=found.pk)

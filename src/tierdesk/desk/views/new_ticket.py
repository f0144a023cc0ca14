"""A new ticket on a customer's behalf, with the plan's promise shown before saving."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET

from tierdesk.core.errors import TierdeskError
from tierdesk.core.text import parse_int
from tierdesk.crm import selectors as crm_selectors
from tierdesk.crm.policies import ACT_FOR
from tierdesk.desk import forms as desk_forms
from tierdesk.desk import selectors
from tierdesk.desk.views.base import agent_page, form_error
from tierdesk.desk.views.compose import implied
from tierdesk.sla.promise import promise
from tierdesk.sla.services import plan_for
from tierdesk.tickets import selectors as ticket_selectors
from tierdesk.tickets import services as ticket_services
from tierdesk.tickets.models import Ticket
from tierdesk.tickets.services.opening import Impact
from tierdesk.tickets.uploads import open_with_files

# ---- a new ticket on a customer's behalf -------------------------------------------------


@agent_page
def ticket_new(request: HttpRequest) -> HttpResponse:
    categories = list(ticket_selectors.category_list(user=request.user))
    form = desk_forms.NewTicketForm(
        request.POST or None, request.FILES or None, categories=categories
    )
    if request.method == "POST" and form.is_valid():
        try:
            created = _open_on_behalf(request.user, form.cleaned_data, categories)
        except TierdeskError as exc:
            form_error(form, exc)
        else:
            selectors.forget_queue_menus(request.user)
            messages.success(request, f"{created.reference} opened.")
            return redirect("desk:ticket", ref=created.reference)
    status = 422 if form.is_bound else 200
    return render(request, "desk/ticket_new.html", {"form": form}, status=status)


def _open_on_behalf(user: Any, data: dict[str, Any], categories: list[Any]) -> Ticket:
    organization, contact = _party(user, data["party"])
    impact = None
    if data["affected"] is not None and data["total"] is not None:
        impact = Impact(data["affected"], data["total"], data["unit"])
    category = next((c for c in categories if c.pk == data["category"]), None)
    return open_with_files(
        actor=user,
        files=data["attachments"],
        open_ticket=lambda: ticket_services.ticket_open(
            actor=user, organization=organization, reporter=contact, subject=data["subject"],
            body=data["body"], type=data["type"], channel=data["channel"], category=category,
            impact=impact, priority=data["priority"], is_emergency=data["is_emergency"],
        ),
    )  # fmt: skip


def _party(user: Any, party: tuple[str, int]) -> tuple[Any, Any]:
    kind, pk = party
    if kind == "contact":
        contact = crm_selectors.contact_get(user=user, pk=pk, field="party", action=ACT_FOR)
        return contact.organization, contact
    return crm_selectors.organization_get(user=user, pk=pk, field="party", action=ACT_FOR), None


@agent_page
@require_GET
def party_search(request: HttpRequest) -> HttpResponse:
    """Organizations and contacts matching the search, to pick one (htmx)."""
    q = request.GET.get("party_q", "").strip()
    context: dict[str, Any] = {"q": q, "organizations": [], "contacts": []}
    if len(q) >= 2:
        found = crm_selectors.organization_list(user=request.user, q=q, action=ACT_FOR)
        context["organizations"] = list(found[:8])
        people = crm_selectors.contact_list(user=request.user, q=q, action=ACT_FOR)
        context["contacts"] = list(people[:12])
    return render(request, "desk/ticket_new.html#party_results", context)


@agent_page
@require_GET
def commitment_preview(request: HttpRequest) -> HttpResponse:
    """The plan and its targets that the ticket will get, shown before saving."""
    context: dict[str, Any] = {"commitment": None}
    kind, _, digits = request.GET.get("party", "").partition(":")
    pk = parse_int(digits, low=1)
    if pk is not None and kind in {"contact", "organization"}:
        organization, _contact = _party(request.user, (kind, pk))
        priority = _priority_preview(request)
        emergency = bool(request.GET.get("is_emergency"))
        context["commitment"] = promise(plan_for(organization), priority, emergency=emergency)
        context["organization"] = organization
    return render(request, "desk/ticket_new.html#commitment", context)


def _priority_preview(request: HttpRequest) -> int:
    chosen = parse_int(request.GET.get("priority", ""), low=1, high=4)
    if chosen is not None:
        return chosen
    if request.GET.get("is_emergency"):
        return 1
    found = implied(request)
    return found["priority"] if found else 3

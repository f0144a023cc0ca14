"""The desk's problem and major-incident pages (vendor side)."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_POST

from tierdesk.accounts.models import User
from tierdesk.accounts.principal import principal_of
from tierdesk.core.errors import InvalidInput, NotFound, TierdeskError
from tierdesk.core.text import parse_int
from tierdesk.crm.models import Product
from tierdesk.problems import policies, selectors, services
from tierdesk.problems.models import (
    AffectedScope,
    DeliveryOutcome,
    IncidentSeverity,
    IncidentStatus,
    Problem,
    ProblemStatus,
    ProblemTicket,
)
from tierdesk.problems.views.base import refused, vendor_page
from tierdesk.sla.models import Plan
from tierdesk.tickets import selectors as ticket_selectors
from tierdesk.tickets.models import Ticket

_REF = re.compile(r"[A-Za-z]+-\d+|\d+")
MAX_REFS = 1000


def tickets_named(user: Any, data: Any) -> list[Ticket]:
    """The tickets a form names: checked boxes (``tickets``) and typed references (``refs``);
    one the user may not see is ``NotFound``, like a missing one."""
    refs = [*data.getlist("tickets"), *_REF.findall(data.get("refs", ""))][:MAX_REFS]
    return [ticket_selectors.ticket_get(user=user, reference=ref) for ref in dict.fromkeys(refs)]


@vendor_page
@require_GET
def problem_list(request: HttpRequest) -> HttpResponse:
    status = request.GET.get("status", "")
    context = {
        "problems": list(selectors.problem_list(user=request.user, status=status or None)[:200]),
        "suggestions": selectors.burst_suggestions(user=request.user),
        "statuses": ProblemStatus.choices,
        "status": status,
    }
    return render(request, "problems/problem_list.html", context)


@vendor_page
@require_POST
def problem_new(request: HttpRequest) -> HttpResponse:
    try:
        problem = services.problem_create(
            actor=request.user, statement=request.POST.get("statement", ""),
            description=request.POST.get("description", ""),
            tickets=tickets_named(request.user, request.POST),
        )  # fmt: skip
    except TierdeskError as exc:
        refused(request, exc)
        return redirect("problems:problem_list")
    return redirect("problems:problem", pk=problem.pk)


@vendor_page
@require_GET
def problem(request: HttpRequest, pk: int) -> HttpResponse:
    found = selectors.problem_get(user=request.user, pk=pk)
    tickets = list(selectors.problem_tickets(user=request.user, problem=found))
    linked = ProblemTicket.objects.filter(problem=found).count()
    updates = found.updates.select_related("author").order_by("-created_at")
    context = {
        "problem": found,
        "tickets": tickets,
        "hidden_count": linked - len(tickets),
        "notes": list(found.notes.select_related("author")),
        "updates": [
            (u, u.deliveries.filter(outcome=DeliveryOutcome.POSTED).count()) for u in updates
        ],
        "incident": getattr(found, "incident", None),
        "statuses": ProblemStatus.choices,
        "severities": IncidentSeverity.choices,
        "scopes": AffectedScope.choices,
        "products": list(Product.objects.order_by("name")),
        "plans": list(Plan.objects.order_by("name")),
    }
    return render(request, "problems/problem.html", context)


def _update(request: HttpRequest, problem: Problem) -> str:
    services.problem_update(
        actor=request.user, problem=problem, status=request.POST.get("status") or None,
        statement=request.POST.get("statement") or None,
        affected_versions=request.POST.get("affected_versions"),
    )  # fmt: skip
    return "Problem saved."


def _note(request: HttpRequest, problem: Problem) -> str:
    services.problem_note(actor=request.user, problem=problem, body=request.POST.get("body", ""))
    return "Internal note added."


def _link(request: HttpRequest, problem: Problem) -> str:
    count = services.problem_link(
        actor=request.user, problem=problem, tickets=tickets_named(request.user, request.POST)
    )
    return f"{count} ticket(s) linked."


def _unlink(request: HttpRequest, problem: Problem) -> str:
    ticket = ticket_selectors.ticket_get(user=request.user, reference=request.POST.get("ref", ""))
    services.problem_unlink(actor=request.user, problem=problem, ticket=ticket)
    return f"{ticket.reference} unlinked."


def _broadcast(request: HttpRequest, problem: Problem) -> str:
    services.problem_broadcast(
        actor=request.user, problem=problem, body=request.POST.get("body", "")
    )
    return "The update is being posted to every linked ticket."


def _workaround(request: HttpRequest, problem: Problem) -> str:
    services.problem_publish_workaround(
        actor=request.user, problem=problem, workaround=request.POST.get("workaround", ""),
        as_article=bool(request.POST.get("as_article")),
    )  # fmt: skip
    return "The workaround is being posted to every linked ticket."


def _fix(request: HttpRequest, problem: Problem) -> str:
    services.problem_fix(
        actor=request.user, problem=problem, note=request.POST.get("note", ""),
        release=request.POST.get("release", ""),
    )  # fmt: skip
    return "Fixed: every linked ticket is being told and resolved."


def _declare(request: HttpRequest, problem: Problem) -> str:
    incident = services.incident_declare(
        actor=request.user, title=request.POST.get("title") or problem.statement,
        lead=_lead(request), problem=problem,
        severity=request.POST.get("severity", IncidentSeverity.MAJOR),
        scope=request.POST.get("scope", AffectedScope.LINKED),
        product=_by_id(Product, request.POST.get("product")),
        plan=_by_id(Plan, request.POST.get("plan")),
    )  # fmt: skip
    if request.POST.get("public"):
        services.incident_publish(actor=request.user, incident=incident, public=True)
    return f"{incident.reference} declared."


def _lead(request: HttpRequest) -> Any:
    pk = parse_int(request.POST.get("lead", ""))
    if pk is None:
        return request.user
    lead = User.objects.filter(pk=pk, agent__isnull=False).first()
    if lead is None:
        raise InvalidInput("The incident lead is an agent.", field="lead")
    return lead


def _by_id(model: Any, value: str | None) -> Any:
    pk = parse_int(value or "")
    if pk is None:
        return None
    found = model.objects.filter(pk=pk).first()
    if found is None:
        raise InvalidInput(f"No such {model._meta.verbose_name}.", field=model._meta.model_name)
    return found


PROBLEM_ACTIONS: dict[str, Callable[[HttpRequest, Problem], str]] = {
    "update": _update, "note": _note, "link": _link, "unlink": _unlink,
    "broadcast": _broadcast, "workaround": _workaround, "fix": _fix, "declare": _declare,
}  # fmt: skip


@vendor_page
@require_POST
def problem_action(request: HttpRequest, pk: int, name: str) -> HttpResponse:
    found = selectors.problem_get(user=request.user, pk=pk)
    act = PROBLEM_ACTIONS.get(name)
    if act is None:
        raise NotFound("No such action.")
    try:
        messages.success(request, act(request, found))
    except TierdeskError as exc:  # a ticket named in the form may be NotFound: said, not 404
        refused(request, exc)
    return redirect("problems:problem", pk=found.pk)


@login_required
@require_GET
def ticket_panel(request: HttpRequest, ref: str) -> HttpResponse:
    """The desk ticket page's panel (htmx): empty for a partner agent (who sees the page but no
    problem), so the page loads it for every agent without an error in anyone's console."""
    if not principal_of(request.user).is_agent:
        raise Http404("No such page.")
    if policies.is_vendor_side(request.user):
        try:
            ticket = ticket_selectors.ticket_get(user=request.user, reference=ref)
        except NotFound:
            raise Http404("No such ticket.") from None
        panel = selectors.ticket_panel(user=request.user, ticket=ticket)
        context = {"panel": panel, "ticket": ticket}
        return render(request, "problems/ticket_panel.html", context)
    return HttpResponse("")


@vendor_page
@require_POST
def ticket_link(request: HttpRequest, ref: str) -> HttpResponse:
    """From the desk's ticket page: link the ticket to a problem, or open one with it."""
    ticket = ticket_selectors.ticket_get(user=request.user, reference=ref)
    try:
        pk = parse_int(request.POST.get("problem", ""))
        if pk is not None:
            found = selectors.problem_get(user=request.user, pk=pk)
            services.problem_link(actor=request.user, problem=found, tickets=[ticket])
        else:
            statement = request.POST.get("statement") or ticket.subject
            services.problem_create(actor=request.user, statement=statement, tickets=[ticket])
        messages.success(request, "Linked to the problem.")
    except TierdeskError as exc:
        refused(request, exc)
    return redirect("desk:ticket", ref=ticket.reference)


# ---- major incidents ---------------------------------------------------------------------


@vendor_page
@require_GET
def incident_list(request: HttpRequest) -> HttpResponse:
    incidents = list(selectors.incident_list(user=request.user)[:200])
    return render(request, "problems/incident_list.html", {"incidents": incidents})


@vendor_page
@require_GET
def incident(request: HttpRequest, pk: int) -> HttpResponse:
    found = selectors.incident_get(user=request.user, pk=pk)
    context = {
        "incident": found,
        "updates": list(found.updates.select_related("author")),
        "organizations": list(found.organizations.order_by("name")),
        "rcas": list(found.rcas.select_related("organization")),
        "statuses": IncidentStatus.choices,
    }
    return render(request, "problems/incident.html", context)


@vendor_page
@require_POST
def incident_action(request: HttpRequest, pk: int, name: str) -> HttpResponse:
    found = selectors.incident_get(user=request.user, pk=pk)
    try:
        if name == "post":
            services.incident_post(
                actor=request.user, incident=found, status=request.POST.get("status", ""),
                body=request.POST.get("body", ""),
                notify_contacts=bool(request.POST.get("notify_contacts")),
            )  # fmt: skip
        elif name == "publish":
            public = request.POST.get("public") == "1"
            services.incident_publish(actor=request.user, incident=found, public=public)
        else:
            raise NotFound("No such action.")
        messages.success(request, "Saved.")
    except NotFound:
        raise
    except TierdeskError as exc:
        refused(request, exc)
    return redirect("problems:incident", pk=found.pk)

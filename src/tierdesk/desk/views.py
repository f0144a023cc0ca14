"""The agents' pages. Each view parses, calls one selector or service, and renders; an htmx
request gets a partial of the same template."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db import transaction
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_POST

from tierdesk.core.errors import NotFound, TierdeskError
from tierdesk.core.text import render_markdown
from tierdesk.crm import selectors as crm_selectors
from tierdesk.crm.policies import ACT_FOR
from tierdesk.desk import forms as desk_forms
from tierdesk.desk import selectors, services
from tierdesk.desk.actions import ACTION_KEYS, ACTIONS, action_form
from tierdesk.desk.models import QueueView
from tierdesk.sla.promise import promise
from tierdesk.sla.services import plan_for
from tierdesk.tickets import policies
from tierdesk.tickets import selectors as ticket_selectors
from tierdesk.tickets import services as ticket_services
from tierdesk.tickets.domain import DEFAULT_PRIORITY_FOR_SEVERITY, Severity
from tierdesk.tickets.models import Ticket
from tierdesk.tickets.services.opening import Impact
from tierdesk.tickets.uploads import attach_all, post_message

View = Callable[..., HttpResponseBase]
VIEW_SLOT = "__view__"
ACTION_SLOT = "__action__"


def agent_page(view: View) -> View:
    """Signed in, and an agent; anybody else is told nothing exists here (404)."""

    @login_required
    @wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        if not selectors.is_agent(request.user):
            raise Http404("No such page.")
        try:
            return view(request, *args, **kwargs)
        except NotFound as exc:
            raise Http404(exc.message) from None

    return wrapper


# ---- queues --------------------------------------------------------------------------------


@agent_page
@require_GET
def home(request: HttpRequest) -> HttpResponse:
    return redirect("desk:queue", view=QueueView.TEAM)


@agent_page
@require_GET
def queue(request: HttpRequest, view: str) -> HttpResponse:
    if view not in QueueView.values:
        raise Http404("No such queue.")
    user = request.user
    menus = selectors.queue_menus(user=user)
    form = desk_forms.QueueFilterForm(
        request.GET or None, teams=menus.teams, categories=menus.categories
    )
    filters, page = _filters(form)
    views = selectors.queue_views(user)
    context = {
        "view": QueueView(view),
        "views": views,
        "counts": menus.counts,
        "nav": _queue_nav(views, menus.counts),
        "queue": selectors.queue_page(user=user, view=view, filters=filters, page=page),
        "form": form,
        "saved_views": menus.saved_views,
        "query": _query_without_page(request),
        "selected_priorities": [int(p) for p in request.GET.getlist("priority") if p.isdigit()],
        "selected_statuses": request.GET.getlist("status"),
    }
    # htmx polling asks for the rows only (HtmxMiddleware sets request.htmx).
    template = "desk/queue.html#rows" if getattr(request, "htmx", False) else "desk/queue.html"
    return render(request, template, context)


def _queue_nav(views: list[QueueView], counts: dict[str, int]) -> list[tuple[Any, ...]]:
    """(view, its URL, its count as shown, whether it calls for attention) for the menu."""
    url = reverse("desk:queue", kwargs={"view": VIEW_SLOT})  # reversed once, not once a view
    return [
        (
            view,
            url.replace(VIEW_SLOT, view.value),
            selectors.count_label(counts.get(view.value, 0)),
            view is QueueView.BREACHING and counts.get(view.value, 0) > 0,
        )
        for view in views
    ]


def _filters(form: desk_forms.QueueFilterForm) -> tuple[ticket_selectors.TicketFilters, int]:
    if not form.is_bound or not form.is_valid():
        return ticket_selectors.TicketFilters(), 1
    data = form.cleaned_data
    filters = ticket_selectors.TicketFilters(
        q=data["q"] or None,
        priority=data["priority"] or None,
        status=data["status"] or None,
        team_id=data["team"],
        category_id=data["category"],
    )
    return filters, data["page"] or 1


def _query_without_page(request: HttpRequest) -> str:
    query = request.GET.copy()
    query.pop("page", None)
    return query.urlencode()


@agent_page
@require_POST
def saved_view_create(request: HttpRequest, view: str) -> HttpResponse:
    form = desk_forms.SavedViewForm(request.POST)
    if not form.is_valid():
        messages.error(request, "Give the view a name.")
        return redirect("desk:queue", view=view)
    try:
        saved = services.saved_view_create(
            actor=request.user, name=form.cleaned_data["name"], view=view,
            filters={key: request.POST.getlist(key) for key in services.FILTER_KEYS},
        )  # fmt: skip
    except TierdeskError as exc:
        messages.error(request, exc.message)
        return redirect("desk:queue", view=view)
    messages.success(request, f"Saved the view {saved.name!r}.")
    return redirect(_saved_view_url(saved))


def _saved_view_url(saved: Any) -> str:
    url = reverse("desk:queue", kwargs={"view": saved.view})
    return f"{url}?{saved.query}" if saved.query else url


@agent_page
@require_POST
def saved_view_delete(request: HttpRequest, pk: int) -> HttpResponse:
    services.saved_view_delete(actor=request.user, pk=pk)
    messages.success(request, "Saved view deleted.")
    return redirect("desk:home")


# ---- the ticket page -----------------------------------------------------------------------


@agent_page
@require_GET
def ticket(request: HttpRequest, ref: str) -> HttpResponse:
    found = selectors.ticket_for_page(user=request.user, reference=ref)
    return _render_ticket(request, found)


def _render_ticket(
    request: HttpRequest,
    found: Ticket,
    *,
    failed: tuple[str, Any] | None = None,
    composer: Any = None,
    status: int = 200,
) -> HttpResponse:
    page = selectors.ticket_page(user=request.user, ticket=found, for_forms=failed is not None)
    # Action forms load when opened (ticket_action_form); only a refused one comes back inline.
    form_url = reverse(
        "desk:ticket_action_form", kwargs={"ref": found.reference, "name": ACTION_SLOT}
    )  # reversed once, not once an action
    context = {
        "page": page,
        "ticket": found,
        "actions": [
            (
                name,
                spec.title,
                ACTION_KEYS[name],
                failed[1] if failed and failed[0] == name else None,
                form_url.replace(ACTION_SLOT, name),
            )
            for name, spec in ACTIONS.items()
            if name in page.allowed
        ],
        "failed": failed[0] if failed else None,
        "composer": composer or desk_forms.ComposerForm(),
        "canned": list(selectors.canned_response_list(user=request.user)),
    }
    return render(request, "desk/ticket.html", context, status=status)


@agent_page
@require_POST
def ticket_message(request: HttpRequest, ref: str) -> HttpResponse:
    found = selectors.ticket_for_page(user=request.user, reference=ref)
    form = desk_forms.ComposerForm(request.POST, request.FILES)
    if not form.is_valid():
        return _render_ticket(request, found, composer=form, status=422)
    data = form.cleaned_data
    try:
        target = post_message(
            actor=request.user, ticket=found, kind=data["kind"], body=data["body"],
            files=data["attachments"],
        )  # fmt: skip
    except TierdeskError as exc:
        _form_error(form, exc)
        return _render_ticket(request, found, composer=form, status=exc.status)
    messages.success(request, "Note added." if data["kind"] == "note" else "Reply sent.")
    return redirect("desk:ticket", ref=target.reference)


@agent_page
@require_POST
def ticket_action(request: HttpRequest, ref: str, name: str) -> HttpResponse:
    spec = ACTIONS.get(name)
    if spec is None:
        raise Http404("No such action.")
    found = selectors.ticket_for_page(user=request.user, reference=ref)
    page = selectors.ticket_page(user=request.user, ticket=found, for_forms=True)
    form = action_form(name, page, request.POST, request.FILES)
    if not form.is_valid():
        return _render_ticket(request, found, failed=(name, form), status=422)
    try:
        result = spec.perform(request.user, found, form.cleaned_data, form)
    except TierdeskError as exc:
        _form_error(form, exc)
        return _render_ticket(request, found, failed=(name, form), status=exc.status)
    messages.success(request, spec.done.format(ref=result.reference))
    selectors.forget_queue_menus(request.user)
    if not policies.can(request.user, policies.VIEW, result):
        # Escalated or handed to a team the agent is not in: it left their sight, not an error.
        return redirect("desk:home")
    return redirect("desk:ticket", ref=result.reference)


@agent_page
@require_GET
def ticket_action_form(request: HttpRequest, ref: str, name: str) -> HttpResponse:
    """One action's form, loaded into the ticket page when the agent opens it (htmx)."""
    found = selectors.ticket_for_page(user=request.user, reference=ref)
    page = selectors.ticket_page(user=request.user, ticket=found, for_forms=True)
    if name not in ACTIONS or name not in page.allowed:
        raise Http404("No such action.")
    context = {"ticket": found, "page": page, "name": name, "form": action_form(name, page)}
    context["title"] = ACTIONS[name].title
    return render(request, "desk/ticket.html#action_form", context)


def _form_error(form: Any, exc: TierdeskError) -> None:
    field = exc.field if exc.field in form.fields else None
    form.add_error(field, exc.message)


@agent_page
@require_GET
def attachment(request: HttpRequest, ref: str, pk: int) -> FileResponse:
    found = ticket_selectors.attachment_get(user=request.user, reference=ref, attachment_id=pk)
    return FileResponse(
        found.file.open("rb"), as_attachment=True, filename=found.filename,
        content_type=found.content_type,
    )  # fmt: skip


# ---- htmx helpers of the ticket page ------------------------------------------------------


@agent_page
@require_POST
def preview(request: HttpRequest) -> HttpResponse:
    """The composer's Markdown, rendered and sanitized exactly as a sent message would be."""
    html = render_markdown(request.POST.get("body", ""))
    return render(request, "desk/ticket.html#preview", {"preview_html": html})


@agent_page
@require_GET
def canned_insert(request: HttpRequest) -> HttpResponse:
    """The composer's text with the chosen canned response appended."""
    body = request.GET.get("body", "")
    pk = request.GET.get("canned", "")
    if pk.isdigit():
        canned = selectors.canned_response_get(user=request.user, pk=int(pk))
        body = f"{body.rstrip()}\n\n{canned.body}".lstrip()
    form = desk_forms.ComposerForm(initial={"body": body})
    return render(request, "desk/ticket.html#composer_body", {"composer": form})


@agent_page
@require_GET
def impact_preview(request: HttpRequest) -> HttpResponse:
    """Which severity (and default priority) an impact implies, before it is saved (X3)."""
    return render(request, "desk/ticket.html#severity", {"implied": _implied(request)})


def _implied(request: HttpRequest) -> dict[str, Any] | None:
    values = [request.GET.get(f"{prefix}affected") for prefix in ("set_impact-", "")]
    totals = [request.GET.get(f"{prefix}total") for prefix in ("set_impact-", "")]
    affected = next((v for v in values if v), "")
    total = next((v for v in totals if v), "")
    if not (affected.isdigit() and total.isdigit()):
        return None
    try:
        severity = Impact(int(affected), int(total)).severity()
    except TierdeskError:
        return None
    return {
        "severity": severity.value,
        "priority": DEFAULT_PRIORITY_FOR_SEVERITY[Severity(severity)],
    }


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
            _form_error(form, exc)
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
    with transaction.atomic():
        created = ticket_services.ticket_open(
            actor=user, organization=organization, reporter=contact, subject=data["subject"],
            body=data["body"], type=data["type"], channel=data["channel"], category=category,
            impact=impact, priority=data["priority"], is_emergency=data["is_emergency"],
        )  # fmt: skip
        attach_all(actor=user, ticket=created, files=data["attachments"])
    return created


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
    kind, _, pk = request.GET.get("party", "").partition(":")
    if pk.isdigit() and kind in {"contact", "organization"}:
        organization, _contact = _party(request.user, (kind, int(pk)))
        priority = _priority_preview(request)
        emergency = bool(request.GET.get("is_emergency"))
        context["commitment"] = promise(plan_for(organization), priority, emergency=emergency)
        context["organization"] = organization
    return render(request, "desk/ticket_new.html#commitment", context)


def _priority_preview(request: HttpRequest) -> int:
    chosen = request.GET.get("priority", "")
    if chosen.isdigit() and 1 <= int(chosen) <= 4:
        return int(chosen)
    if request.GET.get("is_emergency"):
        return 1
    implied = _implied(request)
    return implied["priority"] if implied else 3

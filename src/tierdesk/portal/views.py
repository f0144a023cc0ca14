"""The public site and the contacts' pages. Agents (partners included) work in the desk: the
portal sends them there."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_POST

from tierdesk.accounts.principal import Role, principal_of
from tierdesk.core.attachments import file_response
from tierdesk.core.errors import NotFound, TierdeskError
from tierdesk.core.text import MAX_IMPACT, MAX_PAGE, parse_int
from tierdesk.crm import selectors as crm_selectors
from tierdesk.crm.policies import ACT_FOR
from tierdesk.portal import forms as portal_forms
from tierdesk.portal import selectors, services
from tierdesk.sla.promise import call_back_term, ticket_promise
from tierdesk.tickets import selectors as ticket_selectors
from tierdesk.tickets import services as ticket_services
from tierdesk.tickets.domain import Action, may
from tierdesk.tickets.models import Ticket
from tierdesk.tickets.services.messages import reopen_window_open
from tierdesk.tickets.services.opening import Impact
from tierdesk.tickets.uploads import post_message

View = Callable[..., HttpResponseBase]


def contact_page(view: View) -> View:
    """Signed in as a contact. Agents go to the desk; anybody else finds nothing here."""

    @login_required
    @wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        principal = principal_of(request.user)
        if principal.is_agent:
            ref = kwargs.get("ref")
            return redirect("desk:ticket", ref=ref) if ref else redirect("desk:home")
        if principal.role is not Role.CONTACT:
            raise Http404("No such page.")
        try:
            return view(request, *args, **kwargs)
        except NotFound as exc:
            raise Http404(exc.message) from None

    return wrapper


# ---- public ------------------------------------------------------------------------------


@require_GET
def home(request: HttpRequest) -> HttpResponse:
    principal = principal_of(request.user)
    if principal.is_agent:
        return redirect("desk:home")
    context: dict[str, Any] = {"news": selectors.announcement_list(limit=3)}
    if principal.role is Role.CONTACT:
        context["tickets"] = selectors.contact_ticket_page(
            user=request.user, active_only=True, page=1, size=10
        )
    return render(request, "portal/home.html", context)


@require_GET
def support_policy(request: HttpRequest) -> HttpResponse:
    return render(request, "portal/support_policy.html", {"policy": selectors.support_policy()})


# ---- contacts' tickets ---------------------------------------------------------------------


@contact_page
@require_GET
def tickets(request: HttpRequest) -> HttpResponse:
    active_only = request.GET.get("show") != "all"
    page = parse_int(request.GET.get("page", "1"), low=1, high=MAX_PAGE) or 1
    scope = (
        selectors.Scope.MINE if request.GET.get("who") == "mine" else selectors.Scope.ORGANIZATION
    )
    found = selectors.contact_ticket_page(
        user=request.user, active_only=active_only, page=page, scope=scope
    )
    return render(request, "portal/tickets.html", {"tickets": found, "active_only": active_only})


def _submit_form(request: HttpRequest) -> portal_forms.SubmitForm:
    categories = list(ticket_selectors.category_list(user=request.user))
    source = request.POST if request.method == "POST" else request.GET
    chosen = source.get("category", "")
    category = next((c for c in categories if str(c.pk) == chosen), None)
    return portal_forms.SubmitForm(
        request.POST if request.method == "POST" else None,
        request.FILES or None,
        categories=categories,
        facts=selectors.required_facts_for(category) if category else [],
        initial={"category": category.pk if category else None},
    )


@contact_page
def ticket_new(request: HttpRequest) -> HttpResponse:
    form = _submit_form(request)
    if request.method == "POST" and form.is_valid():
        try:
            created = _submit(request.user, form)
        except TierdeskError as exc:
            form.add_error(exc.field if exc.field in form.fields else None, exc.message)
        else:
            messages.success(request, f"Thank you: {created.reference} is with support.")
            return redirect("portal:ticket", ref=created.reference)
    status = 422 if form.is_bound else 200
    # An emergency's call-back, from the one home of every promise (``sla.promise``).
    context = {
        "form": form,
        "call_back": call_back_term(),
        "promise": selectors.submit_promise(
            user=request.user, impact=_impact_of(request.POST or request.GET)
        ),
    }
    return render(request, "portal/ticket_new.html", context, status=status)


@contact_page
@require_GET
def ticket_new_promise(request: HttpRequest) -> HttpResponse:
    """What a ticket sent now would be promised, for the impact typed so far (htmx)."""
    found = selectors.submit_promise(user=request.user, impact=_impact_of(request.GET))
    return render(request, "portal/ticket_new.html#promise", {"promise": found})


def _impact_of(source: Any) -> Impact | None:
    """The impact typed into the form, when it is whole and valid; else none (P3)."""
    affected = parse_int(source.get("affected", ""), low=0, high=MAX_IMPACT)
    total = parse_int(source.get("total", ""), low=1, high=MAX_IMPACT)
    if affected is None or total is None:
        return None
    impact = Impact(affected, total, "")
    try:
        impact.severity()
    except TierdeskError:
        return None
    return impact


def _submit(user: Any, form: portal_forms.SubmitForm) -> Ticket:
    data = form.cleaned_data
    principal = principal_of(user)
    organization = crm_selectors.organization_get(
        user=user, pk=principal.organization_id or 0, action=ACT_FOR
    )
    category = next(
        (c for c in ticket_selectors.category_list(user=user) if c.pk == data["category"]), None
    )
    impact = None
    if data["affected"] is not None and data["total"] is not None:
        impact = Impact(data["affected"], data["total"], data["unit"])
    return services.portal_ticket_submit(
        actor=user, organization=organization, subject=data["subject"], body=data["body"],
        category=category, impact=impact, facts=form.fact_values(), files=data["attachments"],
    )  # fmt: skip


@contact_page
@require_GET
def ticket_new_facts(request: HttpRequest) -> HttpResponse:
    """The facts the chosen category needs (htmx swaps them into the form)."""
    return render(request, "portal/ticket_new.html#facts", {"form": _submit_form(request)})


def _ticket_context(request: HttpRequest, ticket: Ticket, **forms: Any) -> dict[str, Any]:
    user = request.user
    return {
        "ticket": ticket,
        "messages_list": list(ticket_selectors.ticket_messages(user=user, ticket=ticket)),
        "events": list(ticket_selectors.ticket_events(user=user, ticket=ticket)),
        "attachments": list(ticket_selectors.ticket_attachments(user=user, ticket=ticket)),
        "commitment": ticket_promise(ticket),
        "due": selectors.next_due(ticket),
        "waiting_for_you": selectors.waiting_for_you(ticket),
        "may_close": may(Action.CLOSE, ticket.status),
        "may_reopen": may(Action.REOPEN, ticket.status) and reopen_window_open(ticket),
        "reply_form": forms.get("reply_form") or portal_forms.ReplyForm(),
        "reopen_form": forms.get("reopen_form") or portal_forms.ReopenForm(),
    }


@contact_page
@require_GET
def ticket(request: HttpRequest, ref: str) -> HttpResponse:
    found = selectors.contact_ticket(user=request.user, reference=ref)
    return render(request, "portal/ticket.html", _ticket_context(request, found))


@contact_page
@require_POST
def ticket_reply(request: HttpRequest, ref: str) -> HttpResponse:
    found = selectors.contact_ticket(user=request.user, reference=ref)
    form = portal_forms.ReplyForm(request.POST, request.FILES)
    if form.is_valid():
        try:
            target = post_message(
                actor=request.user, ticket=found, kind="reply", body=form.cleaned_data["body"],
                files=form.cleaned_data["attachments"],
            )  # fmt: skip
        except TierdeskError as exc:
            form.add_error(None, exc.message)
        else:
            messages.success(request, "Your reply is with support.")
            return redirect("portal:ticket", ref=target.reference)
    context = _ticket_context(request, found, reply_form=form)
    return render(request, "portal/ticket.html", context, status=422)


@contact_page
@require_POST
def ticket_close(request: HttpRequest, ref: str) -> HttpResponse:
    found = selectors.contact_ticket(user=request.user, reference=ref)
    try:
        ticket_services.ticket_close(actor=request.user, ticket=found)
    except TierdeskError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, f"Thank you for confirming: {found.reference} is closed.")
    return redirect("portal:ticket", ref=found.reference)


@contact_page
@require_POST
def ticket_reopen(request: HttpRequest, ref: str) -> HttpResponse:
    found = selectors.contact_ticket(user=request.user, reference=ref)
    form = portal_forms.ReopenForm(request.POST)
    if form.is_valid():
        try:
            result = ticket_services.ticket_reopen(
                actor=request.user, ticket=found, reason=form.cleaned_data["reason"]
            )
        except TierdeskError as exc:
            form.add_error(None, exc.message)
        else:
            messages.success(request, f"{result.reference} is open again.")
            return redirect("portal:ticket", ref=result.reference)
    context = _ticket_context(request, found, reopen_form=form)
    return render(request, "portal/ticket.html", context, status=422)


@contact_page
@require_GET
def attachment(request: HttpRequest, ref: str, pk: int) -> FileResponse:
    found = ticket_selectors.attachment_get(user=request.user, reference=ref, attachment_id=pk)
    return file_response(
        found.file, filename=found.filename, content_type=found.content_type, size=found.size
    )

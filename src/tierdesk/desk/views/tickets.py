"""The ticket page and what is posted from it."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_POST

from tierdesk.core.attachments import file_response
from tierdesk.core.errors import TierdeskError
from tierdesk.desk import forms as desk_forms
from tierdesk.desk import selectors
from tierdesk.desk.actions import ACTION_KEYS, ACTIONS, action_form
from tierdesk.desk.views.base import ACTION_SLOT, agent_page, form_error
from tierdesk.monitoring import selectors as monitoring_selectors
from tierdesk.reports import selectors as report_selectors
from tierdesk.tickets import policies
from tierdesk.tickets import selectors as ticket_selectors
from tierdesk.tickets.models import Ticket
from tierdesk.tickets.uploads import post_message

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
        "alert_group": monitoring_selectors.group_for_ticket(user=request.user, ticket=found),
        "rating": report_selectors.ticket_rating(found),
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
        form_error(form, exc)
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
        form_error(form, exc)
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


@agent_page
@require_GET
def attachment(request: HttpRequest, ref: str, pk: int) -> FileResponse:
    found = ticket_selectors.attachment_get(user=request.user, reference=ref, attachment_id=pk)
    return file_response(
        found.file, filename=found.filename, content_type=found.content_type, size=found.size
    )

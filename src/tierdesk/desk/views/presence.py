"""Working a ticket beside colleagues: "take it" in one click, and the warning that another agent
is viewing or writing on the same ticket (the ticket page polls ``ticket_presence``)."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from tierdesk.core.errors import TierdeskError
from tierdesk.desk import selectors, services
from tierdesk.desk.models import PresenceActivity
from tierdesk.desk.selectors import presence
from tierdesk.desk.views.base import agent_page
from tierdesk.tickets import services as ticket_services


@agent_page
@require_POST
def ticket_take(request: HttpRequest, ref: str) -> HttpResponse:
    """Assign the ticket to oneself, keeping its team."""
    found = selectors.ticket_for_page(user=request.user, reference=ref)
    try:
        ticket_services.ticket_assign(actor=request.user, ticket=found, assignee=request.user)
    except TierdeskError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, f"{found.reference} is yours.")
        selectors.forget_queue_menus(request.user)
    return redirect("desk:ticket", ref=found.reference)


@agent_page
@require_POST
def ticket_presence(request: HttpRequest, ref: str) -> HttpResponse:
    """Report that this agent has the ticket open (or is writing on it), and answer with who
    else has (htmx partial)."""
    found = selectors.ticket_for_page(user=request.user, reference=ref)
    writing = request.POST.get("activity") == PresenceActivity.WRITING
    activity = PresenceActivity.WRITING if writing else PresenceActivity.VIEWING
    services.presence_report(actor=request.user, ticket=found, activity=activity)
    others = presence.colleagues_present(user=request.user, ticket=found)
    return render(request, "desk/_ticket_presence.html#others", {"others": others})

"""htmx helpers of the ticket page's composer and impact form."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET, require_POST

from tierdesk.core.errors import TierdeskError
from tierdesk.core.text import MAX_BODY, MAX_IMPACT, parse_int, render_markdown
from tierdesk.desk import forms as desk_forms
from tierdesk.desk import selectors
from tierdesk.desk.views.base import agent_page
from tierdesk.tickets.domain import DEFAULT_PRIORITY_FOR_SEVERITY, Severity
from tierdesk.tickets.services.opening import Impact

# ---- htmx helpers of the ticket page ------------------------------------------------------


@agent_page
@require_POST
def preview(request: HttpRequest) -> HttpResponse:
    """The composer's Markdown, rendered and sanitized exactly as a sent message would be."""
    # A preview renders at most what a message may hold (a message longer is refused anyway).
    html = render_markdown(request.POST.get("body", "")[:MAX_BODY])
    return render(request, "desk/ticket.html#preview", {"preview_html": html})


@agent_page
@require_GET
def canned_insert(request: HttpRequest) -> HttpResponse:
    """The composer's text with the chosen canned response appended."""
    body = request.GET.get("body", "")
    pk = parse_int(request.GET.get("canned", ""), low=1)
    if pk is not None:
        canned = selectors.canned_response_get(user=request.user, pk=pk)
        body = f"{body.rstrip()}\n\n{canned.body}".lstrip()
    form = desk_forms.ComposerForm(initial={"body": body})
    return render(request, "desk/ticket.html#composer_body", {"composer": form})


@agent_page
@require_GET
def impact_preview(request: HttpRequest) -> HttpResponse:
    """Which severity (and default priority) an impact implies, before it is saved (X3)."""
    return render(request, "desk/ticket.html#severity", {"implied": implied(request)})


def implied(request: HttpRequest) -> dict[str, Any] | None:
    values = [request.GET.get(f"{prefix}affected") for prefix in ("set_impact-", "")]
    totals = [request.GET.get(f"{prefix}total") for prefix in ("set_impact-", "")]
    affected = parse_int(next((v for v in values if v), ""), high=MAX_IMPACT)
    total = parse_int(next((v for v in totals if v), ""), high=MAX_IMPACT)
    if affected is None or total is None:
        return None
    try:
        severity = Impact(affected, total).severity()
    except TierdeskError:
        return None
    return {
        "severity": severity.value,
        "priority": DEFAULT_PRIORITY_FOR_SEVERITY[Severity(severity)],
    }

"""The desk's one search box: a ticket's reference opens the ticket; anything else lists the
tickets, organizations, contacts and articles it finds."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET

from tierdesk.core.text import MAX_SEARCH
from tierdesk.desk.selectors import search
from tierdesk.desk.views.base import agent_page


@agent_page
@require_GET
def find(request: HttpRequest) -> HttpResponse:
    query = request.GET.get("q", "")[:MAX_SEARCH].replace("\x00", " ").strip()
    ref = search.ticket_by_reference(user=request.user, query=query) if query else None
    if ref is not None:
        return redirect("desk:ticket", ref=ref)
    found = search.find(user=request.user, query=query)
    return render(request, "desk/search.html", {"found": found, "q": query})

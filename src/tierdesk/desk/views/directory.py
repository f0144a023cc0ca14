"""An organization's page and a contact's page in the desk: their tickets, subscriptions and
people, as far as the agent may see them (another partner's customer is a 404)."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from tierdesk.desk.selectors import directory
from tierdesk.desk.views.base import agent_page


@agent_page
@require_GET
def organization(request: HttpRequest, pk: int) -> HttpResponse:
    page = directory.organization_page(user=request.user, pk=pk)
    return render(request, "desk/organization.html", {"page": page})


@agent_page
@require_GET
def contact(request: HttpRequest, pk: int) -> HttpResponse:
    page = directory.contact_page(user=request.user, pk=pk)
    return render(request, "desk/contact.html", {"page": page})

"""The queues and the saved views."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_POST

from tierdesk.core.errors import TierdeskError
from tierdesk.core.text import parse_int
from tierdesk.desk import forms as desk_forms
from tierdesk.desk import selectors, services
from tierdesk.desk.models import QueueView
from tierdesk.desk.views.base import VIEW_SLOT, agent_page
from tierdesk.tickets import selectors as ticket_selectors

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
        "selected_priorities": _priorities(request),
        "selected_statuses": request.GET.getlist("status"),
    }
    # htmx polling asks for the rows only (HtmxMiddleware sets request.htmx).
    template = "desk/queue.html#rows" if getattr(request, "htmx", False) else "desk/queue.html"
    return render(request, template, context)


def _priorities(request: HttpRequest) -> list[int]:
    chosen = (parse_int(p, low=1, high=4) for p in request.GET.getlist("priority"))
    return [p for p in chosen if p is not None]


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

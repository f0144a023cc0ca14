"""The queues, their bulk actions and the saved views."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_POST

from tierdesk.accounts import selectors as accounts_selectors
from tierdesk.core.errors import TierdeskError
from tierdesk.core.text import MAX_BODY, MAX_REASON, parse_int
from tierdesk.desk import forms as desk_forms
from tierdesk.desk import selectors, services
from tierdesk.desk.actions import BULK_ACTIONS, BULK_STATUSES, BulkRequest, bulk_apply
from tierdesk.desk.models import QueueView
from tierdesk.desk.views.base import VIEW_SLOT, agent_page
from tierdesk.problems import selectors as problem_selectors
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
    sort = request.GET.get("sort", "") if selectors.sort_key(request.GET.get("sort")) else ""
    size = parse_int(request.GET.get("size", ""), low=1) or selectors.PAGE_SIZE
    queue_page = selectors.queue_page(
        user=user, view=view, filters=filters, page=page, sort=sort, size=size
    )
    context = {
        "view": QueueView(view),
        "views": views,
        "counts": menus.counts,
        "nav": _queue_nav(views, menus.counts),
        "queue": queue_page,
        "form": form,
        "saved_views": menus.saved_views,
        "query": _query_without_page(request),
        "selected_priorities": _priorities(request),
        "selected_statuses": request.GET.getlist("status"),
        "columns": _columns(request, sort),
        "sizes": selectors.PAGE_SIZES,
        "size": size if size in selectors.PAGE_SIZES else selectors.PAGE_SIZE,
        "menus": menus,
        "bulk_actions": BULK_ACTIONS,
        "bulk_statuses": BULK_STATUSES,
    }
    # htmx polling asks for the rows only (HtmxMiddleware sets request.htmx).
    rows_only = getattr(request, "htmx", False)
    template = "desk/queue.html#rows" if rows_only else "desk/queue.html"
    if not rows_only:  # the bulk form's open problems ("Link to problem")
        context["open_problems"] = problem_selectors.open_problems(user=user)
    return render(request, template, context)


# (title, sort key or "" for a column not sortable); the first is the selection's checkbox.
COLUMNS = [
    ("Ticket", "ticket"), ("Subject", "subject"), ("Organization", "organization"),
    ("Priority", "priority"), ("Status", "status"), ("Level · team", ""),
    ("Assignee", "assignee"), ("Next due", "due"),
]  # fmt: skip


def _columns(request: HttpRequest, sort: str) -> list[tuple[str, str, str]]:
    """(title, the link that sorts by it, "ascending"/"descending"/"" for aria-sort) per
    column; a sorted column's link turns the order round."""
    query = request.GET.copy()
    query.pop("page", None)
    columns = []
    for title, key in COLUMNS:
        if not key:
            columns.append((title, "", ""))
            continue
        current = "ascending" if sort == key else "descending" if sort == f"-{key}" else ""
        query["sort"] = f"-{key}" if current == "ascending" else key
        columns.append((title, f"?{query.urlencode()}", current))
    return columns


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
def queue_bulk(request: HttpRequest, view: str) -> HttpResponse:
    """One action on the selected rows; the summary says what happened to each ticket."""
    post = request.POST
    ids = [pk for pk in (parse_int(v, low=1) for v in post.getlist("ticket")) if pk is not None]
    bulk = BulkRequest(
        action=post.get("action", ""),
        assignee_id=parse_int(post.get("assignee", ""), low=1),
        team_id=parse_int(post.get("team", ""), low=1),
        priority=parse_int(post.get("priority", ""), low=1, high=4),
        status=post.get("status", ""),
        into=post.get("into", "")[:40],
        text=post.get("text", "")[: max(MAX_BODY, MAX_REASON)],
        problem_id=parse_int(post.get("problem", ""), low=1),
    )
    try:
        outcome = bulk_apply(actor=request.user, ticket_ids=ids, request=bulk)
    except TierdeskError as exc:
        messages.error(request, exc.message)
    else:
        level = messages.success if outcome.done and not outcome.refused else messages.warning
        level(request, outcome.summary())
    selectors.forget_queue_menus(request.user)
    return redirect(_back_to_queue(view, post.get("back", "")))


def _back_to_queue(view: str, back: str) -> str:
    """The queue the form was posted from, with its filters (only ever a query string)."""
    url = reverse("desk:queue", kwargs={"view": view if view in QueueView.values else "team"})
    return f"{url}?{back}" if back and not back.startswith(("/", "http")) else url


@agent_page
@require_POST
def saved_view_create(request: HttpRequest, view: str) -> HttpResponse:
    form = desk_forms.SavedViewForm(request.POST)
    if not form.is_valid():
        messages.error(request, "Give the view a name.")
        return redirect("desk:queue", view=view)
    try:
        team_id = parse_int(request.POST.get("team_share", ""), low=1)
        team = accounts_selectors.team_get(user=request.user, pk=team_id) if team_id else None
        saved = services.saved_view_create(
            actor=request.user, name=form.cleaned_data["name"], view=view,
            filters={key: request.POST.getlist(key) for key in services.FILTER_KEYS}, team=team,
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

"""The agent's notifications: the bell in the top bar (polled by htmx), the list, marking read,
and their preferences."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_POST

from tierdesk.accounts.models import NotificationKind
from tierdesk.core.errors import TierdeskError
from tierdesk.core.text import MAX_PAGE, parse_int
from tierdesk.desk.preference_forms import NotificationPreferenceForm
from tierdesk.desk.views.base import agent_page
from tierdesk.notifications import selectors, services


@agent_page
@require_GET
def notification_bell(request: HttpRequest) -> HttpResponse:
    """The bell's unread count; the top bar loads it and polls it every 30 seconds."""
    count = selectors.unread_count(request.user)
    label = f"{selectors.BELL_CAP}+" if count > selectors.BELL_CAP else str(count)
    return render(request, "desk/notifications.html#bell", {"unread": count, "label": label})


@agent_page
@require_GET
def notification_list(request: HttpRequest) -> HttpResponse:
    number = parse_int(request.GET.get("page", "1"), low=1, high=MAX_PAGE) or 1
    rows = selectors.notification_page(request.user, page=number)
    context = {"notifications": rows, "page": number, "more": len(rows) == selectors.PAGE_SIZE}
    context["kinds"] = dict(NotificationKind.choices)
    return render(request, "desk/notifications.html", context)


@agent_page
@require_POST
def notification_read(request: HttpRequest, pk: int) -> HttpResponse:
    services.notification_mark_read(actor=request.user, notification_id=pk)
    return redirect("desk:notifications")


@agent_page
@require_POST
def notification_read_all(request: HttpRequest) -> HttpResponse:
    done = services.notification_mark_all_read(actor=request.user)
    messages.success(request, f"{done} notification{'s' * (done != 1)} marked read.")
    return redirect("desk:notifications")


@agent_page
def notification_preferences(request: HttpRequest) -> HttpResponse:
    current = selectors.preference_of(request.user)
    form = NotificationPreferenceForm(request.POST or None, preference=current)
    if request.method == "POST" and form.is_valid():
        try:
            services.preference_set(actor=request.user, **form.preference_values())
        except TierdeskError as exc:
            form.add_error(None, exc.message)
        else:
            messages.success(request, "Notification preferences saved.")
            return redirect("desk:notification_preferences")
    status = 422 if form.is_bound else 200
    return render(request, "desk/notification_preferences.html", {"form": form}, status=status)

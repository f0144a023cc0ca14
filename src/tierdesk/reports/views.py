"""The reports pages: the managers' dashboard and the tickets behind each figure, the monthly
customer reports (page, PDF, table exports) and the reporter's rating. Parse, call one
selector or service, render; anything the visitor may not see is a 404."""

from __future__ import annotations

from datetime import date
from functools import wraps
from typing import Any

from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.views.decorators.http import require_GET, require_http_methods

from tierdesk.core.clock import now
from tierdesk.core.errors import InvalidInput, NotFound
from tierdesk.core.plans import custom_plans
from tierdesk.core.rating_links import VERDICTS, rating_token_read
from tierdesk.core.text import MAX_REASON, parse_int
from tierdesk.reports import charts, policies, selectors, services
from tierdesk.reports.exports import FORMATS, table_export
from tierdesk.reports.figures import Table
from tierdesk.reports.models import RatingChannel
from tierdesk.reports.pdf import html_to_pdf
from tierdesk.reports.rollups import local_day
from tierdesk.tickets.domain import ticket_id_from_reference
from tierdesk.tickets.models import Ticket


def not_found_as_404(view: Any) -> Any:
    """``NotFound`` from a selector or service is the 404 page; ``InvalidInput`` a 400."""

    @wraps(view)
    def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        try:
            return view(request, *args, **kwargs)
        except NotFound as error:
            raise Http404(error.message) from error
        except InvalidInput as error:
            context = {"message": error.message, "field": error.field}
            return render(request, "reports/bad_request.html", context, status=400)

    return wrapped


def _today() -> date:
    return local_day(now())


# ---- the managers' side --------------------------------------------------------------------


@require_GET
@login_required
def home(request: HttpRequest) -> HttpResponse:
    """Managers to the dashboard, everybody else to the monthly reports they may read."""
    if policies.can(request.user, policies.DASHBOARD, None):
        return redirect("reports:dashboard")
    return redirect("reports:monthly_list")


@require_GET
@login_required
@not_found_as_404
def dashboard(request: HttpRequest) -> HttpResponse:
    typed = request.GET.get("organization", "")
    if typed.strip() and parse_int(typed) is None:
        # A name from the search field: to the same filters by id, the links' own form.
        asked = request.GET.copy()
        asked["organization"] = str(selectors.organization_resolve(typed, user=request.user))
        filters = selectors.parse_filters(asked, today=_today())
        return redirect(reverse("reports:dashboard") + "?" + filters.query())
    filters = selectors.parse_filters(request.GET, today=_today())
    board = selectors.dashboard(user=request.user, filters=filters, today=_today())
    context = {
        "board": board,
        "filters": filters,
        "organization_label": selectors.organization_label_of(
            user=request.user, pk=filters.organization
        ),
        "periods": selectors.PERIODS,
        "choices": [
            (name, [(value, label, getattr(filters, name) == value) for value, label in options])
            for name, options in selectors.filter_choices().items()
        ],
        "query": filters.query(),
        "export_prefix": reverse("reports:dashboard"),
        "backlog_chart": charts.stacked_bars(
            "backlog", board.charts["backlog"], "Open tickets by team and age"
        ),
        "trend_chart": charts.line_chart(
            "trends",
            board.charts["trends"],
            ("Median first response", "Median resolution"),
            "Median first response and resolution per week, in business hours",
        ),
        "category_chart": charts.bar_chart(
            "categories", board.charts["categories"], "Tickets opened per category"
        ),
    }
    return render(request, "reports/dashboard.html", context)


@require_GET
@login_required
@not_found_as_404
def organization_options(request: HttpRequest) -> HttpResponse:
    """The search field's suggestions (htmx): the options of its ``<datalist>``."""
    if not policies.can(request.user, policies.DASHBOARD, None):
        raise NotFound("No such page.")
    typed = request.GET.get("organization", "")
    options = selectors.organization_suggestions(user=request.user, q=typed)
    return render(request, "reports/_organization_options.html", {"options": options})


@require_GET
@login_required
@not_found_as_404
def dashboard_export(request: HttpRequest, table: str, fmt: str) -> HttpResponse:
    filters = selectors.parse_filters(request.GET, today=_today())
    board = selectors.dashboard(user=request.user, filters=filters, today=_today())
    return _export(board.table(table), fmt)


@require_GET
@login_required
@not_found_as_404
@custom_plans()  # the page of tickets is read by the paginator, here
def tickets(request: HttpRequest) -> HttpResponse:
    """The tickets behind one figure of the dashboard."""
    if not policies.can(request.user, policies.DASHBOARD, None):
        raise NotFound("No such page.")
    filters = selectors.parse_filters(request.GET, today=_today())
    measure = request.GET.get("measure", "")
    found = selectors.measure_tickets(user=request.user, measure=measure, filters=filters)
    page_number = parse_int(request.GET.get("page") or "1", low=1) or 1
    page = Paginator(
        found.select_related("organization", "team", "assignee"), selectors.PAGE_SIZE
    ).get_page(page_number)
    context = {
        "page": page,
        "measure": measure,
        "measure_title": selectors.MEASURES[measure],
        "filters": filters,
        "count": page.paginator.count,
        "query": filters.query(measure=measure),
    }
    return render(request, "reports/tickets.html", context)


# ---- monthly reports -----------------------------------------------------------------------


def _month(text: str) -> date:
    try:
        return date.fromisoformat(f"{text}-01")
    except ValueError:
        raise NotFound("No such month.") from None


@require_GET
@login_required
def monthly_list(request: HttpRequest) -> HttpResponse:
    organizations = list(selectors.report_organizations(user=request.user)[:500])
    today = _today()
    months = [services.previous_month(today)]
    for _ in range(5):
        months.append(services.previous_month(months[-1]))
    context = {"organizations": organizations, "months": [today.replace(day=1), *months]}
    return render(request, "reports/monthly_list.html", context)


def _report_context(request: HttpRequest, organization: int, month: str) -> dict[str, Any]:
    report = selectors.monthly_report(
        user=request.user, organization_id=organization, month=_month(month)
    )
    return {
        "report": report,
        "month_text": month,
        "volume_chart": charts.bar_chart(
            "volume", report.by_category, "Tickets opened per category this month"
        ),
        "history_chart": charts.line_chart(
            "history",
            report.history,
            ("First-response compliance", "Resolution compliance"),
            "SLA compliance per month, in percent",
            percent=True,
        ),
    }


@require_GET
@login_required
@not_found_as_404
def monthly(request: HttpRequest, organization: int, month: str) -> HttpResponse:
    return render(request, "reports/monthly.html", _report_context(request, organization, month))


@require_GET
@login_required
@not_found_as_404
def monthly_pdf(request: HttpRequest, organization: int, month: str) -> HttpResponse:
    context = _report_context(request, organization, month)
    html = render_to_string("reports/monthly_print.html", context, request=request)
    response = HttpResponse(html_to_pdf(html), content_type="application/pdf")
    name = f"support-report-{organization}-{month}.pdf"
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


@require_GET
@login_required
@not_found_as_404
def monthly_export(
    request: HttpRequest, organization: int, month: str, table: str, fmt: str
) -> HttpResponse:
    report = selectors.monthly_report(
        user=request.user, organization_id=organization, month=_month(month)
    )
    return _export(report.table(table), fmt)


def _export(table: Table, fmt: str) -> HttpResponse:
    if fmt not in FORMATS:
        raise NotFound("No such format.")
    body, content_type, name = table_export(table, fmt)
    response = HttpResponse(body, content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


# ---- satisfaction --------------------------------------------------------------------------


@require_http_methods(["GET", "POST"])
@not_found_as_404
def rate(request: HttpRequest, token: str, verdict: str) -> HttpResponse:
    """The one-click link of the resolution mail: the click records the verdict; the page
    offers a comment (and a change of mind) with the same token."""
    found = rating_token_read(token)
    if found is None or verdict not in VERDICTS:
        raise NotFound("This rating link is not valid.")
    ticket_id, contact_id = found
    ticket = Ticket.objects.filter(pk=ticket_id).first()
    if ticket is None:
        raise NotFound("This rating link is not valid.")
    comment = request.POST.get("comment", "")[:MAX_REASON] if request.method == "POST" else ""
    rating = services.ticket_rate(
        actor=request.user,
        ticket=ticket,
        good=verdict == "good",
        comment=comment,
        contact_id=contact_id,
        channel=RatingChannel.MAIL,
    )
    context = {
        "rating": rating,
        "ticket": ticket,
        "token": token,
        "saved": request.method == "POST",
    }
    return render(request, "reports/rated.html", context)


@require_http_methods(["GET", "POST"])
@login_required
@not_found_as_404
def rate_ticket(request: HttpRequest, ref: str) -> HttpResponse:
    """The reporter rates a resolved ticket from the portal."""
    ticket_id = ticket_id_from_reference(ref)
    ticket = Ticket.objects.filter(pk=ticket_id or 0).first()
    if ticket is None or not policies.can(request.user, policies.RATE, ticket):
        raise NotFound("No such ticket to rate.")
    if request.method == "POST":
        verdict = request.POST.get("verdict", "")
        if verdict not in VERDICTS:
            raise InvalidInput("Choose good or bad.", field="verdict")
        services.ticket_rate(
            actor=request.user,
            ticket=ticket,
            good=verdict == "good",
            comment=request.POST.get("comment", "")[:MAX_REASON],
            channel=RatingChannel.PORTAL,
        )
        return HttpResponseRedirect(reverse("reports:rate_ticket", args=[ref]) + "?saved=1")
    rating = selectors.rating_of(ticket.pk)
    context = {"ticket": ticket, "rating": rating, "saved": request.GET.get("saved") == "1"}
    return render(request, "reports/rate_ticket.html", context)

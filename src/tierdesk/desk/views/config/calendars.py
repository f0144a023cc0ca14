"""Calendars: the week as a grid, holidays (with a country's national set), and a live preview
of when a ticket opened now would be due, computed by the SLA clock itself."""

from __future__ import annotations

from datetime import time
from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from tierdesk.core.errors import TierdeskError
from tierdesk.desk.config_forms import CalendarForm, HolidayFormSet, WeekGridForm, style_formset
from tierdesk.desk.views.config.base import config_page, show_error
from tierdesk.sla import configuration
from tierdesk.sla.models import Calendar
from tierdesk.sla.validation import time_zone_names


@config_page
def calendar_list(request: HttpRequest) -> HttpResponse:
    calendars = configuration.calendar_rows(actor=request.user)
    return render(request, "desk/config/calendars.html", {"calendars": calendars})


@config_page
def calendar_edit(request: HttpRequest, pk: int | None = None) -> HttpResponse:
    calendar = configuration.calendar_for_edit(actor=request.user, pk=pk) if pk else Calendar()
    week = _week(calendar)
    data = request.POST if request.method == "POST" else None
    form = CalendarForm(data, instance=calendar)
    grid = WeekGridForm(data, week=week, prefix="week")
    holidays = style_formset(HolidayFormSet(data, instance=calendar, prefix="holidays"))
    if data is not None and request.POST.get("national") and pk:
        return _add_national(request, calendar)
    if data is not None and _save(request, form, grid, holidays):
        messages.success(request, _("Calendar %(name)s saved.") % {"name": form.instance.name})
        return redirect("desk:config_calendar", pk=form.instance.pk)
    context = {
        "calendar": calendar, "form": form, "grid": grid, "holidays": holidays,
        "zones": time_zone_names(), "section": "calendars",
        "preview": _preview(request.user, calendar, week) if data is None and pk else None,
    }  # fmt: skip
    return render(request, "desk/config/calendar.html", context, status=422 if data else 200)


def _week(calendar: Calendar) -> dict[int, list[tuple[time, time]]]:
    week: dict[int, list[tuple[time, time]]] = {}
    if calendar.pk:
        for interval in calendar.intervals.all():
            week.setdefault(interval.weekday, []).append((interval.opens_at, interval.closes_at))
    return week


def _save(request: HttpRequest, form: Any, grid: Any, holidays: Any) -> bool:
    if not (form.is_valid() and grid.is_valid() and holidays.is_valid()):
        return False
    try:
        configuration.calendar_save(
            actor=request.user, calendar=form.save(commit=False), intervals=grid.intervals,
            holidays=holidays.save(commit=False), deleted_holidays=holidays.deleted_objects,
        )  # fmt: skip
    except (TierdeskError, ValidationError) as error:
        show_error(form, error)
        return False
    return True


def _add_national(request: HttpRequest, calendar: Calendar) -> HttpResponse:
    try:
        added = configuration.calendar_add_national_holidays(actor=request.user, calendar=calendar)
    except ValueError as problem:
        messages.error(request, str(problem))
    else:
        if calendar.holiday_country:
            messages.success(request, _("%(count)d national holidays added.") % {"count": added})
        else:
            messages.error(request, _("Choose a country and save the calendar first."))
    return redirect("desk:config_calendar", pk=calendar.pk)


@config_page
@require_POST
def calendar_preview(request: HttpRequest, pk: int | None = None) -> HttpResponse:
    """The preview for the calendar as it stands in the form (not yet saved): htmx."""
    calendar = configuration.calendar_for_edit(actor=request.user, pk=pk) if pk else Calendar()
    form = CalendarForm(request.POST, instance=calendar)
    grid = WeekGridForm(request.POST, week=_week(calendar), prefix="week")
    if not (form.is_valid() and grid.is_valid()):
        problems = [*form.non_field_errors(), *grid.non_field_errors()]
        problems += [f"{form[name].label}: {' '.join(map(str, errs))}"
                     for name, errs in form.errors.items() if name != "__all__"]  # fmt: skip
        if any(name != "__all__" for name in grid.errors):
            problems.append(_("Some times in the week are incomplete."))
        return render(request, "desk/config/_preview.html", {"problems": problems})
    week: dict[int, list[tuple[time, time]]] = {}
    for day, opens, closes in grid.intervals:
        week.setdefault(day, []).append((opens, closes))
    probe = form.save(commit=False)
    return render(request, "desk/config/_preview.html", _preview(request.user, probe, week))


def _preview(user: Any, calendar: Calendar, week: dict[int, list[tuple[time, time]]]) -> dict:
    intervals = [(day, o, c) for day, spans in sorted(week.items()) for o, c in spans]
    try:
        examples = configuration.calendar_preview(
            actor=user, calendar=calendar, intervals=intervals
        )
    except ValueError as problem:
        return {"problems": [str(problem)]}
    return {"examples": examples, "zone": calendar.timezone}

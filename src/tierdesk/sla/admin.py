"""Admin for calendars, plans, targets and escalation chains (configuration, with history)."""

from __future__ import annotations

from typing import Any

from django.contrib import admin, messages
from django.http import HttpRequest
from simple_history.admin import SimpleHistoryAdmin

from tierdesk.core.clock import now
from tierdesk.sla.forms import TargetFormSet, WeekFormSet
from tierdesk.sla.holidays import calendar_generate_holidays, calendar_touch
from tierdesk.sla.models import (
    Calendar,
    EscalationStep,
    Holiday,
    Plan,
    SlaAlert,
    Target,
    WorkingInterval,
)


class WorkingIntervalInline(admin.TabularInline):
    model = WorkingInterval
    formset = WeekFormSet
    extra = 0


class HolidayInline(admin.TabularInline):
    model = Holiday
    extra = 0
    fields = ["date", "name", "recurs_yearly", "source"]


@admin.register(Calendar)
class CalendarAdmin(SimpleHistoryAdmin):
    list_display = ["name", "timezone", "always_open", "holiday_country", "revision"]
    prepopulated_fields = {"slug": ["name"]}
    readonly_fields = ["revision"]
    inlines = [WorkingIntervalInline, HolidayInline]
    actions = ["generate_national_holidays"]

    def save_related(self, request: HttpRequest, form: Any, formsets: Any, change: bool) -> None:
        super().save_related(request, form, formsets, change)
        # Intervals and holidays changed with the calendar: clocks must rebuild it.
        calendar_touch(form.instance)

    @admin.action(description="Generate national holidays for this year and the next two")
    def generate_national_holidays(self, request: HttpRequest, queryset: Any) -> None:
        year = now().year
        for calendar in queryset:
            try:
                added = calendar_generate_holidays(calendar=calendar, years=range(year, year + 3))
            except ValueError as exc:
                self.message_user(request, f"{calendar}: {exc}", messages.ERROR)
                continue
            self.message_user(request, f"{calendar}: {added} holidays added.")


class TargetInline(admin.TabularInline):
    model = Target
    formset = TargetFormSet
    extra = 0


class EscalationStepInline(admin.TabularInline):
    model = EscalationStep
    extra = 0
    filter_horizontal = ["notify_users"]


@admin.register(Plan)
class PlanAdmin(SimpleHistoryAdmin):
    list_display = ["name", "is_default", "warning_percent", "third_party_pauses"]
    prepopulated_fields = {"slug": ["name"]}
    inlines = [TargetInline, EscalationStepInline]


@admin.register(SlaAlert)
class SlaAlertAdmin(admin.ModelAdmin):
    list_display = ["ticket", "metric", "kind", "step", "due_at", "fired_at"]
    list_filter = ["kind", "metric"]
    raw_id_fields = ["ticket"]

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

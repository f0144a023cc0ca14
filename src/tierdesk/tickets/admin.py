"""Tickets in the admin: categories are configured here; tickets and events are only looked at.

A ticket's status, level and owner change only through the ticket services (which check the
policy and write the timeline), so the admin shows tickets read-only.
"""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest
from simple_history.admin import SimpleHistoryAdmin

from tierdesk.tickets.models import Category, Ticket, TicketEvent


@admin.register(Category)
class CategoryAdmin(SimpleHistoryAdmin):
    list_display = ["name", "parent", "audience", "required_facts", "is_active", "position"]
    list_filter = ["audience", "is_active"]
    search_fields = ["name", "slug"]
    list_select_related = ["parent"]
    prepopulated_fields = {"slug": ["name"]}


class ViewOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


class TicketEventInline(admin.TabularInline):
    model = TicketEvent
    fields = ["at", "kind", "actor", "data", "is_public"]
    readonly_fields = ["at", "kind", "actor", "data", "is_public"]
    extra = 0
    can_delete = False
    ordering = ["at", "id"]

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(Ticket)
class TicketAdmin(ViewOnlyAdmin):
    list_display = [
        "reference", "subject", "status", "priority", "support_level", "organization", "team",
        "assignee", "created_at",
    ]  # fmt: skip
    list_filter = ["status", "priority", "support_level", "type", "channel", "is_emergency", "team"]
    search_fields = ["subject"]
    list_select_related = ["organization", "team", "assignee"]
    date_hierarchy = "created_at"
    ordering = ["-created_at"]
    inlines = [TicketEventInline]
    list_per_page = 50
    show_full_result_count = False  # counting every ticket on each page view is slow at scale


@admin.register(TicketEvent)
class TicketEventAdmin(ViewOnlyAdmin):
    list_display = ["ticket", "kind", "actor", "at", "is_public"]
    list_filter = ["kind", "is_public"]
    search_fields = ["ticket__subject"]
    list_select_related = ["ticket", "actor"]
    raw_id_fields = ["ticket", "actor"]
    ordering = ["-at"]
    show_full_result_count = False

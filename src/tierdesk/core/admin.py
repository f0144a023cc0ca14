"""What ran when: scheduler slots and worker heartbeats, for operators; both read-only."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from tierdesk.core.models import SchedulerSlot, WorkerHeartbeat


class ReadOnlyAdmin(admin.ModelAdmin):
    """Rows the system writes: people look, and may delete, but never add or edit."""

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(SchedulerSlot)
class SchedulerSlotAdmin(ReadOnlyAdmin):
    list_display = ["job", "slot", "claimed_by", "claimed_at"]
    list_filter = ["job"]
    search_fields = ["job", "claimed_by"]
    date_hierarchy = "slot"
    ordering = ["-slot"]


@admin.register(WorkerHeartbeat)
class WorkerHeartbeatAdmin(ReadOnlyAdmin):
    list_display = ["worker_id", "hostname", "pid", "started_at", "seen_at"]
    search_fields = ["worker_id", "hostname"]
    ordering = ["-seen_at"]

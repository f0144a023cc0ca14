"""Sources, routing rules, severity priorities and the on-call rota are edited in the admin;
alert groups and kept payloads are shown read-only (the intake writes them)."""

from __future__ import annotations

from typing import Any

from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest

from tierdesk.monitoring.models import (
    AlertGroup,
    OnCallPolicy,
    OnCallShift,
    RawPayload,
    RoutingRule,
    SeverityPriority,
    Source,
)
from tierdesk.monitoring.services import source_rotate_token


@admin.register(Source)
class SourceAdmin(admin.ModelAdmin):
    list_display = ["name", "slug", "kind", "is_active", "token_hint", "on_recovery"]
    list_filter = ["kind", "is_active"]
    prepopulated_fields = {"slug": ["name"]}
    exclude = ["token_hash"]
    readonly_fields = ["token_hint"]
    actions = ["new_token"]

    @admin.action(description="Issue a new token (shown once)")
    def new_token(self, request: HttpRequest, queryset: QuerySet[Source]) -> None:
        for source in queryset:
            raw = source_rotate_token(actor=request.user, source=source)
            self.message_user(request, f"{source.slug}: {raw}", messages.WARNING)


@admin.register(RoutingRule)
class RoutingRuleAdmin(admin.ModelAdmin):
    list_display = ["position", "source", "label_name", "label_value", "host_group",
                    "host_pattern", "organization", "team", "priority"]  # fmt: skip


@admin.register(SeverityPriority)
class SeverityPriorityAdmin(admin.ModelAdmin):
    list_display = ["severity", "priority", "is_emergency"]


@admin.register(OnCallPolicy)
class OnCallPolicyAdmin(admin.ModelAdmin):
    list_display = ["team", "ack_minutes", "step_minutes", "outside_email"]


@admin.register(OnCallShift)
class OnCallShiftAdmin(admin.ModelAdmin):
    list_display = ["team", "user", "starts_at", "ends_at", "position", "is_override"]
    list_filter = ["team", "is_override"]


class ReadOnly(admin.ModelAdmin):
    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(AlertGroup)
class AlertGroupAdmin(ReadOnly):
    list_display = ["title", "source", "is_open", "ticket", "notice_count", "last_seen_at"]
    list_filter = ["is_open", "source"]


@admin.register(RawPayload)
class RawPayloadAdmin(ReadOnly):
    list_display = ["received_at", "source", "kind", "outcome", "error"]
    list_filter = ["outcome", "kind"]

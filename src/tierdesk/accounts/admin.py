"""Configuration of people: users (with their agent role), teams and API tokens."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.http import HttpRequest
from simple_history.admin import SimpleHistoryAdmin

from tierdesk.accounts.models import Agent, ApiToken, Team, User


class AgentInline(admin.StackedInline):
    """Makes a user an agent: organization, level, teams."""

    model = Agent
    can_delete = True
    extra = 0
    max_num = 1
    fields = ["organization", "support_level", "is_manager", "teams", "is_available"]
    filter_horizontal = ["teams"]


@admin.register(User)
class UserAdmin(DjangoUserAdmin):
    fieldsets = (
        *DjangoUserAdmin.fieldsets,  # type: ignore[misc]
        ("Tierdesk", {"fields": ["display_name"]}),
    )
    list_display = ["username", "display_name", "email", "is_staff", "is_superuser", "is_active"]
    search_fields = ["username", "display_name", "email", "first_name", "last_name"]
    inlines = [AgentInline]


@admin.register(Agent)
class AgentAdmin(SimpleHistoryAdmin):
    list_display = ["user", "organization", "support_level", "is_manager", "is_available"]
    list_filter = ["support_level", "is_manager", "is_available", "organization"]
    search_fields = ["user__username", "user__display_name"]
    list_select_related = ["user", "organization"]
    raw_id_fields = ["user"]
    filter_horizontal = ["teams"]
    readonly_fields = ["last_assigned_at"]


@admin.register(Team)
class TeamAdmin(SimpleHistoryAdmin):
    list_display = ["name", "organization", "support_level", "lead", "email"]
    list_filter = ["support_level", "organization"]
    search_fields = ["name"]
    list_select_related = ["organization", "lead"]
    prepopulated_fields = {"slug": ["name"]}
    raw_id_fields = ["lead"]


@admin.register(ApiToken)
class ApiTokenAdmin(admin.ModelAdmin):
    """Tokens are created by their owners (the raw value is shown to them once); here an
    administrator sees them and may revoke one by setting its revocation time."""

    list_display = [
        "name",
        "user",
        "hint",
        "created_at",
        "expires_at",
        "last_used_at",
        "revoked_at",
    ]
    list_filter = [("revoked_at", admin.EmptyFieldListFilter)]
    search_fields = ["name", "user__username", "hint"]
    list_select_related = ["user"]
    fields = [
        "user", "name", "hint", "key_hash", "created_at", "expires_at", "last_used_at",
        "revoked_at",
    ]  # fmt: skip
    readonly_fields = ["user", "name", "hint", "key_hash", "created_at", "last_used_at"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> list[str]:
        return list(self.readonly_fields)

"""The section tree in the admin. Articles are written and reviewed through the services (the
admin shows them read-only: a save here would skip review)."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from tierdesk.kb.models import Article, Section


@admin.register(Section)
class SectionAdmin(admin.ModelAdmin):
    list_display = ["title", "parent", "manual", "owner_team", "verification_months"]
    list_filter = ["manual"]
    prepopulated_fields = {"slug": ["title"]}


@admin.register(Article)
class ArticleAdmin(admin.ModelAdmin):
    list_display = ["slug", "section", "visibility", "entitled_only", "state", "verify_by"]
    list_filter = ["state", "visibility", "entitled_only", "section"]
    search_fields = ["slug"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

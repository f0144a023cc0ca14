"""The catalogue in the admin, read-mostly: releases are published through the services (a save
here would skip the announcement and the "latest" pointer), the log is history."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from tierdesk.downloads.models import Download, Follow, Release, ReleaseFile, Version


class ReadOnly(admin.ModelAdmin):
    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(Version)
class VersionAdmin(ReadOnly):
    list_display = ["product", "number", "created_at"]
    list_filter = ["product"]
    ordering = ["product", "-sort_key"]


class ReleaseFileInline(admin.TabularInline):
    model = ReleaseFile
    fields = ["name", "size", "sha256", "signature_name"]
    readonly_fields = ["name", "size", "sha256", "signature_name"]
    extra = 0
    can_delete = False


@admin.register(Release)
class ReleaseAdmin(ReadOnly):
    list_display = ["title", "kind", "channel", "state", "is_public", "published_at"]
    list_filter = ["state", "kind", "channel", "is_public"]
    search_fields = ["title"]
    list_select_related = ["version__product"]
    inlines = [ReleaseFileInline]


@admin.register(Download)
class DownloadAdmin(ReadOnly):
    list_display = ["at", "file", "organization", "user", "bytes_sent", "via", "client_address"]
    list_filter = ["via"]
    list_select_related = ["file", "organization", "user"]
    raw_id_fields = ["file", "organization", "user", "contact"]


@admin.register(Follow)
class FollowAdmin(ReadOnly):
    list_display = ["contact", "product", "created_at"]
    list_select_related = ["contact", "product"]

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from tierdesk.portal.models import Announcement
from tierdesk.portal.services import announcement_save


@admin.register(Announcement)
class AnnouncementAdmin(admin.ModelAdmin):
    list_display = ["title", "kind", "published_at", "is_pinned"]
    list_filter = ["kind", "is_pinned"]
    search_fields = ["title", "body"]

    def save_model(self, request: HttpRequest, obj: Any, form: Any, change: bool) -> None:
        announcement_save(announcement=obj)

from django.contrib import admin

from tierdesk.desk.models import CannedResponse, SavedView


@admin.register(CannedResponse)
class CannedResponseAdmin(admin.ModelAdmin):
    list_display = ["title", "owner", "is_active"]
    list_filter = ["is_active"]
    search_fields = ["title", "body"]
    raw_id_fields = ["owner"]


@admin.register(SavedView)
class SavedViewAdmin(admin.ModelAdmin):
    list_display = ["name", "owner", "view", "query"]
    raw_id_fields = ["owner"]

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from tierdesk.notifications.models import NotificationPreference, Webhook, WebhookDelivery


class DeliveryInline(admin.TabularInline):
    model = WebhookDelivery
    fields = ["created_at", "event", "status", "attempts", "response_code", "last_error"]
    readonly_fields = ["created_at", "event", "status", "attempts", "response_code", "last_error"]
    extra = 0
    max_num = 0
    ordering = ["-created_at", "-id"]

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(Webhook)
class WebhookAdmin(admin.ModelAdmin):
    list_display = ["name", "url", "format", "is_active", "failures", "disabled_at"]
    list_filter = ["is_active", "format"]
    readonly_fields = ["failures", "disabled_at", "created_by"]
    inlines = [DeliveryInline]

    def save_model(self, request: HttpRequest, obj: Any, form: Any, change: bool) -> None:
        if not change:
            obj.created_by = request.user
        if obj.is_active:
            obj.failures, obj.disabled_at = 0, None  # re-enabled by an admin: a fresh start
        super().save_model(request, obj, form, change)


@admin.register(WebhookDelivery)
class WebhookDeliveryAdmin(admin.ModelAdmin):
    list_display = ["created_at", "webhook", "event", "status", "attempts", "response_code"]
    list_filter = ["status", "event"]
    readonly_fields = [f.name for f in WebhookDelivery._meta.fields]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False


@admin.register(NotificationPreference)
class NotificationPreferenceAdmin(admin.ModelAdmin):
    list_display = ["user", "digest", "quiet_from", "quiet_until", "timezone", "new_tickets"]

"""Configuration of organizations, their contacts, products and subscriptions."""

from __future__ import annotations

from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from tierdesk.crm.models import Contact, Organization, Product, Subscription


class ContactInline(admin.TabularInline):
    model = Contact
    fields = ["name", "email", "phone", "user"]
    raw_id_fields = ["user"]
    extra = 0


class SubscriptionInline(admin.TabularInline):
    model = Subscription
    fields = ["plan", "product", "starts_on", "ends_on", "seats"]
    extra = 0


@admin.register(Organization)
class OrganizationAdmin(SimpleHistoryAdmin):
    list_display = ["name", "kind", "partner", "is_active", "created_at"]
    list_filter = ["kind", "is_active"]
    search_fields = ["name"]
    list_select_related = ["partner"]
    autocomplete_fields = ["partner"]
    inlines = [ContactInline, SubscriptionInline]


@admin.register(Contact)
class ContactAdmin(admin.ModelAdmin):
    list_display = ["name", "email", "organization", "user"]
    search_fields = ["name", "email", "organization__name"]
    list_select_related = ["organization", "user"]
    autocomplete_fields = ["organization"]
    raw_id_fields = ["user"]


@admin.register(Product)
class ProductAdmin(SimpleHistoryAdmin):
    list_display = ["name", "slug"]
    search_fields = ["name"]
    prepopulated_fields = {"slug": ["name"]}


@admin.register(Subscription)
class SubscriptionAdmin(SimpleHistoryAdmin):
    list_display = ["organization", "plan", "product", "starts_on", "ends_on", "seats"]
    list_filter = ["plan"]
    search_fields = ["organization__name"]
    list_select_related = ["organization", "plan", "product"]
    autocomplete_fields = ["organization"]

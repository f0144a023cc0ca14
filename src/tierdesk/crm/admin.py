"""Configuration of organizations, their contacts, products and subscriptions."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from tierdesk.crm.forms import SubscriptionForm
from tierdesk.crm.hooks import subscriptions_changed
from tierdesk.crm.models import Contact, Organization, Product, Subscription


class ContactInline(admin.TabularInline):
    model = Contact
    fields = ["name", "email", "phone", "user"]
    raw_id_fields = ["user"]
    extra = 0


class SubscriptionInline(admin.TabularInline):
    model = Subscription
    form = SubscriptionForm
    fields = [
        "plan", "product", "starts_on", "ends_on", "seats", "maintenance_ends_on",
        "versions_covered",
    ]  # fmt: skip
    extra = 0


@admin.register(Organization)
class OrganizationAdmin(SimpleHistoryAdmin):
    list_display = ["name", "kind", "partner", "is_active", "created_at"]
    list_filter = ["kind", "is_active"]
    search_fields = ["name"]
    list_select_related = ["partner"]
    autocomplete_fields = ["partner"]
    inlines = [ContactInline, SubscriptionInline]

    def save_related(self, request: Any, form: Any, formsets: Any, change: bool) -> None:
        super().save_related(request, form, formsets, change)
        if any(fs.model is Subscription and fs.has_changed() for fs in formsets):
            # Which plan applies may have changed: whoever keeps tickets on plans follows.
            subscriptions_changed.fire_on_commit(organization_id=form.instance.pk)


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
    fields = ["name", "slug", "description"]
    search_fields = ["name"]
    prepopulated_fields = {"slug": ["name"]}


@admin.register(Subscription)
class SubscriptionAdmin(SimpleHistoryAdmin):
    form = SubscriptionForm
    list_display = [
        "organization", "plan", "product", "starts_on", "ends_on", "seats",
        "maintenance_ends_on", "versions_covered",
    ]  # fmt: skip
    list_filter = ["plan"]
    search_fields = ["organization__name"]
    list_select_related = ["organization", "plan", "product"]
    autocomplete_fields = ["organization"]

    def save_model(self, request: Any, obj: Subscription, form: Any, change: bool) -> None:
        super().save_model(request, obj, form, change)
        subscriptions_changed.fire_on_commit(organization_id=obj.organization_id)

    def delete_model(self, request: Any, obj: Subscription) -> None:
        super().delete_model(request, obj)
        subscriptions_changed.fire_on_commit(organization_id=obj.organization_id)

    def delete_queryset(self, request: Any, queryset: Any) -> None:
        organization_ids = set(queryset.values_list("organization_id", flat=True))
        super().delete_queryset(request, queryset)
        for organization_id in sorted(organization_ids):
            subscriptions_changed.fire_on_commit(organization_id=organization_id)

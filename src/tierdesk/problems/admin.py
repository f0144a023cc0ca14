from django.contrib import admin

from tierdesk.problems.models import FreezePeriod, PlanTerms


@admin.register(PlanTerms)
class PlanTermsAdmin(admin.ModelAdmin):
    list_display = ["plan", "rca_included", "rca_hours", "rca_calendar",
                    "change_customer_approval", "downtime_notice_days"]  # fmt: skip


@admin.register(FreezePeriod)
class FreezePeriodAdmin(admin.ModelAdmin):
    list_display = ["reason", "starts_at", "ends_at"]

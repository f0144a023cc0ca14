from django.contrib import admin

from tierdesk.reports.models import MonthlyMailing, Rating, ReportRecipient


@admin.register(ReportRecipient)
class ReportRecipientAdmin(admin.ModelAdmin):
    list_display = ["contact", "receives_mail"]
    list_filter = ["receives_mail"]
    raw_id_fields = ["contact"]
    search_fields = ["contact__name", "contact__email"]


@admin.register(Rating)
class RatingAdmin(admin.ModelAdmin):
    list_display = ["ticket", "good", "channel", "rated_at"]
    list_filter = ["good", "channel"]
    raw_id_fields = ["ticket", "contact"]


@admin.register(MonthlyMailing)
class MonthlyMailingAdmin(admin.ModelAdmin):
    list_display = ["organization", "month", "sent_at", "recipients"]
    raw_id_fields = ["organization"]

from django.urls import path

from tierdesk.reports import views

app_name = "reports"

urlpatterns = [
    path("", views.home, name="home"),
    path("dashboard/", views.dashboard, name="dashboard"),
    path("dashboard/organizations/", views.organization_options, name="organization_options"),
    path("dashboard/<slug:table>.<slug:fmt>", views.dashboard_export, name="dashboard_export"),
    path("tickets/", views.tickets, name="tickets"),
    path("monthly/", views.monthly_list, name="monthly_list"),
    path("monthly/<id:organization>/<str:month>/", views.monthly, name="monthly"),
    path("monthly/<id:organization>/<str:month>/report.pdf", views.monthly_pdf, name="monthly_pdf"),
    path(
        "monthly/<id:organization>/<str:month>/<slug:table>.<slug:fmt>",
        views.monthly_export,
        name="monthly_export",
    ),
    path("rate/<str:token>/<slug:verdict>/", views.rate, name="rate"),
    path("rate-ticket/<str:ref>/", views.rate_ticket, name="rate_ticket"),
]

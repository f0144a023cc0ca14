from django.urls import path

from tierdesk.monitoring import views

app_name = "monitoring"

urlpatterns = [
    path("alerts/<id:group_id>/acknowledge/", views.acknowledge, name="acknowledge"),
]

# Mounted under /api/v1/monitoring/ by the root URLconf (before the API's catch-all).
intake_urlpatterns = [
    path("<slug:slug>", views.alert_intake, name="monitoring_intake"),
]

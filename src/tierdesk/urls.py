from django.contrib import admin
from django.urls import include, path

from tierdesk.api_root import api
from tierdesk.api_root import not_found as api_not_found
from tierdesk.core import views as core_views
from tierdesk.monitoring.urls import intake_urlpatterns as monitoring_intake

urlpatterns = [
    path("healthz", core_views.healthz, name="healthz"),
    path("readyz", core_views.readyz, name="readyz"),
    path("api/v1/monitoring/", include(monitoring_intake)),
    path("api/v1/", api.urls),
    path("api/v1/<path:rest>", api_not_found),
    path("admin/", admin.site.urls),
    path("accounts/", include("allauth.urls")),
    path("desk/", include("tierdesk.desk.urls")),
    path("kb/", include("tierdesk.kb.urls")),
    path("reports/", include("tierdesk.reports.urls")),
    path("downloads/", include("tierdesk.downloads.urls")),
    path("monitoring/", include("tierdesk.monitoring.urls")),
    # Problems, incidents, RCAs and changes: desk pages under desk/, portal and public pages.
    path("", include("tierdesk.problems.urls")),
    path("", include("tierdesk.portal.urls")),
]

# The error pages in the product's look; the 500 page needs no database (core/error_views.py).
handler403 = "tierdesk.core.error_views.permission_denied"
handler404 = "tierdesk.core.error_views.page_not_found"
handler500 = "tierdesk.core.error_views.server_error"

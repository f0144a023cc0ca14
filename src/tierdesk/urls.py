from django.contrib import admin
from django.urls import include, path

from tierdesk.api_root import api
from tierdesk.api_root import not_found as api_not_found
from tierdesk.core import views as core_views

urlpatterns = [
    path("healthz", core_views.healthz, name="healthz"),
    path("readyz", core_views.readyz, name="readyz"),
    path("api/v1/", api.urls),
    path("api/v1/<path:rest>", api_not_found),
    path("admin/", admin.site.urls),
    path("accounts/", include("allauth.urls")),
    path("desk/", include("tierdesk.desk.urls")),
    path("kb/", include("tierdesk.kb.urls")),
    path("", include("tierdesk.portal.urls")),
]

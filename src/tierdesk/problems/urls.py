"""Mounted at the site's root (``tierdesk/urls.py``): the desk's pages under ``desk/``, the
contacts' under their own paths, the public incident pages under ``incidents/``."""

from django.urls import path

from tierdesk.problems.views import portal, problems, work

app_name = "problems"

urlpatterns = [
    path("desk/problems/", problems.problem_list, name="problem_list"),
    path("desk/problems/new/", problems.problem_new, name="problem_new"),
    path("desk/problems/<id:pk>/", problems.problem, name="problem"),
    path("desk/problems/<id:pk>/<slug:name>/", problems.problem_action, name="problem_action"),
    path("desk/tickets/<str:ref>/problem/", problems.ticket_link, name="ticket_link"),
    path("desk/tickets/<str:ref>/problems/", problems.ticket_panel, name="ticket_panel"),
    path("desk/incidents/", problems.incident_list, name="incident_list"),
    path("desk/incidents/<id:pk>/", problems.incident, name="incident"),
    path("desk/incidents/<id:pk>/<slug:name>/", problems.incident_action, name="incident_action"),
    path("desk/rcas/", work.rca_list, name="rca_list"),
    path("desk/rcas/<id:pk>/", work.rca, name="rca"),
    path("desk/rcas/<id:pk>/<slug:name>/", work.rca_action, name="rca_action"),
    path("desk/changes/", work.change_calendar, name="change_calendar"),
    path("desk/changes/new/", work.change_new, name="change_new"),
    path("desk/changes/<id:pk>/", work.change, name="change"),
    path("desk/changes/<id:pk>/<slug:name>/", work.change_action, name="change_action"),
    path("status/", portal.status_list, name="status_list"),
    path("status/<id:pk>/", portal.status_incident, name="status_incident"),
    path("incidents/<slug:slug>/", portal.public_incident, name="public_incident"),
    path("incidents/<slug:slug>/feed.atom", portal.public_feed, name="public_feed"),
    path("rcas/", portal.rca_list, name="portal_rca_list"),
    path("rcas/<id:pk>/", portal.rca, name="portal_rca"),
    path("rcas/<id:pk>/pdf/", portal.rca_pdf, name="portal_rca_pdf"),
    path("changes/", portal.change_list, name="portal_change_list"),
    path("changes/<id:pk>/", portal.change, name="portal_change"),
    path("changes/<id:pk>/decide/", portal.change_decide, name="portal_change_decide"),
]

from django.urls import path

from tierdesk.desk import config_urls, views
from tierdesk.desk.views import kb as kb_views

app_name = "desk"

urlpatterns = [
    path("", views.home, name="home"),
    path("queue/<slug:view>/", views.queue, name="queue"),
    path("queue/<slug:view>/save/", views.saved_view_create, name="saved_view_create"),
    path("views/<id:pk>/delete/", views.saved_view_delete, name="saved_view_delete"),
    path("queue/<slug:view>/bulk/", views.queue_bulk, name="queue_bulk"),
    path("search/", views.find, name="search"),
    path("organizations/<id:pk>/", views.organization, name="organization"),
    path("contacts/<id:pk>/", views.contact, name="contact"),
    path("tickets/<str:ref>/take/", views.ticket_take, name="ticket_take"),
    path("tickets/<str:ref>/presence/", views.ticket_presence, name="ticket_presence"),
    path("tickets/new/", views.ticket_new, name="ticket_new"),
    path("tickets/new/parties/", views.party_search, name="party_search"),
    path("tickets/new/commitment/", views.commitment_preview, name="commitment_preview"),
    path("tickets/<str:ref>/", views.ticket, name="ticket"),
    path("tickets/<str:ref>/messages/", views.ticket_message, name="ticket_message"),
    path("tickets/<str:ref>/actions/<slug:name>/", views.ticket_action, name="ticket_action"),
    path(
        "tickets/<str:ref>/actions/<slug:name>/form/",
        views.ticket_action_form,
        name="ticket_action_form",
    ),
    path("tickets/<str:ref>/attachments/<id:pk>/", views.attachment, name="attachment"),
    path("notifications/", views.notification_list, name="notifications"),
    path("notifications/bell/", views.notification_bell, name="notification_bell"),
    path("notifications/read/", views.notification_read_all, name="notification_read_all"),
    path("notifications/<id:pk>/read/", views.notification_read, name="notification_read"),
    path(
        "notifications/preferences/",
        views.notification_preferences,
        name="notification_preferences",
    ),
    path("compose/preview/", views.preview, name="preview"),
    path("compose/canned/", views.canned_insert, name="canned_insert"),
    path("compose/impact/", views.impact_preview, name="impact_preview"),
    path("kb/", kb_views.kb_home, name="kb_home"),
    path("kb/new/", kb_views.kb_new, name="kb_new"),
    path("kb/compose/", kb_views.kb_compose_search, name="kb_compose_search"),
    path("kb/compose/insert/", kb_views.kb_compose_insert, name="kb_compose_insert"),
    path("kb/articles/<slug:slug>/", kb_views.kb_article, name="kb_article"),
    path("kb/articles/<slug:slug>/edit/", kb_views.kb_edit, name="kb_edit"),
    path("kb/articles/<slug:slug>/diff/", kb_views.kb_diff, name="kb_diff"),
    path(
        "kb/articles/<slug:slug>/revisions/<int:number>/restore/",
        kb_views.kb_restore,
        name="kb_restore",
    ),
    path("kb/articles/<slug:slug>/files/", kb_views.kb_file_add, name="kb_file_add"),
    path("kb/articles/<slug:slug>/files/<str:name>", kb_views.kb_file, name="kb_file"),
    path(
        "kb/articles/<slug:slug>/files/<str:name>/remove/",
        kb_views.kb_file_remove,
        name="kb_file_remove",
    ),
    path("kb/articles/<slug:slug>/<slug:name>/", kb_views.kb_transition, name="kb_transition"),
]
urlpatterns += config_urls.urlpatterns

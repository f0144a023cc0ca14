from django.urls import path

from tierdesk.portal import news, views

app_name = "portal"

urlpatterns = [
    path("", views.home, name="home"),
    path("support-policy/", views.support_policy, name="support_policy"),
    path("news/", news.news, name="news"),
    path("news/feed/", news.news_feed, name="news_feed"),
    path("news/<id:pk>/", news.news_item, name="news_item"),
    path("tickets/", views.tickets, name="tickets"),
    path("tickets/new/", views.ticket_new, name="ticket_new"),
    path("tickets/new/facts/", views.ticket_new_facts, name="ticket_new_facts"),
    path("tickets/new/promise/", views.ticket_new_promise, name="ticket_new_promise"),
    path("tickets/<str:ref>/", views.ticket, name="ticket"),
    path("tickets/<str:ref>/reply/", views.ticket_reply, name="ticket_reply"),
    path("tickets/<str:ref>/close/", views.ticket_close, name="ticket_close"),
    path("tickets/<str:ref>/reopen/", views.ticket_reopen, name="ticket_reopen"),
    path("tickets/<str:ref>/attachments/<id:pk>/", views.attachment, name="attachment"),
]

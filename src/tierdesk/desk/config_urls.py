"""The configuration pages' addresses, part of the desk's (``desk:config_*``)."""

from django.urls import path

from tierdesk.desk.views import config

urlpatterns = [
    path("config/", config.config_home, name="config"),
    path("config/calendars/", config.calendar_list, name="config_calendars"),
    path("config/calendars/new/", config.calendar_edit, name="config_calendar_new"),
    path("config/calendars/new/preview/", config.calendar_preview, name="config_preview_new"),
    path("config/calendars/<id:pk>/", config.calendar_edit, name="config_calendar"),
    path("config/calendars/<id:pk>/preview/", config.calendar_preview, name="config_preview"),
    path("config/plans/", config.plan_list, name="config_plans"),
    path("config/plans/new/", config.plan_edit, name="config_plan_new"),
    path("config/plans/<id:pk>/", config.plan_edit, name="config_plan"),
    path("config/categories/", config.category_list, name="config_categories"),
    path("config/categories/new/", config.category_edit, name="config_category_new"),
    path("config/categories/<id:pk>/", config.category_edit, name="config_category"),
    path("config/mailboxes/", config.mailbox_list, name="config_mailboxes"),
    path("config/mailboxes/new/", config.mailbox_edit, name="config_mailbox_new"),
    path("config/mailboxes/<id:pk>/", config.mailbox_edit, name="config_mailbox"),
    path("config/mailboxes/<id:pk>/test/", config.mailbox_test, name="config_mailbox_test"),
    path("config/teams/", config.team_list, name="config_teams"),
    path("config/teams/new/", config.team_edit, name="config_team_new"),
    path("config/teams/<id:pk>/", config.team_edit, name="config_team"),
    path("config/agents/", config.agent_list, name="config_agents"),
    path("config/agents/<id:pk>/", config.agent_edit, name="config_agent"),
    path("me/time-zone/", config.my_time_zone, name="my_time_zone"),
]

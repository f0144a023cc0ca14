"""The configuration pages, for managers and admins: calendars, plans and targets, categories,
mailboxes, teams and agents, in the desk's own look. Every value is checked by the rules the
Django admin applies too (the models' ``clean()`` and ``sla.validation``)."""

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from tierdesk.desk.views.config.base import SECTIONS, config_page
from tierdesk.desk.views.config.calendars import calendar_edit, calendar_list, calendar_preview
from tierdesk.desk.views.config.directory import (
    agent_edit,
    agent_list,
    category_edit,
    category_list,
    mailbox_edit,
    mailbox_list,
    mailbox_test,
    my_time_zone,
    team_edit,
    team_list,
)
from tierdesk.desk.views.config.plans import plan_edit, plan_list


@config_page
def config_home(request: HttpRequest) -> HttpResponse:
    return render(request, "desk/config/home.html", {"sections": SECTIONS})


__all__ = [
    "agent_edit",
    "agent_list",
    "calendar_edit",
    "calendar_list",
    "calendar_preview",
    "category_edit",
    "category_list",
    "config_home",
    "mailbox_edit",
    "mailbox_list",
    "mailbox_test",
    "my_time_zone",
    "plan_edit",
    "plan_list",
    "team_edit",
    "team_list",
]

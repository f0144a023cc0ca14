"""Categories, mailboxes, teams and agents, and each person's own time zone."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from tierdesk.accounts import services as account_services
from tierdesk.accounts.configuration import agent_for_edit, agent_rows, team_for_edit, team_rows
from tierdesk.accounts.models import Team
from tierdesk.core.errors import TierdeskError
from tierdesk.desk.config_forms import (
    AgentForm,
    CategoryForm,
    MailboxForm,
    TeamForm,
    TimeZoneForm,
)
from tierdesk.desk.views.base import agent_page
from tierdesk.desk.views.config.base import config_page, show_error
from tierdesk.mail import mailboxes
from tierdesk.mail.models import Mailbox
from tierdesk.sla.validation import time_zone_names
from tierdesk.tickets.models import Category
from tierdesk.tickets.services import categories


def _saved(request: HttpRequest, form: Any, save: Callable[..., Any], /, **given: Any) -> bool:
    """For a posted, valid form: run the service ``save`` with the acting user, the form's
    unsaved instance under ``given``'s name, and its refusal goes on the form."""
    if request.method != "POST" or not form.is_valid():
        return False
    try:
        save(actor=request.user, **given)
    except (TierdeskError, ValidationError) as error:
        show_error(form, error)
        return False
    return True


def _edit_page(request: HttpRequest, template: str, context: dict[str, Any]) -> HttpResponse:
    status = 422 if request.method == "POST" else 200
    return render(request, f"desk/config/{template}", context, status=status)


# ---- categories ------------------------------------------------------------------------------


@config_page
def category_list(request: HttpRequest) -> HttpResponse:
    rows = categories.category_rows(actor=request.user)
    return render(request, "desk/config/categories.html", {"categories": rows,
                                                          "section": "categories"})  # fmt: skip


@config_page
def category_edit(request: HttpRequest, pk: int | None = None) -> HttpResponse:
    rows = categories.category_rows(actor=request.user)
    category = next((c for c in rows if c.pk == pk), None) if pk else Category()
    if category is None:
        raise Http404("No such category.")
    form = CategoryForm(request.POST or None, instance=category, categories=rows)
    if _saved(request, form, categories.category_save, category=form.instance):
        messages.success(request, _("Category %(name)s saved.") % {"name": form.instance.name})
        return redirect("desk:config_categories")
    return _edit_page(request, "category.html", {"form": form, "category": category,
                                                  "section": "categories"})  # fmt: skip


# ---- mailboxes -------------------------------------------------------------------------------


@config_page
def mailbox_list(request: HttpRequest) -> HttpResponse:
    rows = mailboxes.mailbox_rows(actor=request.user)
    return render(request, "desk/config/mailboxes.html", {"mailboxes": rows,
                                                         "section": "mailboxes"})  # fmt: skip


@config_page
def mailbox_edit(request: HttpRequest, pk: int | None = None) -> HttpResponse:
    mailbox = mailboxes.mailbox_for_edit(actor=request.user, pk=pk) if pk else Mailbox()
    form = MailboxForm(request.POST or None, instance=mailbox)
    if _saved(request, form, mailboxes.mailbox_save, mailbox=form.instance):
        messages.success(request, _("Mailbox %(name)s saved.") % {"name": form.instance.name})
        return redirect("desk:config_mailbox", pk=form.instance.pk)
    return _edit_page(request, "mailbox.html", {"form": form, "mailbox": mailbox,
                                                 "section": "mailboxes"})  # fmt: skip


@config_page
@require_POST
def mailbox_test(request: HttpRequest, pk: int) -> HttpResponse:
    mailbox = mailboxes.mailbox_for_edit(actor=request.user, pk=pk)
    try:
        error = mailboxes.mailbox_test(actor=request.user, mailbox=mailbox)
    except TierdeskError as refusal:
        messages.error(request, refusal.message)
    else:
        if error:
            messages.error(request, _("Connection failed: %(error)s") % {"error": error})
        else:
            messages.success(request, _("Connected and opened the folder."))
    return redirect("desk:config_mailbox", pk=pk)


# ---- teams and agents ------------------------------------------------------------------------


@config_page
def team_list(request: HttpRequest) -> HttpResponse:
    rows = team_rows(actor=request.user)
    return render(request, "desk/config/teams.html", {"teams": rows, "section": "teams"})


@config_page
def team_edit(request: HttpRequest, pk: int | None = None) -> HttpResponse:
    team = team_for_edit(actor=request.user, pk=pk) if pk else Team()
    form = TeamForm(request.POST or None, instance=team)
    if _saved(request, form, account_services.team_save, team=form.instance):
        messages.success(request, _("Team %(name)s saved.") % {"name": form.instance.name})
        return redirect("desk:config_teams")
    return _edit_page(request, "team.html", {"form": form, "team": team, "section": "teams"})


@config_page
def agent_list(request: HttpRequest) -> HttpResponse:
    rows = agent_rows(actor=request.user)
    return render(request, "desk/config/agents.html", {"agents": rows, "section": "agents"})


@config_page
def agent_edit(request: HttpRequest, pk: int) -> HttpResponse:
    agent = agent_for_edit(actor=request.user, pk=pk)
    form = AgentForm(request.POST or None, instance=agent)
    if _saved(request, form, _agent_save, agent=form.instance, form=form):
        messages.success(request, _("Agent %(name)s saved.") % {"name": agent.user})
        return redirect("desk:config_agents")
    context = {"form": form, "agent": agent, "zones": time_zone_names(), "section": "agents"}
    return _edit_page(request, "agent.html", context)


def _agent_save(*, actor: Any, agent: Any, form: Any) -> None:
    data = form.cleaned_data
    account_services.agent_save(
        actor=actor, agent=agent, teams=data["teams"], time_zone=data["time_zone"]
    )


# ---- my own time zone (every agent) ----------------------------------------------------------


@agent_page
def my_time_zone(request: HttpRequest) -> HttpResponse:
    initial = {"time_zone": request.user.time_zone}  # type: ignore[union-attr]
    form = TimeZoneForm(request.POST or None, initial=initial)
    if _saved(request, form, _time_zone_set, form=form):
        messages.success(request, _("Your time zone is saved."))
        return redirect("desk:my_time_zone")
    context = {"form": form, "zones": time_zone_names()}
    return _edit_page(request, "time_zone.html", context)


def _time_zone_set(*, actor: Any, form: Any) -> None:
    account_services.user_time_zone_set(actor=actor, time_zone=form.cleaned_data["time_zone"])

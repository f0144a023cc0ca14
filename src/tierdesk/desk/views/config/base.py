"""What every configuration page shares: managers and admins only (anybody else, agents
included, is told nothing exists here: 404), and errors shown on the form they belong to."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest
from django.http.response import HttpResponseBase

from tierdesk.accounts.policies import may_configure
from tierdesk.core.errors import TierdeskError
from tierdesk.desk.views.base import agent_page, form_error

View = Callable[..., HttpResponseBase]

SECTIONS = [
    ("calendars", "Calendars"),
    ("plans", "Plans and targets"),
    ("categories", "Categories"),
    ("mailboxes", "Mailboxes"),
    ("teams", "Teams"),
    ("agents", "Agents"),
]


def config_page(view: View) -> View:
    @agent_page
    @wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        if not may_configure(request.user):
            raise Http404("No such page.")
        return view(request, *args, **kwargs)

    return wrapper


def show_error(form: Any, error: TierdeskError | ValidationError) -> None:
    """A service's refusal on the form: on its field when the form has it, else on top."""
    if isinstance(error, TierdeskError):
        form_error(form, error)
        return
    if hasattr(error, "error_dict"):
        for field, errors in error.error_dict.items():
            form.add_error(field if field in form.fields else None, errors)
    else:
        form.add_error(None, error.messages)


def share_choices(formset: Any, field: str) -> None:
    """Give every form of a formset the same choices for ``field``, read once (a select per
    row would cost a query per row)."""
    if not formset.forms:
        return
    choices = list(iter(formset.forms[0].fields[field].choices))
    for form in formset.forms:
        form.fields[field].choices = choices

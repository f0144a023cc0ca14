"""What every desk page shares: agents only, and errors shown on their form."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest
from django.http.response import HttpResponseBase

from tierdesk.core.errors import NotFound, TierdeskError
from tierdesk.desk import selectors

View = Callable[..., HttpResponseBase]
VIEW_SLOT = "__view__"
ACTION_SLOT = "__action__"


def agent_page(view: View) -> View:
    """Signed in, and an agent; anybody else is told nothing exists here (404)."""

    @login_required
    @wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        if not selectors.is_agent(request.user):
            raise Http404("No such page.")
        try:
            return view(request, *args, **kwargs)
        except NotFound as exc:
            raise Http404(exc.message) from None

    return wrapper


def form_error(form: Any, exc: TierdeskError) -> None:
    field = exc.field if exc.field in form.fields else None
    form.add_error(field, exc.message)

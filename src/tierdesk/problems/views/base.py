"""What the problems pages share: who may open them, and errors shown as messages."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest
from django.http.response import HttpResponseBase

from tierdesk.accounts.principal import Role, principal_of
from tierdesk.core.errors import NotFound, TierdeskError
from tierdesk.problems import policies

View = Callable[..., HttpResponseBase]


def _guarded(allowed: Callable[[Any], bool]) -> Callable[[View], View]:
    def decorate(view: View) -> View:
        @login_required
        @wraps(view)
        def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
            if not allowed(request.user):
                raise Http404("No such page.")
            try:
                return view(request, *args, **kwargs)
            except NotFound as exc:
                raise Http404(exc.message) from None

        return wrapper

    return decorate


# The desk's problem pages: the vendor's side only; anybody else finds nothing here.
vendor_page = _guarded(policies.is_vendor_side)
# The portal's status, RCA and change pages: contacts only.
contact_page = _guarded(lambda user: principal_of(user).role is Role.CONTACT)


def refused(request: HttpRequest, exc: TierdeskError) -> None:
    """A refused write: nothing changed; the page says why."""
    messages.error(request, exc.message)

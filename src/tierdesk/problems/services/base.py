"""What the problems services share: the checks, text limits, the acting user, and the
timeline step a ticket gets when a problem, incident or change touches it."""

from __future__ import annotations

from typing import Any

from django.db.models import Model

from tierdesk.core.errors import Forbidden, InvalidInput, NotFound
from tierdesk.core.text import MAX_BODY
from tierdesk.problems import policies
from tierdesk.problems.models import Problem
from tierdesk.tickets.models import EventKind, Ticket
from tierdesk.tickets.services.base import record


def check(actor: Any, action: str, obj: Model | None = None) -> None:
    """Something the actor may not see is ``NotFound``; something they may not do, ``Forbidden``."""
    target = obj if obj is not None else Problem()
    if not policies.can(actor, policies.VIEW, target):
        raise NotFound("No such object.")
    if not policies.can(actor, action, target):
        raise Forbidden("You may not do that.")


def text(value: str | None, field: str, *, limit: int = MAX_BODY, required: bool = True) -> str:
    """``value`` stripped, or a clear refusal naming ``field``."""
    value = (value or "").strip()
    if required and not value:
        raise InvalidInput(f"The {field.replace('_', ' ')} is empty.", field=field)
    if len(value) > limit:
        raise InvalidInput(f"The {field} is longer than {limit} characters.", field=field)
    return value


def user_of(actor: Any) -> Any:
    """The user to store as author; ``None`` for Tierdesk itself."""
    return actor if getattr(actor, "pk", None) else None


def on_timeline(ticket: Ticket, actor: Any, kind: EventKind, **data: Any) -> None:
    """An internal step on the ticket's timeline (support's business, not the customer's)."""
    record(ticket, kind, actor, public=False, **data)

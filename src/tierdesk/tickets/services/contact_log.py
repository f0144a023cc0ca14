"""Phone calls and onsite visits, logged on the timeline (M9/X2)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.db import transaction

from tierdesk.core.clock import now
from tierdesk.core.errors import InvalidInput
from tierdesk.tickets.domain import Action
from tierdesk.tickets.models import EventKind, Ticket
from tierdesk.tickets.services.base import check, record

CONTACT_KINDS = {"phone": "Phone call", "onsite": "Onsite visit"}


@dataclass(frozen=True)
class ContactLog:
    """Who was spoken to or visited, when, for how long, and what came of it."""

    kind: str
    who: str
    at: datetime
    duration_minutes: int
    outcome: str


def ticket_log_contact(*, actor: Any, ticket: Ticket, log: ContactLog) -> Ticket:
    """Write the call or visit as an internal event: support's record, not a customer message.

    It moves no clock: a phone call is not the first written response the SLA measures.
    """
    check(actor, Action.NOTE, ticket)
    _check_log(log)
    with transaction.atomic():
        record(
            ticket, EventKind.CONTACT_LOGGED, actor, now(), public=False,
            contact_kind=log.kind, who=log.who.strip(), held_at=log.at.isoformat(),
            duration_minutes=log.duration_minutes, outcome=log.outcome.strip(),
        )  # fmt: skip
    return ticket


def _check_log(log: ContactLog) -> None:
    if log.kind not in CONTACT_KINDS:
        raise InvalidInput(f"Log a {' or '.join(CONTACT_KINDS)} contact.", field="kind")
    if not log.who.strip():
        raise InvalidInput("Say who was called or visited.", field="who")
    if not 0 < log.duration_minutes <= 24 * 60:
        raise InvalidInput("The duration is 1 minute to 24 hours.", field="duration_minutes")
    if not log.outcome.strip():
        raise InvalidInput("Say what came of it.", field="outcome")
    if log.at > now():
        raise InvalidInput("A call or visit logged here has already happened.", field="at")

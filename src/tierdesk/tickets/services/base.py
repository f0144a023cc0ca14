"""Pieces every ticket service shares: the checks, compare-and-set, events, indexing."""

from __future__ import annotations

from datetime import datetime
from functools import cache, partial
from typing import Any

from django.db import connections, router, transaction
from django.db.backends.base.base import BaseDatabaseWrapper
from django.db.models import F

from tierdesk.core import search
from tierdesk.core.clock import now
from tierdesk.core.errors import Conflict, Forbidden, InvalidTransition, NotFound
from tierdesk.core.inserts import insert
from tierdesk.mail.events import event_mail_on_commit, mail_may_follow
from tierdesk.sla.clocks import CLOCK_EVENT_KINDS, EventFact, event_recorded
from tierdesk.sla.services import clock_changes, ticket_clocks_recompute
from tierdesk.tickets import policies
from tierdesk.tickets.domain import Action, may
from tierdesk.tickets.models import PUBLIC_EVENT_KINDS, Ticket, TicketEvent


def actor_id(actor: Any) -> int | None:
    """The user id to record; ``None`` for Tierdesk itself (the SYSTEM actor)."""
    return getattr(actor, "pk", None)


def check(actor: Any, action: str, ticket: Ticket) -> None:
    """Policy first (a ticket the actor cannot see is 404), then the transition table."""
    if not policies.can(actor, policies.VIEW, ticket):
        raise NotFound("No such ticket.")
    if not policies.can(actor, action, ticket):
        raise Forbidden(f"You may not {Action(action).value.replace('_', ' ')} this ticket.")
    if action in Action.__members__.values() and not may(Action(action), ticket.status):
        raise InvalidTransition(
            f"A {ticket.status} ticket cannot be {_past(action)}.", field="status"
        )


def _past(action: str) -> str:
    words = {
        "reply": "replied to", "note": "noted", "attach": "attached to", "assign": "assigned",
        "set_priority": "reprioritized", "set_impact": "given an impact", "update": "updated",
        "escalate": "escalated", "hand_back": "handed back", "pend": "set pending",
        "resume": "resumed", "resolve": "resolved", "close": "closed", "reopen": "reopened",
    }  # fmt: skip
    return words.get(action, action)


def compare_and_set(ticket: Ticket, *, at: datetime | None = None, **changes: Any) -> None:
    """Write ``changes`` only if nobody changed the ticket since it was read.

    The UPDATE filters on the version the caller read and bumps it; zero rows means another
    request won, and this one must not overwrite what it never saw.
    """
    changes["updated_at"] = at or now()
    if not _update_if_unchanged(ticket, changes):
        raise lost_race(ticket)
    apply_changes(ticket, changes)


def lost_race(ticket: Ticket) -> Conflict:
    """The error of a compare-and-set that found the ticket changed since it was read."""
    return Conflict(
        f"{ticket.reference} was changed by someone else meanwhile; reload it and try again.",
        field="version",
    )


def apply_changes(ticket: Ticket, changes: dict[str, Any]) -> None:
    """The instance as a won compare-and-set left the row: the changes and the next version."""
    for name, value in changes.items():
        setattr(ticket, name, value)
    ticket.version += 1


def _update_if_unchanged(ticket: Ticket, changes: dict[str, Any]) -> int:
    """``UPDATE ... SET version = version + 1, <changes> WHERE id = %s AND version = %s``; the
    rows changed (0 or 1). The statement is written once per set of columns: the ORM compiled
    it anew for every change. An expression among the values goes through the ORM."""
    if any(hasattr(value, "resolve_expression") for value in changes.values()):
        return Ticket.objects.filter(pk=ticket.pk, version=ticket.version).update(
            version=F("version") + 1, **changes
        )
    connection = connections[router.db_for_write(Ticket)]
    values = [db_value(name, value, connection) for name, value in changes.items()]
    with connection.cursor() as cursor:
        cursor.execute(
            update_sql(tuple(changes), connection.alias), [*values, ticket.pk, ticket.version]
        )
        return int(cursor.rowcount)


def db_value(name: str, value: Any, connection: BaseDatabaseWrapper) -> Any:
    """The value as ``QuerySet.update`` sends it (a related object as its key)."""
    field = Ticket._meta.get_field(name)
    if hasattr(value, "prepare_database_save"):
        return value.prepare_database_save(field)
    return field.get_db_prep_save(value, connection)  # type: ignore[union-attr]


@cache
def update_sql(names: tuple[str, ...], alias: str) -> str:
    quote = connections[alias].ops.quote_name
    columns = [str(Ticket._meta.get_field(name).column) for name in names]  # type: ignore[union-attr]
    sets = "".join(f", {quote(column)} = %s" for column in columns)
    return (
        f"UPDATE {quote(Ticket._meta.db_table)} SET version = version + 1{sets}"
        " WHERE id = %s AND version = %s"
    )


def record(
    ticket: Ticket,
    kind: str,
    actor: Any,
    at: datetime | None = None,
    *,
    public: bool | None = None,
    clocks_stored: bool = False,
    **data: Any,
) -> TicketEvent:
    """Write one timeline event. Customers see it when its kind is public, unless told.

    An event that can move an SLA clock recomputes the ticket's clocks in the same transaction,
    so the stored due times never lag behind the timeline (``clocks_stored``: the caller already
    stored the clocks this event gives, as opening a ticket does).
    """
    event = TicketEvent(
        ticket=ticket,
        kind=kind,
        actor_id=actor_id(actor),
        data=data,
        is_public=kind in PUBLIC_EVENT_KINDS if public is None else public,
        at=at or now(),
    )
    insert(event)
    event_recorded(ticket.pk, kind, event.at, data)
    if kind in CLOCK_EVENT_KINDS and not clocks_stored:
        ticket_clocks_recompute(ticket, at=event.at)
    if mail_may_follow(kind, data):  # the reporter may need a mail: decided by a task after commit
        transaction.on_commit(partial(event_mail_on_commit, event.pk))
    return event


def change_and_record(
    ticket: Ticket,
    kind: str,
    actor: Any,
    changes: dict[str, Any],
    *,
    at: datetime | None = None,
    public: bool | None = None,
    **data: Any,
) -> TicketEvent:
    """The usual write: compare-and-set ``changes`` and record the event that says so.

    When the event can move an SLA clock, the clocks it gives are computed first, from the
    ticket as it will be, and ride in the same UPDATE: no second write of the ticket row.
    """
    at = at or now()
    if kind in CLOCK_EVENT_KINDS:
        event = EventFact(kind, at, data)
        changes = {**changes, **clock_changes(ticket, changes, event)}
    compare_and_set(ticket, at=at, **changes)
    return record(ticket, kind, actor, at, public=public, clocks_stored=True, **data)


def reindex(ticket: Ticket) -> None:
    """Rewrite the ticket's search document in the writing transaction: it becomes findable at
    the same commit as the change itself, and no second commit is paid for it."""
    search.index_ticket(ticket.pk)

"""Pieces every ticket service shares: the checks, compare-and-set, the event primitive,
indexing."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from functools import cache
from typing import Any

from django.db import connections, router
from django.db.backends.base.base import BaseDatabaseWrapper
from django.db.models import F

from tierdesk.core import search
from tierdesk.core.clock import now
from tierdesk.core.errors import Conflict, Forbidden, InvalidTransition, NotFound
from tierdesk.core.inserts import insert
from tierdesk.sla.clocks import CLOCK_EVENT_KINDS, EventFact
from tierdesk.sla.services import clock_changes, clock_updates
from tierdesk.tickets import policies
from tierdesk.tickets.domain import Action, may
from tierdesk.tickets.hooks import event_recorded
from tierdesk.tickets.models import PUBLIC_EVENT_KINDS, EventKind, Ticket, TicketEvent
from tierdesk.tickets.services.unit import UnitOfWork


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


# ---- the event primitive ----------------------------------------------------------------


@dataclass(eq=False)
class EventPlan:
    """One timeline event as every write path writes it: the row (``event``), and whether the
    SLA clocks read its kind. ``plan_event`` makes it; the caller inserts the row (``record``
    alone, or a statement that writes it with other rows: opening a ticket, a reply, an
    attachment, the sweep's batch) and then calls ``event_written``, so what follows an event
    is decided in one place."""

    event: TicketEvent
    moves_clocks: bool

    @property
    def fact(self) -> EventFact:
        """The event as the clocks read it (to compute them before the row is written)."""
        return EventFact(self.event.kind, self.event.at, self.event.data)

    def payload(self) -> dict[str, Any]:
        """What ``tickets.hooks.event_recorded`` tells its subscribers."""
        event = self.event
        return {"event_id": event.pk, "ticket_id": event.ticket_id, "kind": event.kind,
                "data": event.data}  # fmt: skip


def plan_event(
    ticket: Ticket,
    kind: EventKind,
    actor: Any,
    at: datetime | None = None,
    *,
    public: bool | None = None,
    data: dict[str, Any] | None = None,
) -> EventPlan:
    """The event's row (customers see it when its kind is public, unless told) and its plan."""
    event = TicketEvent(
        ticket=ticket,
        kind=kind,
        actor_id=actor_id(actor),
        data={} if data is None else data,
        is_public=kind in PUBLIC_EVENT_KINDS if public is None else public,
        at=at or now(),
    )
    return EventPlan(event, kind in CLOCK_EVENT_KINDS)


def event_written(plan: EventPlan, *, clocks_stored: bool, work: UnitOfWork | None = None) -> None:
    """What follows an event's INSERT, whichever statement wrote it: a unit of work's history
    of the ticket takes it in; the clocks it moves are computed and stored, unless the caller
    already stored them (in its own UPDATE, or in a new ticket's row: ``clocks_stored``), so
    the stored due times never lag behind the timeline; and ``event_recorded`` is fired for
    the layers above once the transaction commits."""
    event = plan.event
    ticket = event.ticket
    histories = work.histories if work is not None else None
    if histories is not None:
        histories.add(ticket.pk, event.kind, event.at, event.data)
    if plan.moves_clocks and not clocks_stored:
        store_clocks(ticket, clock_updates(ticket, at=event.at, histories=histories))
    event_recorded.fire_on_commit(**plan.payload())


def events_written(plans: Sequence[EventPlan], *, clocks_stored: bool) -> None:
    """``event_written`` for the events of a statement that wrote many (the sweep's)."""
    for plan in plans:
        event_written(plan, clocks_stored=clocks_stored)


def store_clocks(ticket: Ticket, changed: dict[str, Any]) -> None:
    """Write clock columns an event moved after its change was written (no version bump: the
    clocks follow the timeline, they are no change of their own)."""
    if changed:  # most events (notes, a customer's reply) move no clock: no write
        Ticket.objects.filter(pk=ticket.pk).update(**changed)
        for name, value in changed.items():
            setattr(ticket, name, value)


def record(
    ticket: Ticket,
    kind: EventKind,
    actor: Any,
    at: datetime | None = None,
    *,
    public: bool | None = None,
    clocks_stored: bool = False,
    work: UnitOfWork | None = None,
    **data: Any,
) -> TicketEvent:
    """Write one timeline event and what follows it (``event_written``); ``clocks_stored``:
    the caller already stored the clocks this event gives."""
    plan = plan_event(ticket, kind, actor, at, public=public, data=data)
    insert(plan.event)
    event_written(plan, clocks_stored=clocks_stored, work=work)
    return plan.event


def change_and_record(
    ticket: Ticket,
    kind: EventKind,
    actor: Any,
    changes: dict[str, Any],
    *,
    at: datetime | None = None,
    public: bool | None = None,
    work: UnitOfWork | None = None,
    **data: Any,
) -> TicketEvent:
    """The usual write: compare-and-set ``changes`` and record the event that says so.

    When the event can move an SLA clock, the clocks it gives are computed first, from the
    ticket as it will be, and ride in the same UPDATE: no second write of the ticket row.
    """
    plan = plan_event(ticket, kind, actor, at, public=public, data=data)
    changes = {**changes, **moved_clocks(ticket, changes, plan, work)}
    compare_and_set(ticket, at=plan.event.at, **changes)
    insert(plan.event)
    event_written(plan, clocks_stored=True, work=work)
    return plan.event


def moved_clocks(
    ticket: Ticket, changes: dict[str, Any], plan: EventPlan, work: UnitOfWork | None
) -> dict[str, Any]:
    """The clock columns to write with ``changes`` for the planned event (none for an event
    the clocks do not read)."""
    if not plan.moves_clocks:
        return {}
    histories = work.histories if work is not None else None
    return clock_changes(ticket, changes, plan.fact, histories)


def reindex(ticket: Ticket, work: UnitOfWork | None = None) -> None:
    """Rewrite the ticket's search document in the writing transaction: it becomes findable at
    the same commit as the change itself, and no second commit is paid for it. A unit of work
    writes its tickets' documents once, when it finishes."""
    if work is not None:
        work.reindex_later(ticket.pk)
    else:
        search.index_documents([ticket.pk], prune=False)

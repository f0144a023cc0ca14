"""Public replies and internal notes."""

from __future__ import annotations

from datetime import datetime, timedelta
from functools import cache
from typing import Any

from django.conf import settings
from django.db import connections, router, transaction

from tierdesk.accounts.principal import Role, principal_of
from tierdesk.core.clock import now
from tierdesk.core.errors import InvalidInput, InvalidTransition
from tierdesk.core.inserts import insert_selecting, insert_values, mark_inserted
from tierdesk.core.text import render_body
from tierdesk.tickets.domain import Action, Status, status_after_reply
from tierdesk.tickets.models import (
    BodyFormat,
    Channel,
    EventKind,
    Message,
    MessageKind,
    Ticket,
    TicketEvent,
)
from tierdesk.tickets.services.base import (
    EventPlan,
    actor_id,
    apply_changes,
    change_and_record,
    check,
    db_value,
    event_written,
    insert,
    lost_race,
    moved_clocks,
    plan_event,
    record,
    reindex,
    update_sql,
)
from tierdesk.tickets.services.opening import ticket_open
from tierdesk.tickets.services.unit import UnitOfWork


def ticket_reply(
    *,
    actor: Any,
    ticket: Ticket,
    body: str,
    body_format: str = BodyFormat.MARKDOWN,
    channel: str | None = None,
    work: UnitOfWork | None = None,
) -> Message:
    """A public reply. A customer's reply to a closed ticket opens a linked follow-up instead.
    ``channel``: where it was written; by default the portal for a customer, and e-mail for
    support (the customer receives support's reply by mail). ``work``: the unit of work of a
    batch this reply is part of."""
    check(actor, Action.REPLY, ticket)
    _check_body(body, body_format)
    principal = principal_of(actor)
    channel = channel or (Channel.EMAIL if principal.is_agent else Channel.PORTAL)
    if ticket.status == Status.CLOSED:
        if principal.role is not Role.CONTACT and not principal.sees_everything:
            raise InvalidTransition("The ticket is closed: reopen it before replying.")
        return _follow_up(actor, ticket, body, body_format, channel, work)
    by_agent = principal.is_agent
    at = now()
    new_status = status_after_reply(ticket.status, by_agent=by_agent, public=True)
    changes: dict[str, Any] = {}
    if new_status != ticket.status:
        changes.update(status=new_status, pending_reason="", pending_note="")
    if by_agent and ticket.first_response_at is None:
        changes["first_response_at"] = at
    data: dict[str, Any] = {"by_agent": by_agent}
    if changes.get("status"):
        data["status"] = [ticket.status, new_status]
    # Rendered before the transaction: on SQLite it holds the one write lock while it lasts.
    message = _new_message(ticket, actor, body, body_format, MessageKind.PUBLIC, channel, at)
    with _all_or_nothing():
        if not _reply_in_one_statement(ticket, message, actor, changes, at, data, work):
            insert(message)
            change_and_record(
                ticket, EventKind.REPLIED, actor, changes, at=at, work=work,
                message=message.pk, **data,
            )  # fmt: skip
        reindex(ticket, work)
    return message


def ticket_note(
    *,
    actor: Any,
    ticket: Ticket,
    body: str,
    body_format: str = BodyFormat.MARKDOWN,
    work: UnitOfWork | None = None,
) -> Message:
    """An internal note: support's working notes, never shown to the customer."""
    check(actor, Action.NOTE, ticket)
    _check_body(body, body_format)
    at = now()
    message = _new_message(
        ticket, actor, body, body_format, MessageKind.INTERNAL, Channel.PORTAL, at
    )
    with _all_or_nothing():
        insert(message)
        record(ticket, EventKind.NOTED, actor, at, work=work, message=message.pk)
        reindex(ticket, work)
    return message


def _reply_in_one_statement(
    ticket: Ticket,
    message: Message,
    actor: Any,
    changes: dict[str, Any],
    at: datetime,
    data: dict[str, Any],
    work: UnitOfWork | None = None,
) -> bool:
    """``insert(message)`` then ``change_and_record(ticket, REPLIED, ...)`` as one statement on
    PostgreSQL: the ticket's compare-and-set UPDATE, the message and the event (whose data
    names the message) in one round trip instead of three. The INSERTs take their rows from
    the UPDATE's RETURNING: when the ticket changed meanwhile nothing at all is written and
    this raises ``Conflict``, as compare_and_set does. ``False``: not done (another database,
    a value the ORM must write); the caller takes the usual path. The event is planned, and
    followed up, by the same primitive as ``change_and_record``'s."""
    connection = connections[router.db_for_write(Ticket)]
    if connection.vendor != "postgresql":
        return False
    plan: EventPlan = plan_event(ticket, EventKind.REPLIED, actor, at, data=data)
    changes = {**changes, **moved_clocks(ticket, changes, plan, work)}
    changes["updated_at"] = at
    if any(hasattr(value, "resolve_expression") for value in changes.values()):
        return False
    event = plan.event
    params = [
        *(db_value(name, value, connection) for name, value in changes.items()),
        ticket.pk,
        ticket.version,
        *insert_values(message, connection, skip=_TICKET_ID),
        *insert_values(event, connection, skip=_TICKET_ID),
    ]
    with connection.cursor() as cursor:
        cursor.execute(_reply_sql(tuple(changes), connection.alias), params)
        row = cursor.fetchone()
    if row is None:
        raise lost_race(ticket)
    apply_changes(ticket, changes)
    mark_inserted(message, row[0], connection)
    mark_inserted(event, row[1], connection)
    event.data = {"message": message.pk, **data}  # as the statement stored it
    event_written(plan, clocks_stored=True, work=work)  # the clocks rode in the UPDATE
    return True


_TICKET_ID = frozenset({"ticket_id"})


@cache
def _reply_sql(names: tuple[str, ...], alias: str) -> str:
    # The ticket's UPDATE first; each INSERT selects from its RETURNING, so zero rows updated
    # (a lost compare-and-set) inserts nothing. The event's data gets the message's new id.
    update = f"{update_sql(names, alias)} RETURNING id"
    message = insert_selecting(Message, alias, "u", {"ticket_id": "u.id"})
    event = insert_selecting(
        TicketEvent,
        alias,
        "u, m",
        {"ticket_id": "u.id"},
        wrap={"data": "{} || jsonb_build_object('message', m.id)"},
    )
    return f"WITH u AS ({update}), m AS ({message}), e AS ({event}) SELECT m.id, e.id FROM m, e"


def _all_or_nothing() -> transaction.Atomic:
    """A transaction of its own when called alone; inside a caller's, no savepoint. Every
    caller that runs these in its transaction rolls the whole of it (or its own savepoint) back
    on an error anyway (the composer's post with its files, the mail intake), so a savepoint
    here would only cost two round trips per message. The refusals (checks, an empty body) come
    before it and leave the caller's transaction usable."""
    return transaction.atomic(savepoint=False)


def _check_body(body: str, body_format: str) -> None:
    # Checked before the transaction: a refusal leaves a caller's transaction usable.
    if not body or not body.strip():
        raise InvalidInput("The message is empty.", field="body")
    if body_format not in BodyFormat.values:
        raise InvalidInput(f"Unknown body format {body_format!r}.", field="body_format")


def _new_message(
    ticket: Ticket,
    actor: Any,
    body: str,
    body_format: str,
    kind: str,
    channel: str,
    at: Any,
) -> Message:
    principal = principal_of(actor)
    return Message(
        ticket=ticket,
        author_id=actor_id(actor),
        author_contact_id=principal.contact_id,
        kind=kind,
        by_agent=principal.is_agent,
        channel=channel,
        body=body,
        body_format=body_format,
        body_html=render_body(body, body_format),
        created_at=at,
    )


def _follow_up(
    actor: Any,
    closed: Ticket,
    body: str,
    body_format: str,
    channel: str,
    work: UnitOfWork | None,
) -> Message:
    # The new ticket and its links to the closed one commit together (the opening's Markdown is
    # rendered inside this rare path's transaction).
    with _all_or_nothing():
        follow_up = ticket_open(
            actor=actor,
            organization=closed.organization,
            reporter=closed.reporter,
            subject=closed.subject,
            body=body,
            body_format=body_format,
            type=closed.type,
            channel=channel,
            category=closed.category,
            product=closed.product,
            work=work,
        )
        link_follow_up(actor, closed, follow_up, work)
        return follow_up.messages.get()


def link_follow_up(
    actor: Any, closed: Ticket, follow_up: Ticket, work: UnitOfWork | None = None
) -> None:
    """Tie a new ticket to the closed one it continues, on both timelines."""
    Ticket.objects.filter(pk=follow_up.pk).update(follow_up_of=closed)
    follow_up.follow_up_of = closed
    record(follow_up, EventKind.FOLLOWED_UP, actor, work=work, follow_up_of=closed.reference)
    record(closed, EventKind.FOLLOWED_UP, actor, work=work, follow_up=follow_up.reference)


def reopen_window_open(ticket: Ticket) -> bool:
    """A done ticket may be reopened for ``TIERDESK_REOPEN_DAYS`` after it was last finished."""
    finished = ticket.closed_at or ticket.resolved_at
    if finished is None:
        return True
    return now() - finished <= timedelta(days=settings.TIERDESK_REOPEN_DAYS)

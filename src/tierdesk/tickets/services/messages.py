"""Public replies and internal notes."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.conf import settings
from django.db import transaction

from tierdesk.accounts.principal import Role, principal_of
from tierdesk.core.clock import now
from tierdesk.core.errors import InvalidInput, InvalidTransition
from tierdesk.core.text import render_body
from tierdesk.tickets.domain import Action, Status, status_after_reply
from tierdesk.tickets.models import BodyFormat, Channel, EventKind, Message, MessageKind, Ticket
from tierdesk.tickets.services.base import (
    actor_id,
    change_and_record,
    check,
    insert,
    record,
    reindex,
)


def ticket_reply(
    *,
    actor: Any,
    ticket: Ticket,
    body: str,
    body_format: str = BodyFormat.MARKDOWN,
    channel: str = Channel.PORTAL,
) -> Message:
    """A public reply. A customer's reply to a closed ticket opens a linked follow-up instead."""
    check(actor, Action.REPLY, ticket)
    _check_body(body, body_format)
    principal = principal_of(actor)
    if ticket.status == Status.CLOSED:
        if principal.role is not Role.CONTACT and not principal.sees_everything:
            raise InvalidTransition("The ticket is closed: reopen it before replying.")
        return _follow_up(actor, ticket, body, body_format, channel)
    by_agent = principal.is_agent
    at = now()
    new_status = status_after_reply(ticket.status, by_agent=by_agent, public=True)
    with _all_or_nothing():
        changes: dict[str, Any] = {}
        if new_status != ticket.status:
            changes.update(status=new_status, pending_reason="", pending_note="")
        if by_agent and ticket.first_response_at is None:
            changes["first_response_at"] = at
        message = _add_message(ticket, actor, body, body_format, MessageKind.PUBLIC, channel, at)
        data: dict[str, Any] = {"message": message.pk, "by_agent": by_agent}
        if changes.get("status"):
            data["status"] = [ticket.status, new_status]
        change_and_record(ticket, EventKind.REPLIED, actor, changes, at=at, **data)
        reindex(ticket)
    return message


def ticket_note(
    *, actor: Any, ticket: Ticket, body: str, body_format: str = BodyFormat.MARKDOWN
) -> Message:
    """An internal note: support's working notes, never shown to the customer."""
    check(actor, Action.NOTE, ticket)
    _check_body(body, body_format)
    at = now()
    with _all_or_nothing():
        message = _add_message(
            ticket, actor, body, body_format, MessageKind.INTERNAL, Channel.PORTAL, at
        )
        record(ticket, EventKind.NOTED, actor, at, message=message.pk)
        reindex(ticket)
    return message


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


def _add_message(
    ticket: Ticket,
    actor: Any,
    body: str,
    body_format: str,
    kind: str,
    channel: str,
    at: Any,
) -> Message:
    principal = principal_of(actor)
    message = Message(
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
    insert(message)
    return message


def _follow_up(actor: Any, closed: Ticket, body: str, body_format: str, channel: str) -> Message:
    from tierdesk.tickets.services.opening import ticket_open

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
    )
    link_follow_up(actor, closed, follow_up)
    return follow_up.messages.get()


def link_follow_up(actor: Any, closed: Ticket, follow_up: Ticket) -> None:
    """Tie a new ticket to the closed one it continues, on both timelines."""
    Ticket.objects.filter(pk=follow_up.pk).update(follow_up_of=closed)
    follow_up.follow_up_of = closed
    record(follow_up, EventKind.FOLLOWED_UP, actor, follow_up_of=closed.reference)
    record(closed, EventKind.FOLLOWED_UP, actor, follow_up=follow_up.reference)


def reopen_window_open(ticket: Ticket) -> bool:
    """A done ticket may be reopened for ``TIERDESK_REOPEN_DAYS`` after it was last finished."""
    finished = ticket.closed_at or ticket.resolved_at
    if finished is None:
        return True
    return now() - finished <= timedelta(days=settings.TIERDESK_REOPEN_DAYS)

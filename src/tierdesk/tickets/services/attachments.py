"""Files on tickets: size-limited, content-addressed by SHA-256, stored through Django storage
by the one storage rule (``core.attachments``, which the knowledge base's files share)."""

from __future__ import annotations

from functools import cache
from typing import IO, Any

from django.db import connections, router, transaction

from tierdesk.accounts.principal import principal_of
from tierdesk.core.attachments import StoredFile, store
from tierdesk.core.clock import now
from tierdesk.core.errors import InvalidInput
from tierdesk.core.inserts import insert_selecting, insert_sql, insert_values, mark_inserted
from tierdesk.tickets.domain import Action
from tierdesk.tickets.models import Attachment, EventKind, Fact, Message, Ticket, TicketEvent
from tierdesk.tickets.services.base import check, event_written, insert, plan_event, record
from tierdesk.tickets.services.unit import UnitOfWork

__all__ = ["StoredFile", "attachment_add", "attachment_store"]


def attachment_store(*, stream: IO[bytes], filename: str, content_type: str = "") -> StoredFile:
    """The slow part of an attachment (reading, hashing, writing the file), done before any
    transaction opens: on SQLite a transaction holds the one write lock while it lasts. A face
    that adds files in its own transaction stores them with this first."""
    return store(stream=stream, filename=filename, content_type=content_type)


def attachment_add(
    *,
    actor: Any,
    ticket: Ticket,
    stream: IO[bytes] | None = None,
    filename: str = "",
    content_type: str = "",
    stored: StoredFile | None = None,
    message: Message | None = None,
    fact: str = "",
    internal: bool = False,
    work: UnitOfWork | None = None,
) -> Attachment:
    """A file on the ticket (and on ``message``, when it came with one), from ``stream`` or
    already ``stored`` (``attachment_store``); ``work``: the unit of work of a batch this is
    part of."""
    check(actor, Action.ATTACH, ticket)
    if fact and fact not in Fact.values:
        raise InvalidInput(f"Unknown fact {fact!r}.", field="fact")
    if internal and not principal_of(actor).is_staff_side:
        raise InvalidInput("Only support staff add internal attachments.", field="internal")
    if stored is None:
        assert stream is not None, "attachment_add needs a stream or a stored file"
        stored = attachment_store(stream=stream, filename=filename, content_type=content_type)
    at = now()
    attachment = Attachment(
        ticket=ticket, message=message, file=stored.path, filename=stored.name,
        content_type=stored.content_type, size=stored.size, sha256=stored.sha256, fact=fact,
        is_internal=internal, uploaded_by_id=getattr(actor, "pk", None), created_at=at,
    )  # fmt: skip
    # No savepoint inside a caller's transaction (the composer's post, the mail intake): those
    # callers roll their whole unit back on an error, and the checks above come first.
    with transaction.atomic(savepoint=False):
        data: dict[str, Any] = {"filename": stored.name, "size": stored.size, "fact": fact}
        if not _insert_with_event(attachment, actor, data, work):
            insert(attachment)
            record(
                ticket, EventKind.ATTACHED, actor, at, public=not internal, work=work,
                attachment=attachment.pk, **data,
            )  # fmt: skip
    return attachment


def _insert_with_event(
    attachment: Attachment, actor: Any, data: dict[str, Any], work: UnitOfWork | None
) -> bool:
    """``insert(attachment)`` and its ``record(ticket, ATTACHED, ...)`` as one statement on
    PostgreSQL (the event's data takes the new attachment's id within it): one round trip per
    file instead of two. ``False`` on other databases: the caller writes them one by one."""
    connection = connections[router.db_for_write(Attachment)]
    if connection.vendor != "postgresql":
        return False
    planned = plan_event(
        attachment.ticket, EventKind.ATTACHED, actor, attachment.created_at,
        public=not attachment.is_internal, data=data,
    )  # fmt: skip
    event = planned.event
    params = [*insert_values(attachment, connection), *insert_values(event, connection)]
    with connection.cursor() as cursor:
        cursor.execute(_attach_sql(connection.alias), params)
        attachment_pk, event_pk = cursor.fetchone()
    mark_inserted(attachment, attachment_pk, connection)
    mark_inserted(event, event_pk, connection)
    event.data = {"attachment": attachment_pk, **data}  # as the statement stored it
    event_written(planned, clocks_stored=False, work=work)
    return True


@cache
def _attach_sql(alias: str) -> str:
    event = insert_selecting(
        TicketEvent, alias, "a", {}, wrap={"data": "{} || jsonb_build_object('attachment', a.id)"}
    )
    return (
        f"WITH a AS ({insert_sql(Attachment, alias)}), e AS ({event}) SELECT a.id, e.id FROM a, e"
    )

"""What both web faces do with a submitted form's files: a message with its attachments, or the
files that came with a new ticket. Each is one transaction around the ticket services.

The files are read, hashed and stored before that transaction opens (``attachment_store``): on
SQLite a transaction holds the one write lock while it lasts. A file stored for a post that is
then refused stays in the content-addressed store, unreferenced, like any file whose row went.

Here, in the ticket domain below both faces, so that neither face imports the other.
"""

from __future__ import annotations

from collections.abc import Callable
from contextlib import nullcontext
from typing import Any

from django.db import transaction

from tierdesk.tickets import services
from tierdesk.tickets.models import Ticket
from tierdesk.tickets.services import StoredFile


def post_message(*, actor: Any, ticket: Ticket, kind: str, body: str, files: list[Any]) -> Ticket:
    """A reply or an internal note with its attachments, all or nothing.

    Returns the ticket the message landed on (a reply to a closed ticket opens a follow-up).
    """
    stored = store_all(files)
    # Without files the service's own transaction is the whole unit (and its Markdown is
    # rendered before it opens).
    with transaction.atomic() if stored else nullcontext():
        if kind == "note":
            message = services.ticket_note(actor=actor, ticket=ticket, body=body)
        else:
            message = services.ticket_reply(actor=actor, ticket=ticket, body=body)
        target = message.ticket
        for file in stored:
            services.attachment_add(
                actor=actor, ticket=target, stored=file, message=message,
                internal=kind == "note",
            )  # fmt: skip
    return target


def store_all(files: list[Any]) -> list[StoredFile]:
    """The uploads of a form, stored: call it before the transaction that adds them."""
    return [
        services.attachment_store(
            stream=upload,
            filename=upload.name or "attachment",
            content_type=upload.content_type or "",
        )
        for upload in files
    ]


def open_with_files(*, actor: Any, files: list[Any], open_ticket: Callable[[], Ticket]) -> Ticket:
    """``open_ticket()`` and the files that came with it, all or nothing."""
    stored = store_all(files)
    with transaction.atomic() if stored else nullcontext():
        created = open_ticket()
        for file in stored:
            services.attachment_add(actor=actor, ticket=created, stored=file)
    return created

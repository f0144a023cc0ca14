"""What both web faces do with a submitted form's files: a message with its attachments, or the
files that came with a new ticket. Each is one transaction around the ticket services.

Here, in the ticket domain below both faces, so that neither face imports the other.
"""

from __future__ import annotations

from typing import Any

from django.db import transaction

from tierdesk.tickets import services
from tierdesk.tickets.models import Ticket


def post_message(*, actor: Any, ticket: Ticket, kind: str, body: str, files: list[Any]) -> Ticket:
    """A reply or an internal note with its attachments, all or nothing.

    Returns the ticket the message landed on (a reply to a closed ticket opens a follow-up).
    """
    with transaction.atomic():
        if kind == "note":
            message = services.ticket_note(actor=actor, ticket=ticket, body=body)
        else:
            message = services.ticket_reply(actor=actor, ticket=ticket, body=body)
        target = message.ticket
        for upload in files:
            services.attachment_add(
                actor=actor, ticket=target, stream=upload, filename=upload.name or "attachment",
                content_type=upload.content_type or "", message=message,
                internal=kind == "note",
            )  # fmt: skip
    return target


def attach_all(*, actor: Any, ticket: Ticket, files: list[Any]) -> None:
    for upload in files:
        services.attachment_add(
            actor=actor, ticket=ticket, stream=upload, filename=upload.name or "attachment",
            content_type=upload.content_type or "",
        )  # fmt: skip

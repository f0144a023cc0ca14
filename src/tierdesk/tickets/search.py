"""A ticket's search document, as the ticket domain registers it with the engine (``core.search``).

Its public text is the subject and the public replies, in order; its internal text the internal
notes (NULL without any). Each message counts up to ``MESSAGE_CHARS``; the engine cuts each text
to ``DOCUMENT_CHARS``. Registered in ``TicketsConfig.ready()``.
"""

from __future__ import annotations

from tierdesk.core.search import MESSAGE_CHARS, Documents, Where, document_text
from tierdesk.tickets.models import TicketSearchDocument


def ticket_texts(vendor: str, where: Where) -> str:
    """``id, public, internal`` of the tickets ``where`` picks, in one statement."""
    if vendor == "sqlite":
        return f"""
            SELECT t.id AS id,
                   t.subject || ' ' || coalesce((
                       SELECT group_concat(substr(m.body, 1, {MESSAGE_CHARS}), ' ')
                       FROM tickets_message m WHERE m.ticket_id = t.id AND m.kind = 'public'
                   ), '') AS public,
                   (
                       SELECT group_concat(substr(m.body, 1, {MESSAGE_CHARS}), ' ')
                       FROM tickets_message m WHERE m.ticket_id = t.id AND m.kind = 'internal'
                   ) AS internal
            FROM tickets_ticket t WHERE {where("t.id")}
        """
    # The messages of the picked tickets aggregated once, then joined: one pass over each table.
    return f"""
        SELECT t.id AS id, t.subject || ' ' || coalesce(m.public_text, '') AS public,
               m.internal_text AS internal
        FROM tickets_ticket t
        LEFT JOIN (
            SELECT ticket_id,
                   string_agg(left(body, {MESSAGE_CHARS}), ' ' ORDER BY created_at, id)
                       FILTER (WHERE kind = 'public') AS public_text,
                   string_agg(left(body, {MESSAGE_CHARS}), ' ' ORDER BY created_at, id)
                       FILTER (WHERE kind = 'internal') AS internal_text
            FROM tickets_message WHERE {where("ticket_id")}
            GROUP BY ticket_id
        ) m ON m.ticket_id = t.id
        WHERE {where("t.id")}
    """


def opening_public_text(subject: str, body: str) -> str:
    """The public text of a ticket with one public message: what ``ticket_texts`` gives it, for
    the statement that opens a ticket and writes its document at once (``new_document_sql``)."""
    return document_text(subject + " " + body[:MESSAGE_CHARS])


TICKET_DOCUMENTS = Documents(model=TicketSearchDocument, texts=ticket_texts)

"""Mail this app sends through mail's outbound pipeline: a notification to an agent, a person's
digest, and the reporter's reminder and auto-close notices.

Each is rendered here and handed to mail's ``outbound_store``, which threads it to the ticket,
applies the bounce and rate checks, stores it and has the worker send it after commit, with
mail's retries. Its ``dedupe_key`` is unique: a second attempt to queue the same mail leaves one.
Mail to agents is threaded to the ticket by its headers but not stored on the ticket, so the
customer's thread never names it; it is not "automatic" in mail's sense, so the hourly limit
on automatic mail to one address (a loop breaker for customers' auto-replies) never holds back
an agent's alarms.
"""

from __future__ import annotations

from typing import Any

from django.template.loader import render_to_string

from tierdesk.mail.models import OutboundMail
from tierdesk.mail.outbound import outbound_store, sending_mailbox
from tierdesk.mail.rendering import ticket_subject

NOTIFICATION_KIND = "notification"  # OutboundMail.kind of the mail this app sends agents
REMINDER_KIND = "reminder"
AUTO_CLOSED_KIND = "auto_closed"


def queue_mail(
    *, kind: str, to: str, subject: str, template: str, context: dict[str, Any],
    dedupe_key: str, ticket: Any = None, on_ticket: bool = False, automatic: bool = True,
) -> OutboundMail | None:  # fmt: skip
    """Compose one mail and queue it; ``None`` without an address or when queued before.
    ``on_ticket``: store it on the ticket (mail to the reporter, part of their thread)."""
    if not to:
        return None
    body = render_to_string(f"notifications/{template}", {**context, "ticket": ticket})
    return outbound_store(
        kind=kind, to=to, subject=" ".join(subject.split())[:300], body=body.strip() + "\n",
        dedupe_key=dedupe_key, mailbox=sending_mailbox(ticket), ticket=ticket,
        automatic=automatic, on_ticket=on_ticket,
    )  # fmt: skip


def subject_for(ticket: Any, title: str) -> str:
    return f"{ticket_subject(ticket)}: {title}" if ticket is not None else title

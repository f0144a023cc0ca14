"""Mail this app sends through mail's outbound pipeline: a notification to an agent, a person's
digest, and the reporter's reminder and auto-close notices.

Each is an ``OutboundMail`` row composed here from mail's public pieces (the sending mailbox,
the ticket's threading headers, the bounce and rate checks, our Message-IDs) and handed to
``outbound_queue_rows``, which stores it and has the worker send it after commit, with mail's
retries. Its ``dedupe_key`` is unique: a second attempt to queue the same mail leaves one.
Mail to agents is threaded to the ticket by its headers but not stored on the ticket, so the
customer's thread never names it; it is not "automatic" in mail's sense, so the hourly limit
on automatic mail to one address (a loop breaker for customers' auto-replies) never holds back
an agent's alarms.
"""

from __future__ import annotations

from email.utils import formataddr
from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.template.loader import render_to_string

from tierdesk.core.clock import now
from tierdesk.mail.models import Mailbox, OutboundMail, OutboundStatus
from tierdesk.mail.outbound import (
    outbound_queue_rows,
    sending_mailbox,
    suppression_reason,
    thread_headers,
)
from tierdesk.mail.rendering import ticket_subject
from tierdesk.mail.threading import new_message_id

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
    mailbox = sending_mailbox(ticket)
    in_reply_to, references = thread_headers(ticket)
    reason = suppression_reason(to, automatic)
    body = render_to_string(f"notifications/{template}", {**context, "ticket": ticket})
    mail = OutboundMail(
        dedupe_key=dedupe_key[:200], kind=kind, mailbox=mailbox,
        ticket=ticket if on_ticket else None, to_address=to, from_address=_from(mailbox),
        subject=" ".join(subject.split())[:300], body=body.strip() + "\n",
        message_id=new_message_id(getattr(ticket, "pk", None)), in_reply_to=in_reply_to,
        references=" ".join(f"<{mid}>" for mid in references), is_automatic=automatic,
        status=OutboundStatus.SUPPRESSED if reason else OutboundStatus.QUEUED,
        last_error=reason, created_at=now(),
    )  # fmt: skip
    try:
        with transaction.atomic():
            if reason:
                mail.save()
            else:
                outbound_queue_rows([mail])
    except IntegrityError:
        return None
    return mail


def subject_for(ticket: Any, title: str) -> str:
    return f"{ticket_subject(ticket)}: {title}" if ticket is not None else title


def _from(mailbox: Mailbox | None) -> str:
    if mailbox is None:
        return settings.TIERDESK_MAIL_FROM
    return formataddr((mailbox.display_name, mailbox.address))

"""What intake decides and answers: shared by the intake steps and the batch."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from tierdesk.crm.models import Contact
from tierdesk.mail.models import (
    InboundMessage,
    Mailbox,
    OutboundMail,
)
from tierdesk.tickets.models import Message, Ticket
from tierdesk.tickets.services import UnitOfWork

NO_SUBJECT = "(no subject)"
NO_TEXT = "(The message has no text; see the attachments.)"
FIRST_MESSAGE = "first message"


@dataclass(frozen=True)
class IngestResult:
    action: str
    ticket_reference: str | None = None
    reason: str = ""
    inbound_id: int | None = None

    def as_dict(self, source: str) -> dict[str, Any]:
        return {
            "source": source,
            "action": self.action,
            "ticket": self.ticket_reference,
            "reason": self.reason,
        }


@dataclass
class Outcome:
    """What processing decided; written onto the stored message."""

    action: str
    reason: str = ""
    ticket: Ticket | None = None
    # The ticket message the mail became; FIRST_MESSAGE: the new ticket's only message, which
    # the UPDATE that finishes the mail resolves itself (no round trip to fetch it).
    message: Message | str | None = None
    # The mailbox found for a message stored without one.
    mailbox: Mailbox | None = None
    # What the sender's authentication said (stored on the message).
    authentication: str = ""


@dataclass
class Lookups:
    """What an intake run looks up once for all its messages. A single message (LMTP) shares
    nothing: with the defaults everything is looked up as it comes."""

    # Senders found beforehand by exact address (``senders.known_contacts``).
    contacts: dict[str, Contact] | None = None
    # Tickets the batch's mails name (our signed Message-IDs, subject tags), looked up
    # beforehand by ``known_tickets``; ``None`` for an id that is no ticket. The batch shares
    # each object among its mails, so a second reply to a ticket sees the first one's version.
    tickets: dict[int, Ticket | None] | None = None
    # Mailbox by the addresses a mail was sent to.
    mailboxes: dict[tuple[str, ...], Mailbox | None] = field(default_factory=dict)
    # A batch collects its acknowledgements and stores them at its end (one INSERT, one task);
    # ``None``: each is queued at once.
    acknowledgements: list[OutboundMail] | None = None
    # A batch also writes its messages' outcomes at its end (one UPDATE); ``None``: at once.
    finished: list[tuple[InboundMessage, Outcome]] | None = None
    # Message-IDs of this run's mails and the tickets they went to: a later mail of the same
    # batch that answers one joins that ticket (the stored rows are updated only at the end).
    threaded: dict[str, int] = field(default_factory=dict)
    # A batch's unit of work, handed to every ticket service it calls: the replies' histories
    # and the senders' plans read once, the search documents written once at its end.
    work: UnitOfWork | None = None

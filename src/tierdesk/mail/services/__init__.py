"""The intake every path uses: ``mail_ingest`` for one message (LMTP/SMTP, webhooks, retries),
``mail_ingest_batch`` (``mail/batch.py``) for many (IMAP polls, pipes and mbox imports); both
decide with the same code (``deciding``).

1. The raw bytes are stored first, in their own committed transaction, under a unique key (the
   Message-ID, else the SHA-256): nothing is lost if processing fails, and a second delivery of
   the same message finds the row and does nothing twice.
2. Processing runs in a second transaction that locks the row (``intake``): loop and bounce
   checks, the sender, the ticket (by our signed Message-IDs, then by a ``[TD-1042]`` tag from
   people on the ticket), then one ticket service call; the acknowledgement is queued in the
   same transaction (the worker renders and sends it after commit).
3. A failure rolls the ticket work back and marks the stored message ``failed`` with its error;
   an admin retries it (``mail_retry``) once the cause is fixed.
"""

from tierdesk.mail.services.deciding import (
    decide,
    find_ticket,
    is_on_ticket,
    known_tickets,
    mailbox_for,
    new_body,
    reply_body,
)
from tierdesk.mail.services.intake import (
    duplicate_of,
    inbound_fail,
    inbound_key,
    inbound_process,
    inbound_row,
    inbound_store,
    mail_ingest,
    mail_retry,
    process_locked,
    result_of,
)
from tierdesk.mail.services.results import (
    FIRST_MESSAGE,
    NO_SUBJECT,
    NO_TEXT,
    IngestResult,
    Lookups,
    Outcome,
)

__all__ = [
    "FIRST_MESSAGE",
    "NO_SUBJECT",
    "NO_TEXT",
    "IngestResult",
    "Lookups",
    "Outcome",
    "decide",
    "duplicate_of",
    "find_ticket",
    "inbound_fail",
    "inbound_key",
    "inbound_process",
    "inbound_row",
    "inbound_store",
    "is_on_ticket",
    "known_tickets",
    "mail_ingest",
    "mail_retry",
    "mailbox_for",
    "new_body",
    "process_locked",
    "reply_body",
    "result_of",
]

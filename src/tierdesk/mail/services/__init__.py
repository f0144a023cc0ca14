"""The intake every path uses: ``mail_ingest`` for one message (LMTP/SMTP, webhooks, retries),
``mail_ingest_batch`` (``mail/batch.py``) for many (IMAP polls, pipes and mbox imports); both
decide with the same code (``deciding``).

1. The raw bytes are stored first, in their own committed transaction, under a unique key (the
   Message-ID, else the SHA-256): nothing is lost if processing fails, and a second delivery of
   the same message finds the row and does nothing twice.
2. Between the two, who sent it is checked (``verifying``: DKIM, SPF, DMARC; DNS never runs
   inside a write transaction). Processing runs in a second transaction that locks the row
   (``intake``): reports and auto-replies, the sender and the mailbox's trust in it
   (``trust``), the thread (``threads``: the ticket its ids or ``[TD-1042]`` tag name, for its
   participants only), then one ticket service call; the acknowledgement is queued in the
   same transaction (the worker renders and sends it after commit).
3. A failure rolls the ticket work back and marks the stored message ``failed`` with its error;
   an admin retries it (``mail_retry``) once the cause is fixed.
"""

from tierdesk.mail.services.deciding import (
    decide,
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
from tierdesk.mail.services.threads import (
    Thread,
    find_ticket,
    is_on_ticket,
    known_tickets,
    thread_of,
)

__all__ = [
    "FIRST_MESSAGE",
    "NO_SUBJECT",
    "NO_TEXT",
    "IngestResult",
    "Lookups",
    "Outcome",
    "Thread",
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
    "thread_of",
]

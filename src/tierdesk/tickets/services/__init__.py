"""Every write to tickets. Interfaces call these; nothing else changes ticket rows.

Each service checks the policy, then the transition table, changes rows in one transaction with
compare-and-set on ``Ticket.version``, writes one ``TicketEvent`` per change, recomputes the SLA
clocks and the search document in the same transaction, and leaves side effects that leave the
database (mail) to ``transaction.on_commit``.
"""

from tierdesk.tickets.services.attachments import attachment_add
from tierdesk.tickets.services.contact_log import ContactLog, ticket_log_contact
from tierdesk.tickets.services.lifecycle import (
    ticket_assign,
    ticket_assign_round_robin,
    ticket_close,
    ticket_escalate,
    ticket_hand_back,
    ticket_pend,
    ticket_reopen,
    ticket_resolve,
    ticket_resume,
    ticket_set_impact,
    ticket_set_priority,
    ticket_update,
)
from tierdesk.tickets.services.merge import ticket_merge
from tierdesk.tickets.services.messages import ticket_note, ticket_reply
from tierdesk.tickets.services.opening import ticket_open

__all__ = [
    "ContactLog",
    "attachment_add",
    "ticket_assign",
    "ticket_assign_round_robin",
    "ticket_close",
    "ticket_escalate",
    "ticket_hand_back",
    "ticket_log_contact",
    "ticket_merge",
    "ticket_note",
    "ticket_open",
    "ticket_pend",
    "ticket_reopen",
    "ticket_reply",
    "ticket_resolve",
    "ticket_resume",
    "ticket_set_impact",
    "ticket_set_priority",
    "ticket_update",
]

"""Every write to tickets. Interfaces call these; nothing else changes ticket rows.

Each service checks the policy, then the transition table, changes rows in one transaction with
compare-and-set on ``Ticket.version``, writes one ``TicketEvent`` per change (``base.record`` and
the event plan every single-statement path shares), stores the SLA clocks and the search document
in the same transaction, and tells the layers above (mail) through ``tickets.hooks`` once the
transaction commits. Ticket writes the SLA engine causes (the sweep, a plan change) are services
here too. A batch hands its ``UnitOfWork`` to the services it calls.
"""

from tierdesk.tickets.services.attachments import StoredFile, attachment_add, attachment_store
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
from tierdesk.tickets.services.plans import organization_plans_refresh, ticket_plan_refresh
from tierdesk.tickets.services.sweep import sla_sweep
from tierdesk.tickets.services.unit import UnitOfWork

__all__ = [
    "ContactLog",
    "StoredFile",
    "UnitOfWork",
    "attachment_add",
    "attachment_store",
    "organization_plans_refresh",
    "sla_sweep",
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
    "ticket_plan_refresh",
    "ticket_reopen",
    "ticket_reply",
    "ticket_resolve",
    "ticket_resume",
    "ticket_set_impact",
    "ticket_set_priority",
    "ticket_update",
]

"""The agents' pages. Each view parses, calls one selector or service, and renders; an htmx
request gets a partial of the same template."""

from tierdesk.desk.views.base import agent_page
from tierdesk.desk.views.compose import canned_insert, impact_preview, preview
from tierdesk.desk.views.directory import contact, organization
from tierdesk.desk.views.new_ticket import commitment_preview, party_search, ticket_new
from tierdesk.desk.views.notifications import (
    notification_bell,
    notification_list,
    notification_preferences,
    notification_read,
    notification_read_all,
)
from tierdesk.desk.views.presence import ticket_presence, ticket_take
from tierdesk.desk.views.queues import (
    home,
    queue,
    queue_bulk,
    saved_view_create,
    saved_view_delete,
)
from tierdesk.desk.views.search import find
from tierdesk.desk.views.tickets import (
    attachment,
    ticket,
    ticket_action,
    ticket_action_form,
    ticket_message,
)

__all__ = [
    "agent_page",
    "attachment",
    "canned_insert",
    "commitment_preview",
    "contact",
    "find",
    "home",
    "impact_preview",
    "notification_bell",
    "notification_list",
    "notification_preferences",
    "notification_read",
    "notification_read_all",
    "organization",
    "party_search",
    "preview",
    "queue",
    "queue_bulk",
    "saved_view_create",
    "saved_view_delete",
    "ticket",
    "ticket_action",
    "ticket_action_form",
    "ticket_message",
    "ticket_new",
    "ticket_presence",
    "ticket_take",
]

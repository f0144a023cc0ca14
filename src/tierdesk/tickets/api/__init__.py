"""Tickets over HTTP: list, open, read, edit, talk, attach (``tickets``), and one endpoint per
lifecycle action (``actions``), on one router that ``tierdesk.api_root`` mounts.

Each endpoint parses, calls one selector or service with the caller, and serializes; the rules
live in the services and policies. A ticket the caller may not see is 404, whoever owns it.
The OpenAPI operation ids stay ``tierdesk_tickets_api_<function>`` whichever module of this
package holds the function (``tierdesk.api_root.TierdeskApi``).
"""

from __future__ import annotations

from ninja import Router

from tierdesk.tickets.api import actions, tickets

__all__ = ["router"]

router = Router()
router.add_router("", tickets.router)
router.add_router("", actions.router)

"""The reporter's one-click rating link in the resolution mail: the one home of its token.

The mail app (which writes the resolution mail) and the reports app (which takes the rating)
both import this module, so the link that goes out and the check that takes it cannot drift.
The token is signed with the installation's secret key and names the ticket and the contact it
was sent to; it carries no expiry (a rating may come days later) and grants nothing but the
rating of that one ticket.
"""

from __future__ import annotations

from django.conf import settings
from django.core import signing
from django.urls import reverse

SALT = "tierdesk.rating"
VERDICTS = ("good", "bad")


def rating_token(ticket_id: int, contact_id: int) -> str:
    return signing.dumps([ticket_id, contact_id], salt=SALT, compress=True)


def rating_token_read(token: str) -> tuple[int, int] | None:
    """The (ticket id, contact id) the token was made for, or ``None`` for a bad token."""
    try:
        ticket_id, contact_id = signing.loads(token, salt=SALT)
    except (signing.BadSignature, ValueError, TypeError):
        return None
    if not isinstance(ticket_id, int) or not isinstance(contact_id, int):
        return None
    return ticket_id, contact_id


def rating_url(ticket_id: int, contact_id: int, verdict: str) -> str:
    """The absolute link that rates the ticket ``verdict`` (good or bad) in one click."""
    token = rating_token(ticket_id, contact_id)
    return settings.SITE_URL + reverse("reports:rate", args=[token, verdict])

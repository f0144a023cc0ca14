"""Signed, expiring download links mailed to a contact (``/downloads/links/<token>/``).

The token names the file, the contact and the instant it expires
(``TIERDESK_DOWNLOADS_LINK_DAYS`` after it was made, by ``core.clock``), signed with the site's
secret key (Django's ``Signer``, its own salt). A link carries no right of its own: at every
click the contact's organization must still be entitled (``policies``), as if the contact had
signed in.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from django.conf import settings
from django.core import signing

from tierdesk.core.clock import now

SALT = "tierdesk.downloads.link"


@dataclass(frozen=True, slots=True)
class LinkClaim:
    file_id: int
    contact_id: int


def max_age() -> timedelta:
    return timedelta(days=getattr(settings, "TIERDESK_DOWNLOADS_LINK_DAYS", 7))


def link_token(*, file_id: int, contact_id: int) -> str:
    expires = int((now() + max_age()).timestamp())
    return signing.Signer(salt=SALT).sign_object({"f": file_id, "c": contact_id, "e": expires})


def link_claim(token: str) -> LinkClaim | None:
    """The link's file and contact, ``None`` if tampered with or expired (told apart nowhere:
    both are a 404)."""
    try:
        data = signing.Signer(salt=SALT).unsign_object(token)
    except (signing.BadSignature, ValueError):
        return None
    if not isinstance(data, dict):
        return None
    file_id, contact_id, expires = data.get("f"), data.get("c"), data.get("e")
    if not all(isinstance(value, int) for value in (file_id, contact_id, expires)):
        return None
    if now().timestamp() >= expires:  # type: ignore[operator]
        return None
    return LinkClaim(file_id, contact_id)  # type: ignore[arg-type]

"""Mail to every contact of some organizations at once (an incident update, a downtime
notice): one row per contact and notice under a unique key, so it goes once however often it
is sent (``mail.outbound``'s ``dedupe_key``)."""

from __future__ import annotations

from collections.abc import Iterable

from tierdesk.crm.models import Contact
from tierdesk.mail.outbound import default_mailbox, outbound_store

# The outbound kind these mails are stored under (the mail app's list names ticket mail).
NOTICE_KIND = "notice"


def contacts_mail(*, organization_ids: Iterable[int], key: str, subject: str, body: str) -> int:
    """Queue the notice ``key`` for each contact with an address; the count newly queued."""
    contacts = Contact.objects.filter(organization_id__in=list(organization_ids)).exclude(email="")
    mailbox = default_mailbox()
    queued = 0
    for contact in contacts.order_by("pk"):
        mail = outbound_store(
            kind=NOTICE_KIND, to=contact.email, subject=subject[:300], body=body,
            dedupe_key=f"{key}:{contact.pk}", mailbox=mailbox, automatic=False, on_ticket=False,
        )  # fmt: skip
        queued += mail is not None
    return queued

"""Mail to every contact of some organizations at once (an incident update, a downtime
notice, a released root-cause report): one row per contact and notice under a unique key, so it
goes once however often it is sent (``mail.outbound``'s ``dedupe_key``)."""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from tierdesk.crm.models import Contact
from tierdesk.mail.models import OutboundKind
from tierdesk.mail.outbound import OutboundFile, default_mailbox, outbound_store


def contacts_mail(
    *,
    organization_ids: Iterable[int],
    kind: OutboundKind,
    key: str,
    subject: str,
    body: str,
    files: Sequence[OutboundFile] = (),
) -> int:
    """Queue the notice ``key`` for each contact with an address, with ``files`` attached; the
    count newly queued."""
    contacts = Contact.objects.filter(organization_id__in=list(organization_ids)).exclude(email="")
    mailbox = default_mailbox()
    queued = 0
    for contact in contacts.order_by("pk"):
        mail = outbound_store(
            kind=kind, to=contact.email, subject=subject[:300], body=body,
            dedupe_key=f"{key}:{contact.pk}", mailbox=mailbox, automatic=False, on_ticket=False,
            files=files,
        )  # fmt: skip
        queued += mail is not None
    return queued

"""Telling people about a published release, and mailing signed download links.

- **Fixed tickets**: each defect ticket linked to the release gets a public reply naming it, with
  its notes and a download link, through the tickets services (so the reporter's mail goes out
  by the existing event path), and is resolved if the release says so. Each link's ``told_at``
  is claimed by compare-and-set in the same transaction as the ticket's change: a second
  worker, or a retried task, finds it taken.
- **Followers**: one ``ReleaseNotice`` row per (release, contact), unique; whoever claims its
  ``sent_at`` queues the mail in the same transaction (``mail.outbound`` with a dedupe key).

Runs in the worker (``tasks.release_announce``), after the publication committed.
"""

from __future__ import annotations

import logging
from datetime import timedelta
from typing import Any

from django.db import transaction
from django.template.loader import render_to_string

from tierdesk.accounts.principal import SYSTEM
from tierdesk.core.clock import now
from tierdesk.core.errors import InvalidInput, NotFound, TierdeskError
from tierdesk.core.text import MAX_REASON
from tierdesk.crm import policies as crm_policies
from tierdesk.crm.models import Contact
from tierdesk.downloads import policies
from tierdesk.downloads.links import link_token, max_age
from tierdesk.downloads.models import (
    FixedIn,
    Follow,
    Release,
    ReleaseFile,
    ReleaseNotice,
    State,
)
from tierdesk.downloads.paths import release_url, site_url
from tierdesk.mail.models import OutboundKind
from tierdesk.mail.outbound import outbound_store, sending_mailbox
from tierdesk.tickets import policies as ticket_policies
from tierdesk.tickets.domain import Action, Status
from tierdesk.tickets.models import Ticket
from tierdesk.tickets.services import ticket_reply, ticket_resolve

log = logging.getLogger(__name__)

NOTICE_KIND = OutboundKind.RELEASE_NOTICE  # OutboundMail.kind of the mail this app sends
LINK_KIND = OutboundKind.DOWNLOAD_LINK


def release_announce(release_id: int) -> tuple[int, int]:
    """Tell the fixed tickets and the followers; returns how many of each were told now."""
    release = (
        Release.objects.select_related("version__product", "published_by")
        .filter(pk=release_id)
        .first()
    )
    if release is None or not release.is_published:
        return 0, 0
    return fixed_tickets_tell(release), followers_tell(release)


# ---- fixed tickets -------------------------------------------------------------------------


def fixed_tickets_tell(release: Release) -> int:
    told = 0
    for link in FixedIn.objects.filter(release=release, told_at__isnull=True):
        try:
            with transaction.atomic():
                claimed = FixedIn.objects.filter(pk=link.pk, told_at__isnull=True)
                if not claimed.update(told_at=now()):
                    continue  # another worker told it
                _tell_ticket(release, link.ticket_id)
                told += 1
        except TierdeskError as error:
            log.warning(
                "fixed ticket not told", extra={"ticket": link.ticket_id, "why": error.message}
            )
    return told


def fixed_in_message(release: Release) -> str:
    return render_to_string(
        "downloads/mail/fixed_in_message.md",
        {"release": release, "link": site_url(release_url(release))},
    ).strip()


def _tell_ticket(release: Release, ticket_id: int) -> None:
    ticket = Ticket.objects.select_related("assignee").get(pk=ticket_id)
    if ticket.status == Status.CLOSED:
        return  # closed by its reporter: a new message would open a follow-up
    actor = _actor_for(release, ticket)
    message = fixed_in_message(release)
    ticket_reply(actor=actor, ticket=ticket, body=message)
    if release.resolves_fixed_tickets and ticket.status != Status.RESOLVED:
        # The resolution notice carries the same text: the reporter reads it by mail even when
        # Tierdesk itself spoke (its replies are not mailed as an agent's are).
        ticket_resolve(actor=actor, ticket=ticket, summary=message[:MAX_REASON])


def _actor_for(release: Release, ticket: Ticket) -> Any:
    """Who speaks on the ticket: the publisher if the tickets' policy lets them reply to and
    resolve it, else the ticket's assignee, else Tierdesk itself."""
    for candidate in (release.published_by, ticket.assignee):
        if candidate is not None and all(
            ticket_policies.can(candidate, action, ticket)
            for action in (ticket_policies.VIEW, Action.REPLY, Action.RESOLVE)
        ):
            return candidate
    return SYSTEM


# ---- followers -----------------------------------------------------------------------------


def followers_tell(release: Release) -> int:
    follows = Follow.objects.filter(product_id=release.version.product_id).select_related(
        "contact__organization"
    )
    readers = [
        f.contact
        for f in follows
        if policies.can(policies.contact_principal(f.contact), policies.READ, release)
    ]
    ReleaseNotice.objects.bulk_create(
        [ReleaseNotice(release=release, contact=c) for c in readers], ignore_conflicts=True
    )
    told = 0
    pending = ReleaseNotice.objects.filter(release=release, sent_at__isnull=True)
    for notice in pending.select_related("contact"):
        with transaction.atomic():
            claimed = ReleaseNotice.objects.filter(pk=notice.pk, sent_at__isnull=True)
            if not claimed.update(sent_at=now()):
                continue
            _queue_notice(release, notice.contact)
            told += 1
    return told


def _queue_notice(release: Release, contact: Contact) -> None:
    context = {"release": release, "contact": contact, "link": site_url(release_url(release))}
    outbound_store(
        kind=NOTICE_KIND, to=contact.email.lower(),
        subject=f"New release: {release.title}"[:300],
        body=render_to_string("downloads/mail/release_notice.txt", context).strip() + "\n",
        dedupe_key=f"release:{release.pk}:contact:{contact.pk}", mailbox=sending_mailbox(None),
        automatic=True, on_ticket=False,
    )  # fmt: skip


# ---- signed links --------------------------------------------------------------------------


def download_link_mail(*, actor: Any, contact: Contact, file: ReleaseFile) -> str:
    """Mail the contact a signed link to the file; returns the link. The contact's
    organization must be entitled now (and will be checked again at the click)."""
    facts = policies.principal(actor)
    if not facts.is_agent or not crm_policies.can(actor, crm_policies.VIEW, contact):
        raise NotFound("No such contact.")
    if not policies.can(policies.contact_principal(contact), policies.DOWNLOAD, file.release):
        raise InvalidInput("The contact's organization is not entitled to this release.")
    token = link_token(file_id=file.pk, contact_id=contact.pk)
    link = site_url(f"/downloads/links/{token}/")
    context = {"file": file, "contact": contact, "link": link, "days": max_age().days}
    outbound_store(
        kind=LINK_KIND, to=contact.email.lower(), subject=f"Your download: {file.name}"[:300],
        body=render_to_string("downloads/mail/download_link.txt", context).strip() + "\n",
        dedupe_key=f"link:{token[-40:]}", mailbox=sending_mailbox(None), automatic=False,
        on_ticket=False,
    )  # fmt: skip
    return link


def announce_sweep(*, within: timedelta = timedelta(days=2)) -> int:
    """Announce recent publications again: only what nobody told yet goes out."""
    since = now() - within
    recent = Release.objects.filter(state=State.PUBLISHED, published_at__gte=since)
    told = 0
    for release_id in recent.values_list("pk", flat=True):
        fixed, followers = release_announce(release_id)
        told += fixed + followers
    return told

"""Writes of the public site and the portal: announcements, and a contact's new ticket."""

from __future__ import annotations

from typing import Any

from django.db import transaction

from tierdesk.core.text import render_markdown
from tierdesk.crm.models import Organization
from tierdesk.mail.outbound import acknowledgement_row, outbound_queue_rows
from tierdesk.portal.models import Announcement
from tierdesk.tickets import services as ticket_services
from tierdesk.tickets.models import Category, Channel, Ticket
from tierdesk.tickets.services.opening import Impact
from tierdesk.tickets.uploads import open_with_files


def announcement_save(*, announcement: Announcement) -> Announcement:
    """Store the announcement with its body rendered once (admins write Markdown)."""
    announcement.body_html = render_markdown(announcement.body)
    announcement.save()
    return announcement


def portal_ticket_submit(
    *,
    actor: Any,
    organization: Organization,
    subject: str,
    body: str,
    category: Category | None,
    impact: Impact | None,
    facts: dict[str, str],
    files: list[Any],
) -> Ticket:
    """A contact's ticket from the portal form, with its files, and the same acknowledgement
    mail a ticket opened by mail gets (mail's one builder, ``acknowledgement_row``): the number,
    and the plan's promise with its due time. All or nothing."""

    def open_and_acknowledge() -> Ticket:
        with transaction.atomic():
            ticket = ticket_services.ticket_open(
                actor=actor, organization=organization, subject=subject, body=body,
                channel=Channel.PORTAL, category=category, impact=impact, facts=facts,
            )  # fmt: skip
            acknowledge(ticket)
        return ticket

    return open_with_files(actor=actor, files=files, open_ticket=open_and_acknowledge)


def acknowledge(ticket: Ticket) -> None:
    """Queue the acknowledgement to the reporter; the worker renders it when it sends (and
    checks bounces and the rate limit then, as for mail intake). One per ticket (dedupe key)."""
    reporter = ticket.reporter
    if reporter is None or not reporter.email:
        return
    mail = acknowledgement_row(
        to=reporter.email.lower(), ticket=ticket, mailbox=None,
        dedupe_key=f"portal:{ticket.pk}:ack", answering="",
    )  # fmt: skip
    outbound_queue_rows([mail])

"""Writes of the reports app: rebuilding rollup days, marking days a late event changed,
taking a rating, and the monthly report mailing."""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import date, datetime, timedelta
from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.template.loader import render_to_string
from django.urls import reverse

from tierdesk.core.clock import now
from tierdesk.core.errors import InvalidInput, NotFound
from tierdesk.core.text import MAX_REASON
from tierdesk.crm.models import Contact, Organization
from tierdesk.mail.models import OutboundKind
from tierdesk.mail.outbound import default_mailbox, outbound_store
from tierdesk.reports import policies
from tierdesk.reports.backlog import backlog_insert
from tierdesk.reports.figures import compliance, percent_text, totals
from tierdesk.reports.models import (
    DailyBacklog,
    DailyCategoryRollup,
    DailyRollup,
    DailyTeamBacklog,
    DailyTeamRollup,
    DirtyDay,
    MonthlyMailing,
    Rating,
)
from tierdesk.reports.rollups import (
    DAY,
    DIMENSION_KINDS,
    ROLLUP_KINDS,
    cube_build,
    days_between,
    local_day,
)
from tierdesk.tickets.models import Ticket, TicketEvent

logger = logging.getLogger(__name__)

# A rebuild reads this many days with one set of statements.
CHUNK_DAYS = 7
# The job rebuilds today and yesterday on every run: events of those days need no dirty mark.
LIVE_DAYS = 2
DIRTY_DAYS_PER_RUN = 31
# The outbound mail's kind (mail's OutboundKind names the ticket notices; this one is ours).
REPORT_MAIL_KIND = OutboundKind.MONTHLY_REPORT


# ---- rollups -------------------------------------------------------------------------------


def days_rebuild(
    *, first: date, last: date, progress: Callable[[date, date], None] | None = None
) -> int:
    """Rebuild the rollup cells and backlog rows of ``first`` to ``last``; how many rows were
    written.

    Each chunk of days is replaced in one transaction, so a reader sees a day's old cells or
    its new ones, never half. A dirty mark made while a day was being built survives (it is
    newer than the build's start) and the next job run builds the day again."""
    if last < first:
        raise InvalidInput("The last day comes before the first.", field="to")
    written = 0
    chunk_first = first
    while chunk_first <= last:
        chunk_last = min(last, chunk_first + (CHUNK_DAYS - 1) * DAY)
        written += _chunk_rebuild(chunk_first, chunk_last)
        if progress is not None:
            progress(chunk_first, chunk_last)
        chunk_first = chunk_last + DAY
    return written


def _chunk_rebuild(first: date, last: date) -> int:
    """The chunk's cells and backlog rows; how many rows were written."""
    started = now()
    cube = cube_build(first, last)
    rows, team_rows, category_rows = cube.rows(), cube.team_rows(), cube.category_rows()
    with transaction.atomic():
        days = {"day__gte": first, "day__lte": last}
        for table in (
            DailyRollup,
            DailyTeamRollup,
            DailyCategoryRollup,
            DailyBacklog,
            DailyTeamBacklog,
        ):
            table.objects.filter(**days).delete()
        DailyRollup.objects.bulk_create(rows, batch_size=1000)
        DailyTeamRollup.objects.bulk_create(team_rows, batch_size=1000)
        DailyCategoryRollup.objects.bulk_create(category_rows, batch_size=1000)
        written = len(rows) + len(team_rows) + len(category_rows)
        written += sum(backlog_insert(day) for day in days_between(first, last))
        DirtyDay.objects.filter(**days, marked_at__lte=started).delete()
    return written


def rollups_refresh(*, at: datetime | None = None) -> int:
    """The job: today and yesterday, then the past days late events changed."""
    today = local_day(at or now())
    written = days_rebuild(first=today - (LIVE_DAYS - 1) * DAY, last=today)
    dirty = list(
        DirtyDay.objects.order_by("day").values_list("day", flat=True)[:DIRTY_DAYS_PER_RUN]
    )
    for day in dirty:
        written += days_rebuild(first=day, last=day)
    return written


def days_mark_dirty(*, event_id: int, kind: str) -> list[date]:
    """Mark the past days an event changes: the day it happened (a late event), and the
    ticket's opening day when it moved the ticket to another cell. Days the job rebuilds on
    every run anyway are left alone."""
    found = TicketEvent.objects.filter(pk=event_id).values_list("at", "ticket__created_at").first()
    if found is None:
        return []
    at, opened = found
    days = {local_day(at)}
    if kind in DIMENSION_KINDS:
        days.add(local_day(opened))
    live_from = local_day(now()) - (LIVE_DAYS - 1) * DAY
    past = sorted(day for day in days if day < live_from)
    marked = now()
    DirtyDay.objects.bulk_create(
        [DirtyDay(day=day, marked_at=marked) for day in past], ignore_conflicts=True
    )
    # A day marked before and not rebuilt yet: move its mark forward (the rebuild in progress,
    # if any, read the old state).
    DirtyDay.objects.filter(day__in=past, marked_at__lt=marked).update(marked_at=marked)
    return past


def event_mark_dirty(**payload: Any) -> None:
    """Subscriber of ``tickets.event_recorded`` (registered in ``ReportsConfig.ready``, for
    the events ``event_changes_rollups`` lets through)."""
    days_mark_dirty(event_id=payload["event_id"], kind=payload["kind"])


def event_changes_rollups(**payload: Any) -> bool:
    """The subscription's predicate: only the kinds the rollups read cost a query."""
    return payload["kind"] in ROLLUP_KINDS


# ---- satisfaction --------------------------------------------------------------------------


def ticket_rate(
    *,
    actor: Any,
    ticket: Ticket,
    good: bool,
    comment: str = "",
    contact_id: int | None = None,
    channel: str,
) -> Rating:
    """The reporter rates the support of a resolved ticket (good or bad, a comment if they
    like). ``contact_id`` comes from the mail link's token instead of a sign-in. Rating again
    replaces the earlier verdict."""
    allowed = (
        policies.may_rate_as(contact_id, ticket)
        if contact_id is not None
        else policies.can(actor, policies.RATE, ticket)
    )
    if not allowed:
        raise NotFound("No such ticket to rate.")
    comment = comment.strip()
    if len(comment) > MAX_REASON:
        raise InvalidInput(f"A comment has at most {MAX_REASON} characters.", field="comment")
    contact = contact_id if contact_id is not None else ticket.reporter_id
    with transaction.atomic():
        rating, _ = Rating.objects.update_or_create(
            ticket=ticket,
            defaults={
                "good": good,
                "comment": comment,
                "contact_id": contact,
                "channel": channel,
                "rated_at": now(),
            },
        )
    return rating


# ---- the monthly mailing -------------------------------------------------------------------


def month_start(day: date) -> date:
    return day.replace(day=1)


def previous_month(day: date) -> date:
    return month_start(month_start(day) - timedelta(days=1))


def mailing_claim(*, organization_id: int, month: date) -> MonthlyMailing | None:
    """The unique row that lets one worker, once, mail an organization's month."""
    try:
        with transaction.atomic():
            return MonthlyMailing.objects.create(
                organization_id=organization_id, month=month, sent_at=now()
            )
    except IntegrityError:
        return None


def recipients_of(organization_id: int) -> list[Contact]:
    return list(
        Contact.objects.filter(
            organization_id=organization_id,
            report_recipient__receives_mail=True,
        )
        .exclude(email="")
        .order_by("pk")
    )


def first_working_day(month: date) -> date:
    """Monday to Friday: the first of them in the month."""
    day = month_start(month)
    while day.weekday() >= 5:
        day += DAY
    return day


def month_days(month: date) -> list[date]:
    next_month = (month_start(month) + timedelta(days=32)).replace(day=1)
    return list(days_between(month_start(month), next_month - DAY))


def monthly_reports_mail(*, at: datetime | None = None) -> int:
    """Mail last month's report to each organization's recipients, once: on the first working
    day of the month or, if no worker ran that day, the next days of the first week. The
    mailing row (unique per organization and month) is claimed before the mails are queued,
    in the same transaction, so a second worker finds it taken and sends nothing."""
    today = local_day(at or now())
    if today < first_working_day(today) or today.day > 7:
        return 0
    month = previous_month(today)
    organizations = (
        Contact.objects.filter(report_recipient__receives_mail=True)
        .values_list("organization_id", flat=True)
        .distinct()
        .order_by("organization_id")
    )
    sent = 0
    for organization_id in organizations:
        with transaction.atomic():
            mailing = mailing_claim(organization_id=organization_id, month=month)
            if mailing is None:
                continue
            mailing.recipients = _mail_recipients(organization_id, month)
            mailing.save(update_fields=["recipients"])
            sent += mailing.recipients
    return sent


def _mail_recipients(organization_id: int, month: date) -> int:
    organization = Organization.objects.get(pk=organization_id)
    summary = month_summary(organization, month)
    url = settings.SITE_URL + reverse("reports:monthly", args=[organization_id, f"{month:%Y-%m}"])
    mailbox = default_mailbox()
    count = 0
    for contact in recipients_of(organization_id):
        body = render_to_string(
            "reports/mail/monthly.txt",
            {
                "name": contact.name,
                "month": month,
                "organization": organization.name,
                "url": url,
                **summary,
            },
        )
        queued = outbound_store(
            kind=REPORT_MAIL_KIND,
            to=contact.email.lower(),
            subject=f"Support report {month:%B %Y}: {organization.name}",
            body=body,
            dedupe_key=f"report:{organization_id}:{month:%Y-%m}:{contact.pk}",
            mailbox=mailbox,
            automatic=True,
            on_ticket=False,
        )
        count += queued is not None
    return count


def month_summary(organization: Organization, month: date) -> dict[str, Any]:
    """The few figures the mail quotes, from the rollups of what the report covers."""
    ids = policies.report_organization_ids(organization)
    last = month_days(month)[-1]
    cells = DailyRollup.objects.filter(organization_id__in=ids, day__gte=month, day__lte=last)
    figures = totals(cells)
    breaches = figures["response_breached"] + figures["resolution_breached"]
    return {
        "figures": figures,
        "response": percent_text(compliance(figures["response_met"], figures["response_breached"])),
        "resolution": percent_text(
            compliance(figures["resolution_met"], figures["resolution_breached"])
        ),
        "breaches": breaches,
    }

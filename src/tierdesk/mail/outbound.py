"""Mail Tierdesk sends: queued inside the writing transaction, sent after commit.

Every outgoing message is an ``OutboundMail`` row first, under a unique ``dedupe_key`` (one
acknowledgement per inbound message, one notice per ticket event and recipient), so a retried
task or a second worker never sends it twice. The row is then sent by the ``mail_send`` task on
commit; a failure schedules a retry with back-off (``next_attempt_at``), which the outbox sweep
picks up, until ``TIERDESK_MAIL_SEND_ATTEMPTS`` is used up.

Notices are rendered when queued. Acknowledgements of new tickets are the intake's hot path, so
the intake only stores the row (addresses, threading headers, our Message-ID) and the worker
renders it when it sends (``RENDERED_ON_SEND``): the template, the plan's promise and the
bounce and rate-limit checks cost the intake nothing.
"""

from __future__ import annotations

import hashlib
import logging
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import timedelta
from email.utils import formataddr
from functools import partial
from typing import Any

from django.conf import settings
from django.core.files.base import ContentFile
from django.core.mail import EmailMessage, mailers
from django.db import IntegrityError, connection, router, transaction
from django.db.models import Count, F, OuterRef, Q, QuerySet, Subquery
from django.tasks import task
from django_tasks_db.backend import DatabaseBackend
from django_tasks_db.models import DBTaskResult

from tierdesk.core.clock import now
from tierdesk.core.inserts import insert_rows
from tierdesk.core.text import safe_filename
from tierdesk.mail.idheaders import ThreadedEmail
from tierdesk.mail.loopguard import LOOP_HEADER
from tierdesk.mail.models import (
    AUTOMATIC_KINDS,
    AddressState,
    InboundMessage,
    Mailbox,
    OutboundAttachment,
    OutboundKind,
    OutboundMail,
    OutboundStatus,
)
from tierdesk.mail.notices import notices_for_events
from tierdesk.mail.rendering import commitment, render, template_source, ticket_subject
from tierdesk.mail.threading import loop_id, new_message_id
from tierdesk.tickets.models import Ticket

log = logging.getLogger(__name__)
# Minutes to wait before each retry of a failed send.
BACKOFF_MINUTES = [1, 5, 15, 60, 240, 720]
# A message stuck in "sending" this long belonged to a worker that died: send it again.
STALE_SENDING = timedelta(minutes=15)
MAX_REFERENCES = 10


# Kinds the worker renders when it sends; until then the row's subject and body are empty.
RENDERED_ON_SEND = frozenset({OutboundKind.ACKNOWLEDGEMENT})


# ---- queueing ------------------------------------------------------------------------------


def sending_mailbox(ticket: Any) -> Mailbox | None:
    """The mailbox the ticket came in through, else the default one."""
    return sending_mailboxes([ticket])[_pk(ticket)]


def sending_mailboxes(tickets: Iterable[Any]) -> dict[int | None, Mailbox | None]:
    """``sending_mailbox`` of many tickets, by ticket id (``None`` for no ticket): the first
    active mailbox each came in through in one query, the default one read once if needed."""
    ids = {_pk(ticket) for ticket in tickets}
    first = (
        InboundMessage.objects.filter(ticket_id=OuterRef("ticket_id"), mailbox__is_active=True)
        .order_by("received_at", "id")
        .values("pk")[:1]
    )
    inbound = (
        InboundMessage.objects.filter(ticket_id__in=_ids(ids), mailbox__is_active=True)
        .filter(pk=Subquery(first))
        .select_related("mailbox")
        .only("ticket_id", "mailbox")
    )
    found: dict[int | None, Mailbox | None] = {row.ticket_id: row.mailbox for row in inbound}
    if ids - found.keys():
        default = default_mailbox()
        found.update((pk, default) for pk in ids - found.keys())
    return found


def _pk(ticket: Any) -> int | None:
    return getattr(ticket, "pk", None)


def _ids(pks: Iterable[int | None]) -> list[int]:
    return [pk for pk in pks if pk is not None]


def thread_headers(ticket: Any, answering: str = "") -> tuple[str, list[str]]:
    """In-Reply-To and References for a new mail on the ticket: the whole conversation's
    Message-IDs (its first message always kept), the one answered last."""
    return _thread(conversations([ticket]).get(_pk(ticket) or 0, []), answering)


def conversations(tickets: Iterable[Any]) -> dict[int, list[str]]:
    """The Message-IDs of each ticket's conversation (the mails that came in, and those sent),
    oldest first, by ticket id: one query for all the tickets."""
    ids = set(_ids(_pk(ticket) for ticket in tickets))
    if not ids:
        return {}
    inbound = InboundMessage.objects.filter(ticket_id__in=ids).exclude(message_id="")
    sent = OutboundMail.objects.filter(ticket_id__in=ids, status=OutboundStatus.SENT)
    rows = (
        inbound.order_by()
        .values_list("ticket_id", "received_at", "message_id")
        .union(sent.order_by().values_list("ticket_id", "created_at", "message_id"), all=True)
        .order_by()  # sorted below (a union would take the first model's default ordering)
    )
    found: dict[int, list[str]] = {}
    for ticket_id, _at, mid in sorted(rows, key=lambda row: (row[0], row[1], row[2])):
        found.setdefault(ticket_id, []).append(mid)
    return found


def _thread(conversation: list[str], answering: str) -> tuple[str, list[str]]:
    """In-Reply-To and References from a conversation's Message-IDs (oldest first)."""
    ordered = list(conversation)
    if answering:
        ordered = [mid for mid in ordered if mid != answering] + [answering]
    ordered = list(dict.fromkeys(ordered))
    if len(ordered) > MAX_REFERENCES:
        ordered = ordered[:1] + ordered[-(MAX_REFERENCES - 1) :]
    return (ordered[-1] if ordered else ""), ordered


def suppression_reason(address: str, automatic: bool, *, before: int | None = None) -> str:
    """Why mail to the address must not go now: it bounces, or it had its share of
    automatic mail this hour (the loop breaker of last resort). ``before``: count only mail
    queued before that row (a mail rendered on send is checked when it is sent, after rows
    queued later may exist)."""
    at = now()
    state = AddressState.objects.filter(address=address, suppressed_until__gt=at)
    recent = _recent_automatic(at).filter(to_address=address)
    if before is not None:
        recent = recent.filter(pk__lt=before)
    # One round trip for both checks (two subqueries of one SELECT); the state row itself is
    # loaded only for an address that bounces, which is rare.
    state_id, count = _scalars(state.order_by().values("pk")[:1], recent if automatic else None)
    until, last_status = None, ""
    if state_id is not None:
        until, last_status = state.values_list("suppressed_until", "last_status").get(pk=state_id)
    return _suppression(until, last_status, count, automatic)


def suppression_reasons(mails: Sequence[tuple[str, bool]]) -> list[str]:
    """``suppression_reason`` of many mails about to be queued, each ``(address, automatic)``,
    in order: the addresses' bounce states in one query, the automatic mails of the last hour
    per address in one more; a mail counts the automatic ones listed before it too."""
    at = now()
    addresses = {address for address, _automatic in mails}
    states = {
        row[0]: row[1:]
        for row in AddressState.objects.filter(address__in=addresses, suppressed_until__gt=at)
        .order_by("-pk")
        .values_list("address", "suppressed_until", "last_status")
    }
    automatic = {address for address, is_automatic in mails if is_automatic}
    counts: Counter[str] = Counter(
        dict(
            _recent_automatic(at)
            .filter(to_address__in=automatic)
            .order_by()
            .values_list("to_address")
            .annotate(count=Count("pk"))
            .values_list("to_address", "count")
        )
        if automatic
        else {}
    )
    reasons = []
    for address, is_automatic in mails:
        until, last_status = states.get(address, (None, ""))
        reasons.append(_suppression(until, last_status, counts[address], is_automatic))
        counts[address] += is_automatic
    return reasons


def _recent_automatic(at: Any) -> QuerySet[OutboundMail]:
    """Automatic mail of the last hour that went or will go (the rate limit counts it)."""
    return OutboundMail.objects.filter(
        is_automatic=True,
        created_at__gte=at - timedelta(hours=1),
        status__in=[OutboundStatus.QUEUED, OutboundStatus.SENDING, OutboundStatus.SENT],
    )


def _suppression(until: Any, last_status: str, count: int, automatic: bool) -> str:
    """The rule: an address that bounces gets nothing until its suppression ends; automatic
    mail stops at its hourly limit per address."""
    if until is not None:
        return f"address bounces ({last_status}) until {until:%Y-%m-%d %H:%M} UTC"
    limit = settings.TIERDESK_MAIL_AUTO_PER_HOUR
    if automatic and count >= limit:
        return f"rate limit: {limit} automatic mails per hour to one address"
    return ""


def _scalars(first: QuerySet[Any], counted: QuerySet[Any] | None) -> tuple[Any, int]:
    """``first``'s single value (or ``None``) and the row count of ``counted``, in one query."""
    first_sql, first_params = first.query.sql_with_params()
    sql, params = f"SELECT ({first_sql})", list(first_params)
    if counted is not None:
        counted_sql, counted_params = counted.order_by().values("pk").query.sql_with_params()
        sql += f", (SELECT COUNT(*) FROM ({counted_sql}) counted)"
        params += counted_params
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        row = cursor.fetchone()
    return row[0], (row[1] if counted is not None else 0)


def outbound_queue(
    *,
    kind: str,
    to: str,
    context: dict[str, Any],
    dedupe_key: str,
    ticket: Any = None,
    mailbox: Mailbox | None = None,
    answering: str = "",
) -> OutboundMail | None:
    """Render and store one mail, and send it when the surrounding transaction commits.

    Returns ``None`` when there is nobody to send to or it was queued before (same key).
    """
    notice = {"kind": kind, "to": to, "context": context, "dedupe_key": dedupe_key,
              "ticket": ticket, "mailbox": mailbox, "answering": answering}  # fmt: skip
    queued = outbound_queue_many([notice])
    return queued[0] if queued else None


def outbound_queue_many(notices: Sequence[dict[str, Any]]) -> list[OutboundMail]:
    """``outbound_queue`` for many mails, each a dict of its arguments; the rows queued now.

    Set-based: the tickets' sending mailboxes, their conversations (thread headers) and the
    addresses' suppression are read once for all, each template once, the rows written in one
    INSERT and sent by one task. A mail queued before (same key) is left out; if another
    worker queues one of them meanwhile, each is queued on its own instead."""
    notices = [notice for notice in notices if notice.get("to")]
    if len(notices) > 1:  # one mail finds a clash by its INSERT; many would lose the batch
        stored = set(
            OutboundMail.objects.filter(dedupe_key__in=[_key(notice) for notice in notices])
            .order_by()
            .values_list("dedupe_key", flat=True)
        )
        notices = [notice for notice in notices if _key(notice) not in stored]
    if not notices:
        return []
    rows = _compose(notices)
    try:
        with transaction.atomic():
            insert_rows(rows)
    except IntegrityError:
        if len(notices) == 1:
            return []  # queued before: this is a retry of the same work
        return [mail for notice in notices for mail in outbound_queue_many([notice])]
    _schedule_send(*(mail.pk for mail in rows if mail.status == OutboundStatus.QUEUED))
    return rows


def _key(notice: dict[str, Any]) -> str:
    return str(notice["dedupe_key"])[:200]


def _compose(notices: list[dict[str, Any]]) -> list[OutboundMail]:
    """The unsaved rows of the notices, rendered and threaded."""
    tickets = [notice.get("ticket") for notice in notices]
    mailboxes = sending_mailboxes(n.get("ticket") for n in notices if not n.get("mailbox"))
    threads = conversations(tickets)
    kinds = [notice["kind"] for notice in notices]
    reasons = suppression_reasons([(n["to"], n["kind"] in AUTOMATIC_KINDS) for n in notices])
    sources = {kind: template_source(kind) for kind in set(kinds)}
    rows = []
    for notice, ticket, kind, reason in zip(notices, tickets, kinds, reasons, strict=True):
        mailbox = notice.get("mailbox") or mailboxes[_pk(ticket)]
        context = {**notice["context"], "ticket": ticket, "mailbox": mailbox}
        rendered = render(kind, context, source=sources[kind])
        thread = _thread(threads.get(_pk(ticket) or 0, []), notice.get("answering", ""))
        rows.append(
            _row(
                kind=kind, to=notice["to"], subject=rendered.subject, body=rendered.body,
                dedupe_key=_key(notice), mailbox=mailbox, ticket=ticket,
                automatic=kind in AUTOMATIC_KINDS, thread=thread, reason=reason,
            )
        )  # fmt: skip
    return rows


def _row(
    *,
    kind: str,
    to: str,
    subject: str,
    body: str,
    dedupe_key: str,
    mailbox: Mailbox | None,
    ticket: Any,
    automatic: bool,
    thread: tuple[str, list[str]],
    reason: str,
) -> OutboundMail:
    """An unsaved mail, threaded by ``thread`` (In-Reply-To, References), suppressed for
    ``reason`` when there is one. A kind missing from ``OutboundKind`` is refused
    (``ValueError``): every app's mail is named there."""
    in_reply_to, references = thread
    return OutboundMail(
        dedupe_key=dedupe_key[:200], kind=OutboundKind(kind), mailbox=mailbox, ticket=ticket,
        to_address=to, from_address=_from_address(mailbox), subject=subject, body=body,
        message_id=new_message_id(_pk(ticket)), in_reply_to=in_reply_to,
        references=" ".join(f"<{mid}>" for mid in references), is_automatic=automatic,
        last_error=reason, created_at=now(),
        status=OutboundStatus.SUPPRESSED if reason else OutboundStatus.QUEUED,
    )  # fmt: skip


@dataclass(frozen=True)
class OutboundFile:
    """A file to send with a mail (an RCA's PDF)."""

    filename: str
    content_type: str
    content: bytes


def outbound_store(
    *,
    kind: str,
    to: str,
    subject: str,
    body: str,
    dedupe_key: str,
    mailbox: Mailbox | None,
    ticket: Any = None,
    automatic: bool,
    on_ticket: bool = True,
    answering: str = "",
    files: Sequence[OutboundFile] = (),
) -> OutboundMail | None:
    """Store one composed mail, threaded to ``ticket`` by its headers, and send it when the
    surrounding transaction commits (a suppressed address or an automatic mail over its limit
    is stored as suppressed and not sent). ``on_ticket``: the mail belongs to the ticket's
    thread (a notice to an agent is threaded but not stored on it); ``files`` go with it as
    attachments. ``None`` when queued before (same key)."""
    reason = suppression_reason(to, automatic)
    mail = _row(
        kind=kind, to=to, subject=subject, body=body, dedupe_key=dedupe_key, mailbox=mailbox,
        ticket=ticket, automatic=automatic, thread=thread_headers(ticket, answering),
        reason=reason,
    )  # fmt: skip
    if not on_ticket:
        mail.ticket = None  # threaded to the ticket, not stored on it
    try:
        with transaction.atomic():
            mail.save()
    except IntegrityError:
        return None  # queued before: this is a retry of the same work
    for file in files:
        _attach(mail, file)
    if not reason:
        _schedule_send(mail.pk)
    return mail


def _attach(mail: OutboundMail, file: OutboundFile) -> OutboundAttachment:
    """Store the file under its content hash (once, however many mails carry it) and tie it to
    the mail. A file of another size under that name was cut short and is written again."""
    digest = hashlib.sha256(file.content).hexdigest()
    attachment = OutboundAttachment(
        mail=mail, filename=safe_filename(file.filename), content_type=file.content_type[:100],
        size=len(file.content), sha256=digest,
    )  # fmt: skip
    stored = attachment.file
    path = stored.field.generate_filename(attachment, attachment.filename)
    if stored.storage.exists(path) and stored.storage.size(path) == attachment.size:
        stored.name = path
    else:
        stored.save(attachment.filename, ContentFile(file.content), save=False)
    attachment.save()
    return attachment


def acknowledgement_row(
    *, to: str, ticket: Any, mailbox: Mailbox | None, dedupe_key: str, answering: str
) -> OutboundMail:
    """An unsaved acknowledgement of a ticket the mail ``answering`` just opened. No queries:
    the thread is that mail alone, and the worker renders the text when it sends."""
    mailbox = mailbox or default_mailbox()
    return OutboundMail(
        dedupe_key=dedupe_key[:200], kind=OutboundKind.ACKNOWLEDGEMENT, mailbox=mailbox,
        ticket=ticket, to_address=to, from_address=_from_address(mailbox), subject="", body="",
        message_id=new_message_id(ticket.pk), in_reply_to=answering,
        references=f"<{answering}>" if answering else "", is_automatic=True,
        status=OutboundStatus.QUEUED, created_at=now(),
    )  # fmt: skip


def default_mailbox() -> Mailbox | None:
    return Mailbox.objects.filter(is_default=True, is_active=True).order_by("id").first()


def outbound_queue_rows(mails: list[OutboundMail]) -> None:
    """Store unsaved mails (whose dedupe keys the caller holds: locked inbound rows) with one
    INSERT and have them sent after commit by one task."""
    if not mails:
        return
    insert_rows(mails)
    _schedule_send(*(mail.pk for mail in mails))


def _schedule_send(*outbound_ids: int) -> None:
    """Have the mails sent once the transaction commits. With the database task backend the
    task row is written in the transaction itself: it commits with the mail or not at all (and a
    worker cannot see it before), and no extra commit is paid after. Other backends may run the
    task at once, so they get it on commit."""
    if _tasks_in_this_database():
        _enqueue_send(*outbound_ids)
    else:
        transaction.on_commit(partial(_enqueue_send, *outbound_ids))


def _tasks_in_this_database() -> bool:
    if not isinstance(mail_send.get_backend(), DatabaseBackend):
        return False
    connection = transaction.get_connection()
    return connection.in_atomic_block and router.db_for_write(DBTaskResult) == connection.alias


def _enqueue_send(*outbound_ids: int) -> None:
    if len(outbound_ids) == 1:
        mail_send.enqueue(outbound_ids[0])
    else:
        mail_send_many.enqueue(list(outbound_ids))


def _from_address(mailbox: Mailbox | None) -> str:
    if mailbox is None:
        return settings.TIERDESK_MAIL_FROM
    return formataddr((mailbox.display_name, mailbox.address))


# ---- sending -------------------------------------------------------------------------------


# The sending tasks live beside what they run: queueing a mail enqueues them, so ``tasks.py``
# (which lists every mail task) imports them from here rather than this module from it.
@task
def mail_send(outbound_id: int) -> str:
    return outbound_send(outbound_id)


@task
def mail_send_many(outbound_ids: list[int]) -> list[str]:
    """The mails one batch queued: one task row for the batch, not one per mail."""
    return outbound_send_many(outbound_ids)


def outbound_send(outbound_id: int) -> str:
    """Send one queued mail; the new status. Claimed by compare-and-set, so one sender only."""
    return outbound_send_many([outbound_id])[0]


def outbound_send_many(outbound_ids: Sequence[int]) -> list[str]:
    """Send queued mails, each mailer's over one connection; their new statuses, in order
    ("skipped": not queued or not due, or another sender has it). Each mail is marked sent
    as soon as the server took it (one small UPDATE): a worker that dies half-way leaves at
    most the one mail in flight "sending", for the outbox sweep to send again after
    ``STALE_SENDING``; a customer never gets a whole batch twice."""
    statuses = dict.fromkeys(outbound_ids, "skipped")
    claimed = _claim(outbound_ids)
    mails = (
        OutboundMail.objects.select_related("mailbox")
        .prefetch_related("attachments")
        .filter(pk__in=claimed)
        .order_by("pk")
    )
    by_mailer: dict[str, list[OutboundMail]] = {}
    for mail in mails:
        by_mailer.setdefault(_mailer(mail), []).append(mail)
    for alias, group in by_mailer.items():
        statuses.update(_send_over_one_connection(alias, group))
    return [statuses[pk] for pk in outbound_ids]


def _claim(outbound_ids: Sequence[int]) -> list[int]:
    """Mark the due queued mails among ``outbound_ids`` as being sent, by this sender only
    (their rows locked meanwhile, skipping those another sender holds; SQLite's transactions
    take its one write lock at BEGIN); the ids claimed."""
    at = now()
    with transaction.atomic():
        due = (
            OutboundMail.objects.select_for_update(skip_locked=True)
            .filter(pk__in=list(outbound_ids), status=OutboundStatus.QUEUED)
            .filter(Q(next_attempt_at__isnull=True) | Q(next_attempt_at__lte=at))
        )
        claimed = list(due.values_list("pk", flat=True))
        if claimed:
            OutboundMail.objects.filter(pk__in=claimed).update(
                status=OutboundStatus.SENDING, next_attempt_at=at, attempts=_attempts_plus_one()
            )
    return claimed


def _send_over_one_connection(alias: str, mails: list[OutboundMail]) -> dict[int, str]:
    """Send the mails through the mailer ``alias`` on one connection; each one's status (a
    failure is that mail's alone, retried later as usual)."""
    connection = mailers[alias]
    try:
        connection.open()
    except Exception as exc:
        return {mail.pk: _after_failure(mail, exc) for mail in mails}
    try:
        return {mail.pk: _send(mail, connection) for mail in mails}
    finally:
        connection.close()


def _send(mail: OutboundMail, connection: Any) -> str:
    try:
        if mail.kind in RENDERED_ON_SEND and not mail.body:
            reason = _render_on_send(mail)
            if reason:
                OutboundMail.objects.filter(pk=mail.pk).update(
                    status=OutboundStatus.SUPPRESSED, last_error=reason
                )
                return OutboundStatus.SUPPRESSED
        connection.send_messages([_email_of(mail)])
    except Exception as exc:
        return _after_failure(mail, exc)
    OutboundMail.objects.filter(pk=mail.pk).update(
        status=OutboundStatus.SENT, sent_at=now(), last_error=""
    )
    return OutboundStatus.SENT


def _render_on_send(mail: OutboundMail) -> str:
    """Render a mail the intake queued bare and store its text (a retry sends the same words);
    returns why it must not go (bounces, rate limit), checked now as for any queued mail."""
    ticket = Ticket.objects.select_related("reporter").filter(pk=mail.ticket_id or 0).first()
    context: dict[str, Any] = {"ticket": ticket, "mailbox": mail.mailbox}
    if ticket is not None:
        context.update(
            reference=ticket.reference, subject=ticket_subject(ticket),
            name=ticket.reporter.name if ticket.reporter else "",
            commitment=commitment(ticket), due_at=ticket.response_due_at,
        )  # fmt: skip
    rendered = render(mail.kind, context)
    mail.subject, mail.body = rendered.subject, rendered.body
    OutboundMail.objects.filter(pk=mail.pk).update(subject=mail.subject, body=mail.body)
    return suppression_reason(mail.to_address, mail.is_automatic, before=mail.pk)


def _attempts_plus_one() -> Any:
    return F("attempts") + 1


def _mailer(mail: OutboundMail) -> str:
    alias = mail.mailbox.mailer if mail.mailbox else "default"
    return alias if alias in mailers else "default"


def _email_of(mail: OutboundMail) -> EmailMessage:
    headers = {
        "Message-ID": f"<{mail.message_id}>",
        LOOP_HEADER: loop_id(),
        # Ask Exchange and others not to answer with out-of-office or read receipts.
        "X-Auto-Response-Suppress": "All",
    }
    if mail.in_reply_to:
        headers["In-Reply-To"] = f"<{mail.in_reply_to}>"
    if mail.references:
        headers["References"] = mail.references
    if mail.is_automatic:
        headers["Auto-Submitted"] = "auto-replied"
    email = ThreadedEmail(
        subject=mail.subject,
        body=mail.body,
        from_email=mail.from_address,
        to=[mail.to_address],
        headers=headers,
    )
    for attachment in mail.attachments.all():
        with attachment.file.open("rb") as stored:
            email.attach(attachment.filename, stored.read(), attachment.content_type)
    return email


def _after_failure(mail: OutboundMail, exc: Exception) -> str:
    error = f"{type(exc).__name__}: {exc}"[:2000]
    if mail.attempts >= settings.TIERDESK_MAIL_SEND_ATTEMPTS:
        status, next_at = OutboundStatus.FAILED, None
        log.error("mail %s to %s failed for good: %s", mail.pk, mail.to_address, error)
    else:
        delay = BACKOFF_MINUTES[min(mail.attempts, len(BACKOFF_MINUTES)) - 1]
        status, next_at = OutboundStatus.QUEUED, now() + timedelta(minutes=delay)
        log.warning("mail %s to %s failed, retry in %d min: %s", mail.pk, mail.to_address,
                    delay, error)  # fmt: skip
    OutboundMail.objects.filter(pk=mail.pk).update(
        status=status, next_attempt_at=next_at, last_error=error
    )
    return status


def outbox_sweep(*, limit: int = 200) -> int:
    """Send what is due for a retry (and what a dead worker left in "sending"); the count sent."""
    at = now()
    OutboundMail.objects.filter(
        status=OutboundStatus.SENDING, next_attempt_at__lt=at - STALE_SENDING
    ).update(status=OutboundStatus.QUEUED)
    due = (
        OutboundMail.objects.filter(status=OutboundStatus.QUEUED)
        .filter(Q(next_attempt_at__isnull=True) | Q(next_attempt_at__lte=at))
        .order_by("created_at")
        .values_list("pk", flat=True)[:limit]
    )
    return sum(outbound_send(pk) == OutboundStatus.SENT for pk in list(due))


# ---- what a reporter hears about ---------------------------------------------------------


def event_mail(event_id: int) -> int:
    """Queue what the reporter should hear about one ticket event; the count queued."""
    return event_mails([event_id])


def event_mails(event_ids: Sequence[int]) -> int:
    """Queue what the reporters should hear about these ticket events (a broadcast's batch of
    replies), set-based: the count queued."""
    notices = notices_for_events(event_ids)
    if not notices:
        return 0
    with transaction.atomic():
        return len(outbound_queue_many(list(notices.values())))

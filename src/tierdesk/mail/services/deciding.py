"""What a received message is (noise, a bounce, a reply, a new ticket, a refusal) and the ticket
work it calls for."""

from __future__ import annotations

import io
import logging
from collections.abc import Iterable
from typing import Any

from django.conf import settings

from tierdesk.accounts.principal import SYSTEM
from tierdesk.core.errors import TierdeskError
from tierdesk.mail import parsing
from tierdesk.mail.bounces import bounce_handle
from tierdesk.mail.loopguard import Verdict, classify
from tierdesk.mail.models import (
    InboundMessage,
    IntakeAction,
    Mailbox,
    OutboundKind,
)
from tierdesk.mail.outbound import acknowledgement_row, outbound_queue, outbound_queue_rows
from tierdesk.mail.quoting import strip_quoted, strip_quoted_html
from tierdesk.mail.senders import Sender, contact_for_stranger, sender_resolve
from tierdesk.mail.services.results import FIRST_MESSAGE, NO_SUBJECT, NO_TEXT, Lookups, Outcome
from tierdesk.mail.threading import loop_id, ticket_pk_from_thread
from tierdesk.tickets import policies as ticket_policies
from tierdesk.tickets import services as tickets
from tierdesk.tickets.domain import ticket_id_from_reference
from tierdesk.tickets.models import BodyFormat, Channel, Message, Ticket
from tierdesk.tickets.services import UnitOfWork

log = logging.getLogger(__name__)


# ---- deciding ----------------------------------------------------------------------------


def decide(
    inbound: InboundMessage, parsed: parsing.ParsedMail, recipients: list[str], lookups: Lookups
) -> Outcome:
    found = None
    if inbound.mailbox_id is None:  # stored without one: the addresses say which it was
        found = _mailbox_for(parsed.recipients + recipients, lookups)
        if found is not None:
            inbound.mailbox = found
    outcome = _outcome(inbound, parsed, inbound.mailbox, lookups)
    outcome.mailbox = found
    return outcome


def _outcome(
    inbound: InboundMessage, parsed: parsing.ParsedMail, mailbox: Mailbox | None, lookups: Lookups
) -> Outcome:
    verdict = classify(
        parsed.headers, subject=parsed.subject, sender=parsed.from_address, own_loop_id=loop_id()
    )
    if parsed.is_report and (parsed.delivery_status or parsed.bounced_message_id):
        action, reason, ticket = bounce_handle(inbound, parsed)
        return Outcome(action, reason, ticket)
    if verdict.noise:
        ticket = Ticket.objects.filter(pk=ticket_pk_from_thread(parsed.thread_ids) or 0).first()
        return Outcome(IntakeAction.IGNORED, verdict.reason, ticket)
    if inbound.truncated:
        return _too_large(inbound, parsed, verdict, mailbox)
    sender = sender_resolve(parsed.from_address, parsed.from_name, known=lookups.contacts)
    ticket = find_ticket(parsed, sender, known=lookups.tickets)
    if ticket is not None:
        return _append(inbound, parsed, sender, ticket, lookups.work)
    return _open(inbound, parsed, sender, verdict, mailbox, lookups)


def _mailbox_for(addresses: list[str], lookups: Lookups) -> Mailbox | None:
    key = tuple(addresses[:50])
    if key not in lookups.mailboxes:
        lookups.mailboxes[key] = mailbox_for(list(key))
    return lookups.mailboxes[key]


def mailbox_for(addresses: list[str]) -> Mailbox | None:
    """The mailbox the mail was sent to (an emergency box wins), else the default mailbox."""
    boxes = list(Mailbox.objects.filter(address__in=addresses[:50], is_active=True))
    if boxes:
        return sorted(boxes, key=lambda box: (not box.is_emergency, box.pk))[0]
    return Mailbox.objects.filter(is_default=True, is_active=True).order_by("id").first()


def find_ticket(
    parsed: parsing.ParsedMail, sender: Sender, *, known: dict[int, Ticket | None] | None = None
) -> Ticket | None:
    """Our signed Message-IDs first; then a Message-ID of earlier mail on a ticket, or the
    subject tag, but those only from the requester, people on the ticket, or agents.
    ``known``: tickets looked up beforehand (``known_tickets``); others are looked up here."""
    pk = ticket_pk_from_thread(parsed.thread_ids)
    if pk is not None:
        ticket = _ticket(pk, known)
        if ticket is not None:
            return ticket
    candidates: list[int] = []
    if parsed.thread_ids:
        candidates += InboundMessage.objects.filter(
            message_id__in=parsed.thread_ids[:20], ticket__isnull=False
        ).values_list("ticket_id", flat=True)[:5]
    candidates += _tagged(parsed)
    for candidate in dict.fromkeys(candidates):
        ticket = _ticket(candidate, known)
        if ticket is not None and is_on_ticket(sender, ticket):
            return ticket
    return None


def known_tickets(mails: Iterable[parsing.ParsedMail]) -> dict[int, Ticket | None]:
    """The tickets many mails name by our Message-IDs or subject tags, in one query, for
    ``find_ticket``; an id that is no ticket maps to ``None``. (Ids from other people's
    Message-IDs need a lookup of stored mail: ``find_ticket`` makes it when it comes to it.)"""
    wanted: set[int] = set()
    for parsed in mails:
        pk = ticket_pk_from_thread(parsed.thread_ids)
        wanted.update(_tagged(parsed) + ([pk] if pk is not None else []))
    if not wanted:
        return {}
    # A number past the 64-bit range (a made-up subject tag) is no ticket: not asked for
    # (SQLite's driver refuses such a number).
    found = Ticket.objects.in_bulk([pk for pk in wanted if -(2**63) <= pk < 2**63])
    return {pk: found.get(pk) for pk in wanted}


def _tagged(parsed: parsing.ParsedMail) -> list[int]:
    """The ticket ids of the subject's ``[TD-1042]`` tags."""
    numbers = parsing.ticket_tags(parsed.subject, settings.TIERDESK_TICKET_PREFIX)
    return [pk for pk in map(ticket_id_from_reference, numbers) if pk is not None]


def _ticket(pk: int, known: dict[int, Ticket | None] | None) -> Ticket | None:
    # No select_related: the checks and the reply read only the ticket's own columns (a
    # partner agent's check loads the organization when it needs it).
    if known is not None and pk in known:
        return known[pk]
    return Ticket.objects.filter(pk=pk).first()


def is_on_ticket(sender: Sender, ticket: Ticket) -> bool:
    """The requester, a contact who wrote on the ticket, or an agent who may see it."""
    if sender.is_agent:
        return ticket_policies.can(sender.agent_user, ticket_policies.VIEW, ticket)
    contact = sender.contact
    if contact is not None:
        if ticket.reporter_id == contact.pk:
            return True
        if Message.objects.filter(ticket=ticket, author_contact=contact).exists():
            return True
    if not sender.address:
        return False
    return InboundMessage.objects.filter(ticket=ticket, from_address=sender.address).exists()


# ---- the three outcomes that touch tickets -------------------------------------------------


def _append(
    inbound: InboundMessage,
    parsed: parsing.ParsedMail,
    sender: Sender,
    ticket: Ticket,
    work: UnitOfWork | None,
) -> Outcome:
    body, body_format = reply_body(parsed)
    actor = sender.actor
    if not ticket_policies.can(actor, ticket_policies.VIEW, ticket):
        if sender.is_agent:
            return Outcome(IntakeAction.REJECTED, f"{sender.label} may not see {ticket.reference}",
                           ticket)  # fmt: skip
        # Someone the thread reached (a forward, a colleague elsewhere): Tierdesk posts it for
        # them, naming them, since their own account may not see the ticket.
        actor = SYSTEM
        body = f"From: {sender.label}\n\n{body}"
    message = tickets.ticket_reply(
        actor=actor, ticket=ticket, body=body, body_format=body_format, channel=Channel.EMAIL,
        work=work,
    )  # fmt: skip
    _attach(actor, message, parsed, work)
    if message.ticket_id != ticket.pk:
        reason = f"follow-up of the closed {ticket.reference}"
        return Outcome(IntakeAction.CREATED, reason, message.ticket, message)
    who = "agent reply" if sender.is_agent else "reply"
    return Outcome(IntakeAction.APPENDED, f"{who} from {sender.label}", ticket, message)


def _open(
    inbound: InboundMessage,
    parsed: parsing.ParsedMail,
    sender: Sender,
    verdict: Verdict,
    mailbox: Mailbox | None,
    lookups: Lookups,
) -> Outcome:
    if sender.is_agent:
        reason = f"{sender.label} is an agent and the mail belongs to no ticket"
        return Outcome(IntakeAction.REJECTED, reason)
    contact = sender.contact or (contact_for_stranger(sender, mailbox) if sender.address else None)
    if contact is None:
        return _refuse(inbound, parsed, sender, verdict, mailbox)
    subject = parsing.normalize_subject(parsed.subject) or NO_SUBJECT
    body, body_format = new_body(parsed)
    emergency = bool(mailbox and mailbox.is_emergency) or parsing.is_emergency_subject(subject)
    actor = Sender(address=sender.address, contact=contact).actor
    ticket = tickets.ticket_open(
        actor=actor, organization=contact.organization, reporter=contact, subject=subject,
        body=body, body_format=body_format, channel=Channel.EMAIL, is_emergency=emergency,
        work=lookups.work,
    )  # fmt: skip
    message: Message | str = FIRST_MESSAGE
    if parsed.attachments:
        message = ticket.opening_message or ticket.messages.get()
        _attach(actor, message, parsed, lookups.work)
    reason = ("emergency " if emergency else "") + f"from {sender.label}"
    if verdict.automatic:
        reason += f"; no acknowledgement: {verdict.reason}"
    else:
        _acknowledge(inbound, parsed, ticket, contact.email, mailbox, lookups)
    return Outcome(IntakeAction.CREATED, reason, ticket, message)


def _acknowledge(
    inbound: InboundMessage,
    parsed: parsing.ParsedMail,
    ticket: Ticket,
    to: str,
    mailbox: Any,
    lookups: Lookups,
) -> None:
    # The ticket is this mail's own: nothing else was said on it yet, so the thread is just the
    # mail answered; the locked inbound row makes the dedupe key ours alone; and the worker
    # renders the text (plan's promise, due time) and checks bounces and the rate limit.
    mail = acknowledgement_row(
        to=to.lower(), ticket=ticket, mailbox=mailbox, dedupe_key=f"inbound:{inbound.pk}:ack",
        answering=parsed.message_id,
    )  # fmt: skip
    if lookups.acknowledgements is not None:
        lookups.acknowledgements.append(mail)
    else:
        outbound_queue_rows([mail])


def _refuse(
    inbound: InboundMessage,
    parsed: parsing.ParsedMail,
    sender: Sender,
    verdict: Verdict,
    mailbox: Mailbox | None,
) -> Outcome:
    reason = f"unknown sender {sender.label or '(none)'}"
    if verdict.automatic or not sender.address:
        return Outcome(
            IntakeAction.REJECTED, f"{reason}; no reply: {verdict.reason or 'no sender'}"
        )
    outbound_queue(
        kind=OutboundKind.REFUSAL, to=sender.address, mailbox=mailbox,
        dedupe_key=f"inbound:{inbound.pk}:refusal", answering=parsed.message_id,
        context={"subject": parsed.subject, "name": sender.name},
    )  # fmt: skip
    return Outcome(IntakeAction.REJECTED, f"{reason}; told so politely")


def _too_large(
    inbound: InboundMessage, parsed: parsing.ParsedMail, verdict: Verdict, mailbox: Any
) -> Outcome:
    limit = settings.TIERDESK_MAIL_MAX_BYTES
    reason = f"{inbound.size:,} bytes is over the {limit:,}-byte limit"
    if not verdict.automatic and parsed.from_address:
        outbound_queue(
            kind=OutboundKind.TOO_LARGE, to=parsed.from_address, mailbox=mailbox,
            dedupe_key=f"inbound:{inbound.pk}:too_large", answering=parsed.message_id,
            context={"subject": parsed.subject, "size": inbound.size, "limit": limit},
        )  # fmt: skip
    return Outcome(IntakeAction.REJECTED, reason)


# ---- bodies and attachments ----------------------------------------------------------------


def new_body(parsed: parsing.ParsedMail) -> tuple[str, str]:
    """A new ticket keeps the whole text (a forwarded mail's history is the problem report)."""
    if parsed.text.strip():
        return parsed.text.strip(), BodyFormat.PLAIN
    if parsed.html.strip():
        return parsed.html, BodyFormat.HTML
    return NO_TEXT, BodyFormat.PLAIN


def reply_body(parsed: parsing.ParsedMail) -> tuple[str, str]:
    """A reply keeps only what is new; the quoted history stays in the stored original."""
    if parsed.text.strip():
        text, _cut = strip_quoted(parsed.text)
        return (text or parsed.text.strip()), BodyFormat.PLAIN
    if parsed.html.strip():
        markup, _cut = strip_quoted_html(parsed.html)
        if parsing.html_to_text(markup).strip():
            return markup, BodyFormat.HTML
    return NO_TEXT, BodyFormat.PLAIN


def _attach(
    actor: Any, message: Message, parsed: parsing.ParsedMail, work: UnitOfWork | None = None
) -> None:
    """Each attachment through the ticket service; one it refuses (too large) is noted, not
    fatal: the stored raw message still holds it."""
    skipped = []
    for item in parsed.attachments:
        try:
            tickets.attachment_add(
                actor=actor, ticket=message.ticket, stream=io.BytesIO(item.data),
                filename=item.filename, content_type=item.content_type, message=message,
                work=work,
            )  # fmt: skip
        except TierdeskError as exc:
            skipped.append(f"{item.filename}: {exc.message}")
    if skipped:
        tickets.ticket_note(
            actor=SYSTEM, ticket=message.ticket,
            body="Attachments not kept from the e-mail (the original message has them):\n"
            + "\n".join(f"- {line}" for line in skipped), work=work,
        )  # fmt: skip

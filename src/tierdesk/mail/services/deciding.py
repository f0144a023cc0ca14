"""What a received message is (noise, a bounce, a reply, a new ticket, a refusal) and the ticket
work it calls for."""

from __future__ import annotations

import io
import logging
from typing import Any

from django.conf import settings

from tierdesk.accounts.principal import SYSTEM
from tierdesk.core.errors import TierdeskError
from tierdesk.mail import parsing
from tierdesk.mail.addresses import plain
from tierdesk.mail.bounces import bounce_handle, unmatched_keep
from tierdesk.mail.loopguard import Verdict, classify
from tierdesk.mail.models import (
    InboundMessage,
    IntakeAction,
    Mailbox,
    OutboundKind,
    SenderCheck,
    UnmatchedKind,
)
from tierdesk.mail.outbound import acknowledgement_row, outbound_queue, outbound_queue_rows
from tierdesk.mail.quoting import strip_quoted, strip_quoted_html
from tierdesk.mail.senders import Sender, contact_for_stranger, sender_resolve
from tierdesk.mail.services.results import FIRST_MESSAGE, NO_SUBJECT, NO_TEXT, Lookups, Outcome
from tierdesk.mail.services.threads import Thread, thread_of
from tierdesk.mail.services.trust import UNVERIFIED, distrust, emergency_doubt
from tierdesk.mail.threading import loop_id
from tierdesk.tickets import policies as ticket_policies
from tierdesk.tickets import services as tickets
from tierdesk.tickets.models import BodyFormat, Channel, Message, Ticket
from tierdesk.tickets.services import UnitOfWork
from tierdesk.tickets.services.messages import link_follow_up

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
    if parsed.report_format:  # a delivery report never opens a ticket
        action, reason, ticket = bounce_handle(inbound, parsed, lookups.work)
        return Outcome(action, reason, ticket)
    verdict = classify(
        parsed.headers, subject=parsed.subject, sender=parsed.from_address, own_loop_id=loop_id()
    )
    sender = sender_resolve(parsed.from_address, parsed.from_name, known=lookups.contacts)
    if verdict.noise:
        return _noise(inbound, parsed, sender, verdict, lookups)
    if inbound.truncated:
        return _too_large(inbound, parsed, verdict, mailbox)
    thread = thread_of(parsed, sender, known=lookups.tickets, threaded=lookups.threaded)
    doubt = distrust(parsed, sender, mailbox)
    if thread.ticket is not None:
        if doubt:
            return _unverified(parsed, sender, thread.ticket, doubt, lookups.work)
        return _append(inbound, parsed, sender, thread.ticket, lookups.work)
    if doubt and sender.is_agent:
        return Outcome(IntakeAction.REJECTED, f"{doubt}; it belongs to no ticket")
    return _open(inbound, parsed, sender, verdict, mailbox, lookups, thread=thread, doubt=doubt)


def _noise(
    inbound: InboundMessage,
    parsed: parsing.ParsedMail,
    sender: Sender,
    verdict: Verdict,
    lookups: Lookups,
) -> Outcome:
    """An auto-reply: a silent internal note on the ticket it answers, else kept for review;
    our own mail coming back is simply dropped."""
    if verdict.reason == "our own mail came back":
        return Outcome(IntakeAction.IGNORED, verdict.reason)
    thread = thread_of(parsed, sender, known=lookups.tickets, threaded=lookups.threaded)
    ticket = thread.ticket or thread.original
    if ticket is None:
        unmatched_keep(inbound, kind=UnmatchedKind.AUTO_REPLY, recipient=sender.address,
                       detail=f"{verdict.reason}: {parsed.subject}")  # fmt: skip
        return Outcome(IntakeAction.UNMATCHED, f"{verdict.reason}; answers no ticket")
    body, _format = reply_body(parsed)
    note = tickets.ticket_note(
        actor=SYSTEM, ticket=ticket, body_format=BodyFormat.PLAIN, work=lookups.work,
        body=f"Automatic mail from {sender.label or 'an unknown sender'} ({verdict.reason}):"
        f"\n\n{body[:4000]}",
    )  # fmt: skip
    return Outcome(IntakeAction.IGNORED, f"{verdict.reason}; noted on {ticket.reference}",
                   ticket, note)  # fmt: skip


def _unverified(
    parsed: parsing.ParsedMail,
    sender: Sender,
    ticket: Ticket,
    doubt: str,
    work: UnitOfWork | None,
) -> Outcome:
    """Mail that may not speak for its sender: kept as an internal note, nothing sent on."""
    body, _format = reply_body(parsed)
    note = tickets.ticket_note(
        actor=SYSTEM, ticket=ticket, body_format=BodyFormat.PLAIN, work=work,
        body=f"{UNVERIFIED.upper()}: {doubt}.\nFrom: {sender.label}\n\n{body}",
    )  # fmt: skip
    return Outcome(IntakeAction.APPENDED, f"unverified: {doubt}; kept as an internal note",
                   ticket, note)  # fmt: skip


def _mailbox_for(addresses: list[str], lookups: Lookups) -> Mailbox | None:
    key = tuple(addresses[:50])
    if key not in lookups.mailboxes:
        lookups.mailboxes[key] = mailbox_for(list(key))
    return lookups.mailboxes[key]


def mailbox_for(addresses: list[str]) -> Mailbox | None:
    """The mailbox the mail was sent to (an emergency box wins), else the default mailbox."""
    wanted = list(dict.fromkeys([*addresses[:50], *(plain(a) for a in addresses[:50])]))
    boxes = list(Mailbox.objects.filter(address__in=wanted, is_active=True))
    if boxes:
        return sorted(boxes, key=lambda box: (not box.is_emergency, box.pk))[0]
    return Mailbox.objects.filter(is_default=True, is_active=True).order_by("id").first()


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
    *,
    thread: Thread,
    doubt: str,
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
    reason += _marks(parsed, sender, ticket, mailbox, lookups, thread=thread, doubt=doubt,
                     emergency=emergency)  # fmt: skip
    if verdict.automatic:
        reason += f"; no acknowledgement: {verdict.reason}"
    elif not doubt:
        _acknowledge(inbound, parsed, ticket, contact.email, mailbox, lookups)
    return Outcome(IntakeAction.CREATED, reason, ticket, message)


def _marks(
    parsed: parsing.ParsedMail,
    sender: Sender,
    ticket: Ticket,
    mailbox: Mailbox | None,
    lookups: Lookups,
    *,
    thread: Thread,
    doubt: str,
    emergency: bool,
) -> str:
    """What a new ticket carries beyond its mail: the link to the ticket its thread named (the
    sender is not on it), and the "unverified" flag; the words added to the intake's reason."""
    added = ""
    if thread.original is not None:
        link_follow_up(SYSTEM, thread.original, ticket, lookups.work)
        added += f"; linked to {thread.original.reference} (the sender is not on it)"
    checks_off = mailbox is not None and mailbox.sender_check == SenderCheck.OFF
    if emergency and not doubt:
        known = sender.contact is not None
        doubt = emergency_doubt(parsed, known_sender=known) if not checks_off or not known else ""
    if doubt:
        tickets.ticket_note(
            actor=SYSTEM, ticket=ticket, body_format=BodyFormat.PLAIN, work=lookups.work,
            body=f"{UNVERIFIED.upper()}: {doubt}. Confirm with the customer before acting on "
            "this ticket; no acknowledgement was sent." if not emergency else
            f"{UNVERIFIED.upper()}: {doubt}. Confirm the emergency with the customer.",
        )  # fmt: skip
        added += f"; {UNVERIFIED.lower()}: {doubt}"
    return added


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

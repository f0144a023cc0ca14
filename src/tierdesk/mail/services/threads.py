"""Which ticket a mail continues, and whether its sender may write into it.

A mail names its thread by In-Reply-To/References: one of our signed Message-IDs (``threading``)
or the Message-ID of a mail stored on a ticket (the customer's own earlier mail, another
participant's). It joins that ticket only when its sender is a participant: the reporter, an
agent who may see it, a contact of the ticket's organization allowed to see it, someone who
wrote on it, or someone on To/Cc of its mail (or mailed by us on it). Anyone else opens a new
ticket linked to the original: a stranger cannot write into someone else's ticket by quoting
its ids. The subject tag ``[TD-1042]`` is accepted from participants only, as before.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from django.conf import settings
from django.db.models import Q

from tierdesk.mail import parsing
from tierdesk.mail.models import InboundMessage, OutboundMail
from tierdesk.mail.senders import ContactActor, Sender
from tierdesk.mail.threading import ticket_pk_from_message_id, ticket_pk_from_thread
from tierdesk.tickets import policies as ticket_policies
from tierdesk.tickets.domain import ticket_id_from_reference
from tierdesk.tickets.models import Message, Ticket

MAX_THREAD_IDS = 20


@dataclass(frozen=True)
class Thread:
    """``ticket``: the ticket the mail joins; ``original``: the ticket its thread names, which
    its sender is not on (the new ticket is linked to it)."""

    ticket: Ticket | None = None
    original: Ticket | None = None


def thread_of(
    parsed: parsing.ParsedMail,
    sender: Sender,
    *,
    known: dict[int, Ticket | None] | None = None,
    threaded: dict[str, int] | None = None,
) -> Thread:
    """The ticket the mail joins, or the one it names but may not join. ``known``: tickets
    looked up beforehand (``known_tickets``); ``threaded``: Message-IDs of mail a batch has
    put on tickets but not yet recorded (the batch writes its outcomes at its end)."""
    original = None
    for pk in named_by_thread(parsed, threaded):
        ticket = _ticket(pk, known)
        if ticket is None:
            continue
        if is_on_ticket(sender, ticket):
            return Thread(ticket)
        original = original or ticket
    for pk in dict.fromkeys(tagged(parsed)):
        ticket = _ticket(pk, known)
        if ticket is not None and is_on_ticket(sender, ticket):
            return Thread(ticket)
    return Thread(None, original)


def find_ticket(
    parsed: parsing.ParsedMail, sender: Sender, *, known: dict[int, Ticket | None] | None = None
) -> Ticket | None:
    """The ticket the mail joins (``thread_of`` without the original)."""
    return thread_of(parsed, sender, known=known).ticket


def named_by_thread(parsed: parsing.ParsedMail, threaded: dict[str, int] | None) -> list[int]:
    """Tickets the thread headers name, the most direct first: our signed ids, then mail the
    batch has just placed, then stored mail (one query, only for ids that are not ours)."""
    ids = parsed.thread_ids[:MAX_THREAD_IDS]
    found: dict[int, None] = {}
    theirs = []
    for message_id in ids:
        pk = ticket_pk_from_message_id(message_id)
        if pk is None and threaded and message_id in threaded:
            pk = threaded[message_id]
        if pk is not None:
            found.setdefault(pk, None)
        else:
            theirs.append(message_id)
    if theirs:
        stored = InboundMessage.objects.filter(message_id__in=theirs, ticket__isnull=False)
        for pk in stored.values_list("ticket_id", flat=True)[:5]:
            found.setdefault(pk, None)
    return list(found)


def known_tickets(mails: Iterable[parsing.ParsedMail]) -> dict[int, Ticket | None]:
    """The tickets many mails name by our Message-IDs or subject tags, in one query, for
    ``thread_of``; an id that is no ticket maps to ``None``. (Ids from other people's
    Message-IDs need a lookup of stored mail: ``thread_of`` makes it when it comes to it.)"""
    wanted: set[int] = set()
    for parsed in mails:
        pk = ticket_pk_from_thread(parsed.thread_ids)
        wanted.update(tagged(parsed) + ([pk] if pk is not None else []))
    if not wanted:
        return {}
    # A number past the 64-bit range (a made-up subject tag) is no ticket: not asked for
    # (SQLite's driver refuses such a number).
    found = Ticket.objects.in_bulk([pk for pk in wanted if -(2**63) <= pk < 2**63])
    return {pk: found.get(pk) for pk in wanted}


def tagged(parsed: parsing.ParsedMail) -> list[int]:
    """The ticket ids of the subject's ``[TD-1042]`` tags."""
    numbers = parsing.ticket_tags(parsed.subject, settings.TIERDESK_TICKET_PREFIX)
    return [pk for pk in map(ticket_id_from_reference, numbers) if pk is not None]


def _ticket(pk: int, known: dict[int, Ticket | None] | None) -> Ticket | None:
    # No select_related: the checks and the reply read only the ticket's own columns (a
    # partner agent's check loads the organization when it needs it).
    if known is not None and pk in known:
        return known[pk]
    if not -(2**63) <= pk < 2**63:
        return None
    return Ticket.objects.filter(pk=pk).first()


def is_on_ticket(sender: Sender, ticket: Ticket) -> bool:
    """Whether the sender is a participant of the ticket (see the module's docstring)."""
    if sender.is_agent:
        return ticket_policies.can(sender.agent_user, ticket_policies.VIEW, ticket)
    contact = sender.contact
    if contact is not None:
        if ticket.reporter_id == contact.pk:
            return True
        if contact.organization_id == ticket.organization_id and ticket_policies.can(
            ContactActor(contact), ticket_policies.VIEW, ticket
        ):
            return True
        if Message.objects.filter(ticket=ticket, author_contact=contact).exists():
            return True
    if not sender.address:
        return False
    on_its_mail = Q(from_address=sender.address) | Q(to_cc__contains=f" {sender.address} ")
    if InboundMessage.objects.filter(on_its_mail, ticket=ticket).exists():
        return True
    return OutboundMail.objects.filter(ticket=ticket, to_address=sender.address).exists()

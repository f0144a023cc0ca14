"""Threading: a mail naming a ticket's mail joins it when its sender is a participant; anyone
else opens a new ticket linked to the original. And our own threading headers go out as ids."""

from __future__ import annotations

import email
import email.policy
import re

import pytest

from tests.mail.conftest import ack_id, corpus
from tierdesk.crm.models import Contact
from tierdesk.mail.batch import Delivery, mail_ingest_batch
from tierdesk.mail.models import InboundMessage, OutboundMail
from tierdesk.mail.outbound import _email_of
from tierdesk.tickets.models import Ticket

pytestmark = pytest.mark.usefixtures("mailbox")


def mail(sender: str, *, answers: str = "", cc: str = "", mid: str = "m1@acme.test",
         subject: str = "Re: Calls drop", text: str = "More details.") -> bytes:  # fmt: skip
    head = f"From: {sender}\r\nTo: support@northwind.test\r\nSubject: {subject}\r\n"
    head += f"Message-ID: <{mid}>\r\n"
    if cc:
        head += f"Cc: {cc}\r\n"
    if answers:
        head += f"In-Reply-To: <{answers}>\r\nReferences: <{answers}>\r\n"
    return (head + f"\r\n{text}\r\n").encode()


@pytest.fixture
def opened(world, smtp_sink, ingest):
    result = ingest(corpus("thunderbird_plain.eml"))
    smtp_sink.clear()
    return Ticket.objects.get(pk=Ticket.pk_from_reference(result.ticket_reference))


FIRST_MAIL = "5f1c2a7e-1b2d-4c8e-9a31-0d2f6e7b8c90@acme.test"  # thunderbird_plain.eml's id


def test_a_customers_follow_up_naming_their_own_earlier_mail_joins_its_ticket(
    world, smtp_sink, ingest, opened
):
    result = ingest(mail("Asha Rao <acme_contact@example.test>", answers=FIRST_MAIL))

    assert (result.action, result.ticket_reference) == ("appended", opened.reference)


def test_a_follow_up_in_the_same_batch_as_the_first_mail_joins_it(
    world, smtp_sink, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        first, second = mail_ingest_batch([
            Delivery(corpus("thunderbird_plain.eml"), "a"),
            Delivery(mail("Asha Rao <acme_contact@example.test>", answers=FIRST_MAIL), "b"),
        ])  # fmt: skip

    assert first.action == "created"
    assert (second.action, second.ticket_reference) == ("appended", first.ticket_reference)


def test_a_colleague_allowed_to_see_the_ticket_joins_it(world, smtp_sink, ingest, opened):
    world.acme.contacts_see_all_tickets = True
    world.acme.save()
    colleague = Contact.objects.get(user=world.acme_colleague)

    result = ingest(mail(f"Colleague <{colleague.email}>", answers=ack_id(opened)))

    assert (result.action, result.ticket_reference) == ("appended", opened.reference)


def test_someone_on_cc_of_the_tickets_mail_joins_it(world, smtp_sink, ingest):
    raw = corpus("thunderbird_plain.eml").replace(
        b"To: support@northwind.test", b"To: support@northwind.test\r\nCc: Raj <raj@globex.test>"
    )
    first = ingest(raw)
    Contact.objects.create(organization=world.globex, name="Raj", email="raj@globex.test")

    result = ingest(mail("Raj <raj@globex.test>", answers=FIRST_MAIL, mid="raj-1@globex.test"))

    assert (result.action, result.ticket_reference) == ("appended", first.ticket_reference)
    assert InboundMessage.objects.filter(to_cc__contains=" raj@globex.test ").exists()


def test_a_stranger_naming_someone_elses_ticket_opens_a_new_ticket_linked_to_it(
    world, smtp_sink, ingest, opened
):
    stranger = Contact.objects.get(user=world.globex_contact)

    result = ingest(mail(f"Eve <{stranger.email}>", answers=ack_id(opened), mid="eve@globex.test"))

    assert result.action == "created" and result.ticket_reference != opened.reference
    new = Ticket.objects.get(pk=Ticket.pk_from_reference(result.ticket_reference))
    assert new.follow_up_of_id == opened.pk and new.organization == world.globex
    assert "linked to" in result.reason
    assert opened.messages.count() == 1


def test_the_subject_tag_still_joins_only_for_participants(world, smtp_sink, ingest, opened):
    tag = f"Re: [{opened.reference}] Calls drop"
    stranger = Contact.objects.get(user=world.globex_contact)

    own = ingest(mail("Asha <acme_contact@example.test>", subject=tag, mid="t1@acme.test"))
    other = ingest(mail(f"Eve <{stranger.email}>", subject=tag, mid="t2@globex.test"))

    assert (own.action, own.ticket_reference) == ("appended", opened.reference)
    assert other.action == "created" and other.ticket_reference != opened.reference


# ---- our threading headers ----------------------------------------------------------------------

MSG_ID = re.compile(r"^<[^<>\s@]+@[^<>\s@]+>$")


def test_our_threading_headers_are_ids_however_long_and_parse_strictly(
    world, smtp_sink, ingest, opened, committed
):
    from tierdesk.tickets import services

    for round_ in range(6):  # a long conversation: many long signed ids in References
        ingest(mail("Asha <acme_contact@example.test>", answers=ack_id(opened),
                    mid=f"r{round_}@acme.test"))  # fmt: skip
        opened.refresh_from_db()
        committed(services.ticket_reply, actor=world.l1, ticket=opened, body=f"Answer {round_}")
    sent = OutboundMail.objects.filter(ticket=opened, kind="reply").order_by("-id").first()
    assert sent is not None and len(sent.references) > 400

    raw = _email_of(sent).message(policy=email.policy.SMTP).as_bytes()
    parsed = email.message_from_bytes(raw, policy=email.policy.strict)

    head = raw.split(b"\r\n\r\n", 1)[0]
    as_sent = email.message_from_bytes(raw, policy=email.policy.compat32)
    for name in ("Message-ID", "In-Reply-To", "References"):
        assert "=?" not in str(as_sent[name]), name
    assert all(len(line) <= 998 for line in head.split(b"\r\n"))
    assert MSG_ID.match(str(parsed["Message-ID"]).strip())
    assert MSG_ID.match(str(parsed["In-Reply-To"]).strip())
    references = str(parsed["References"]).split()
    assert len(references) >= 5 and all(MSG_ID.match(mid) for mid in references)
    assert references == [f"<{mid}>" for mid in sent.references.strip("<>").split("> <")]
    # and what the SMTP server received reads the same
    received = smtp_sink.to("acme_contact@example.test")[-1]
    assert str(received["Message-ID"]).strip() == f"<{sent.message_id}>"
    assert "=?" not in str(received["References"])

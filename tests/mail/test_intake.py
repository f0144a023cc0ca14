"""Mail in, tickets out, mail back: the intake with a real SMTP server receiving our answers."""

from __future__ import annotations

from datetime import timedelta

import pytest

from tests.mail.conftest import ack_id, corpus, words
from tierdesk.crm.models import Contact
from tierdesk.mail.models import AddressState, InboundMessage, OutboundMail
from tierdesk.mail.parsing import REPLY_MARKER
from tierdesk.mail.services import mail_retry
from tierdesk.mail.threading import agent_reply_address
from tierdesk.tickets import services
from tierdesk.tickets.models import Ticket

pytestmark = pytest.mark.usefixtures("mailbox")


@pytest.fixture
def opened(world, smtp_sink, ingest):
    """Asha's first mail, answered with an acknowledgement; the sink is emptied afterwards."""
    result = ingest(corpus("thunderbird_plain.eml"))
    ticket = Ticket.objects.get(pk=Ticket.pk_from_reference(result.ticket_reference))
    smtp_sink.clear()
    return ticket


def test_a_new_mail_opens_a_ticket_and_the_sender_gets_an_acknowledgement(world, smtp_sink, ingest):
    result = ingest(corpus("thunderbird_plain.eml"))

    assert result.action == "created"
    ticket = Ticket.objects.get(pk=Ticket.pk_from_reference(result.ticket_reference))
    assert ticket.channel == "email"
    assert ticket.organization == world.acme
    assert ticket.reporter.user == world.acme_contact
    assert "120 agents" in ticket.messages.get().body
    [ack] = smtp_sink.to("acme_contact@example.test")
    assert ticket.reference in ack["Subject"]
    assert ack["Auto-Submitted"] == "auto-replied"
    assert ack["In-Reply-To"] == "<5f1c2a7e-1b2d-4c8e-9a31-0d2f6e7b8c90@acme.test>"
    body = words(ack)
    assert f"its number is {ticket.reference}" in body
    # The Standard plan's P3 first-response target.
    assert "first response within 1 business day" in body


def test_a_reply_naming_our_message_id_joins_its_ticket_and_loses_the_quoted_history(
    world, smtp_sink, ingest, opened
):
    raw = corpus("apple_mail_reply_by_header.eml", in_reply_to=ack_id(opened), subject="anything")

    result = ingest(raw)

    assert (result.action, result.ticket_reference) == ("appended", opened.reference)
    reply = opened.messages.order_by("created_at", "id").last()
    assert reply.body == "The gateway logs show SIP 408 after 30 s. Firmware is 7.2.1."
    assert REPLY_MARKER not in reply.body
    assert reply.author_contact.user == world.acme_contact
    original = InboundMessage.objects.get(ticket_message=reply)
    assert REPLY_MARKER.encode() in bytes(original.raw)  # the full original stays viewable
    assert smtp_sink.messages == []  # a customer's reply is not acknowledged again


def test_a_reply_tagged_in_the_subject_by_the_requester_joins_the_ticket(
    world, smtp_sink, ingest, opened
):
    result = ingest(corpus("tagged_reply_no_headers.eml", reference=opened.reference))

    assert (result.action, result.ticket_reference) == ("appended", opened.reference)
    assert opened.messages.last().body == "Also: it only happens on the Airtel trunk."


def test_a_strangers_mail_tagged_with_someone_elses_ticket_does_not_join_it(
    world, smtp_sink, ingest, opened
):
    result = ingest(corpus("stranger_tagged.eml", reference=opened.reference))

    assert result.ticket_reference != opened.reference
    assert opened.messages.count() == 1
    assert not InboundMessage.objects.filter(ticket=opened, from_address__contains="mallory")
    # Mallory's domain belongs to Globex: a new Globex ticket, acknowledged to Mallory only.
    other = Ticket.objects.get(pk=Ticket.pk_from_reference(result.ticket_reference))
    assert other.organization == world.globex
    assert [m["To"] for m in smtp_sink.messages] == ["mallory@globex.test"]


def test_a_forged_message_id_does_not_join_a_ticket(world, smtp_sink, ingest, opened):
    forged = ack_id(opened).replace(".", ".x", 1)
    raw = corpus("apple_mail_reply_by_header.eml", in_reply_to=forged, subject="hello")
    raw = raw.replace(b"From: Asha Rao <acme_contact@", b"From: Asha Rao <acme_colleague@")
    # Only the forged id names the thread (the customer's own first mail would be a real one).
    raw = raw.replace(b"<5f1c2a7e-1b2d-4c8e-9a31-0d2f6e7b8c90@acme.test> ", b"")

    result = ingest(raw)

    assert result.action == "created"
    assert result.ticket_reference != opened.reference


def test_an_out_of_office_reply_starts_no_mail_and_changes_no_ticket(
    world, smtp_sink, ingest, opened
):
    raw = corpus("out_of_office_exchange.eml", in_reply_to=ack_id(opened), subject="x")

    result = ingest(raw)

    assert result.action == "ignored"
    assert "auto-reply" in result.reason
    assert opened.messages.filter(kind="public").count() == 1
    assert opened.messages.filter(kind="internal").count() == 1  # a silent note
    opened.refresh_from_db()
    assert opened.status == "new"
    assert smtp_sink.messages == []


@pytest.mark.parametrize("name", ["vacation_autoreply.eml"])
def test_auto_replies_from_strangers_open_nothing_and_send_nothing(world, smtp_sink, ingest, name):
    result = ingest(corpus(name))

    assert result.action == "unmatched"
    assert Ticket.objects.count() == 0
    assert smtp_sink.messages == []


def test_mailing_list_mail_opens_no_ticket_and_is_kept_for_review(world, smtp_sink, ingest):
    Contact.objects.create(organization=world.acme, name="IT", email="it-announce@acme.test")

    result = ingest(corpus("mailing_list.eml"))

    assert result.action == "unmatched"
    assert "Precedence: list" in result.reason
    assert Ticket.objects.count() == 0
    assert smtp_sink.messages == []


def test_monitoring_mail_opens_a_ticket_but_is_never_answered_automatically(
    world, smtp_sink, ingest
):
    Contact.objects.create(organization=world.acme, name="IT", email="it-announce@acme.test")
    raw = corpus("mailing_list.eml").replace(b"Precedence: list", b"Auto-Submitted: auto-generated")
    raw = raw.replace(b"List-Id", b"X-List").replace(b"List-Unsubscribe", b"X-Unsub")

    result = ingest(raw)

    assert result.action == "created"
    assert "Auto-Submitted: auto-generated" in result.reason
    assert smtp_sink.messages == []


def test_a_bounce_is_filed_on_its_ticket_suppresses_the_address_and_starts_no_mail(
    world, smtp_sink, ingest, opened
):
    raw = corpus("postfix_dsn_hard.eml", bounced_id=ack_id(opened),
                 recipient="acme_contact@example.test")  # fmt: skip

    result = ingest(raw)

    assert (result.action, result.ticket_reference) == ("bounce", opened.reference)
    assert "5.1.1" in result.reason and "hard" in result.reason
    assert opened.attachments.get().filename == "delivery-report.eml"
    assert opened.attachments.get().is_internal
    assert smtp_sink.messages == []
    state = AddressState.objects.get(address="acme_contact@example.test")
    assert state.suppressed_until is not None
    # Mail to the bouncing address is held back: an agent's reply is recorded, not sent.
    with_reply = services.ticket_reply(actor=world.l1, ticket=opened, body="Any news?")
    from tierdesk.mail.outbound import event_mail

    event_mail(opened.events.get(kind="replied", data__message=with_reply.pk).pk)
    held = OutboundMail.objects.get(ticket=opened, kind="reply")
    assert held.status == "suppressed" and "bounces" in held.last_error
    assert smtp_sink.messages == []


def test_soft_bounces_suppress_an_address_only_after_several(world, smtp_sink, ingest, opened):
    for attempt in range(3):
        raw = corpus("exchange_dsn_soft.eml", bounced_id=ack_id(opened),
                     recipient="acme_contact@example.test")  # fmt: skip
        raw = raw.replace(b"<dsn-soft-1@", f"<dsn-soft-{attempt}@".encode())
        result = ingest(raw)
        assert result.action == "bounce" and "soft" in result.reason
        suppressed = AddressState.objects.get().suppressed_until is not None
        assert suppressed == (attempt == 2)


def test_the_same_message_delivered_twice_is_taken_once(world, smtp_sink, ingest):
    raw = corpus("thunderbird_plain.eml")

    first = ingest(raw, source="imap")
    second = ingest(raw, source="lmtp")

    assert (first.action, second.action) == ("created", "duplicate")
    assert second.ticket_reference == first.ticket_reference
    assert Ticket.objects.count() == 1 and InboundMessage.objects.count() == 1
    assert len(smtp_sink.messages) == 1


def test_a_message_without_message_id_is_recognised_by_its_bytes(world, smtp_sink, ingest):
    raw = corpus("missing_from_date_messageid.eml")

    assert ingest(raw).action == "rejected"  # no sender: nobody to open it for
    assert ingest(raw).action == "duplicate"


def test_emergency_in_the_subject_gets_the_24x7_call_back_clock(world, smtp_sink, ingest, settings):
    result = ingest(corpus("emergency_subject.eml"))

    ticket = Ticket.objects.get(pk=Ticket.pk_from_reference(result.ticket_reference))
    assert ticket.is_emergency and ticket.priority == 1
    minutes = settings.TIERDESK_EMERGENCY_RESPONSE_MINUTES
    assert ticket.response_due_at - ticket.created_at == timedelta(minutes=minutes)
    [ack] = smtp_sink.messages
    assert f"call you back within {minutes} minutes, around the clock" in words(ack)


def test_mail_to_the_emergency_address_is_an_emergency_whatever_the_subject(
    world, smtp_sink, ingest, emergency_box
):
    raw = corpus("thunderbird_plain.eml").replace(
        b"To: support@northwind.test", b"To: emergency@northwind.test"
    )

    result = ingest(raw)

    ticket = Ticket.objects.get(pk=Ticket.pk_from_reference(result.ticket_reference))
    assert ticket.is_emergency
    assert InboundMessage.objects.get().mailbox == emergency_box


def test_an_unknown_sender_from_a_customers_domain_becomes_their_contact(world, smtp_sink, ingest):
    result = ingest(corpus("unknown_sender_known_domain.eml"))

    assert result.action == "created"
    contact = Contact.objects.get(email="priya.nair@acme.test")
    assert (contact.organization, contact.name) == (world.acme, "Priya Nair")


def test_an_unknown_sender_nobody_knows_is_refused_politely(world, smtp_sink, ingest):
    result = ingest(corpus("unknown_sender_free_mail.eml"))

    assert result.action == "rejected"
    assert Ticket.objects.count() == 0
    [refusal] = smtp_sink.messages
    assert refusal["To"] == "random.person@freemail.test"
    assert "no request was opened" in words(refusal)
    assert refusal["Auto-Submitted"] == "auto-replied"


def test_a_mailbox_that_refuses_strangers_refuses_even_known_domains(
    world, smtp_sink, ingest, mailbox
):
    mailbox.unknown_senders = "refuse"
    mailbox.save()

    assert ingest(corpus("unknown_sender_known_domain.eml")).action == "rejected"
    assert not Contact.objects.filter(email="priya.nair@acme.test").exists()


def test_an_agent_answering_by_mail_makes_a_public_reply_the_reporter_receives(
    world, smtp_sink, ingest, opened
):
    raw = corpus("agent_reply_by_mail.eml", reference=opened.reference, in_reply_to=ack_id(opened))
    # The agent answers the mail Tierdesk sent them: their signed reply address proves them
    # (test_authentication.py has DKIM, SPF and DMARC).
    signed_to = agent_reply_address("support@northwind.test", world.l1.pk)
    raw = raw.replace(b"To: support@northwind.test", f"To: {signed_to}".encode())

    result = ingest(raw)

    assert result.action == "appended" and "agent reply" in result.reason
    reply = opened.messages.last()
    assert reply.author == world.l1 and reply.by_agent and reply.is_public
    assert reply.body == "Please send us the gateway logs from 09:00 to 09:30."
    opened.refresh_from_db()
    assert opened.first_response_at is not None
    [sent] = smtp_sink.to("acme_contact@example.test")
    assert "gateway logs from 09:00" in words(sent)
    assert sent["Auto-Submitted"] is None  # a person wrote it
    assert ack_id(opened) in sent["References"]


def test_the_reporter_is_told_of_a_request_for_information_and_of_the_resolution(
    world, smtp_sink, opened, committed
):
    committed(services.ticket_pend, actor=world.l1, ticket=opened, reason="customer",
              note="Which firmware runs on the gateway?")  # fmt: skip
    committed(services.ticket_resolve, actor=world.l1, ticket=opened,
              summary="Trunk timer raised to 90 s.")  # fmt: skip

    info, resolved = smtp_sink.to("acme_contact@example.test")
    assert "Which firmware runs on the gateway?" in words(info)
    assert "resolved" in resolved["Subject"]
    assert "Trunk timer raised to 90 s." in words(resolved)
    assert resolved["Auto-Submitted"] == "auto-replied"


def test_an_internal_note_sends_nothing(world, smtp_sink, opened, committed):
    committed(services.ticket_note, actor=world.l1, ticket=opened, body="Looks like the trunk.")

    assert smtp_sink.messages == []


def test_automatic_mail_to_one_address_is_rate_limited(world, smtp_sink, ingest, settings):
    settings.TIERDESK_MAIL_AUTO_PER_HOUR = 2
    raw = corpus("thunderbird_plain.eml")
    for number in range(4):
        ingest(raw.replace(b"<5f1c2a7e", f"<n{number}-5f1c2a7e".encode()))

    assert Ticket.objects.count() == 4
    assert len(smtp_sink.messages) == 2
    assert OutboundMail.objects.filter(status="suppressed").count() == 2


def test_a_message_over_the_size_limit_keeps_its_headers_and_gets_a_clear_answer(
    world, smtp_sink, ingest, settings
):
    settings.TIERDESK_MAIL_MAX_BYTES = 1000
    raw = corpus("thunderbird_plain.eml") + b"x" * 5000

    result = ingest(raw)

    assert result.action == "rejected" and "limit" in result.reason
    stored = InboundMessage.objects.get()
    assert stored.truncated and stored.size == len(raw) and len(bytes(stored.raw)) < 1000
    [answer] = smtp_sink.messages
    assert "too large" in answer["Subject"]


def test_a_failure_keeps_the_message_and_an_admin_can_retry_it(world, smtp_sink, ingest, settings):
    settings.TIERDESK_TICKET_PREFIX = None  # breaks reading the subject tag: processing fails
    result = ingest(corpus("thunderbird_plain.eml"))
    assert result.action == "failed"
    stored = InboundMessage.objects.get()
    assert stored.status == "failed" and "Error" in stored.error
    assert Ticket.objects.count() == 0

    settings.TIERDESK_TICKET_PREFIX = "TD"
    retried = mail_retry(actor=world.admin, inbound=stored)

    assert retried.action == "created"
    assert Ticket.objects.count() == 1


def test_only_admins_and_managers_may_retry_stored_mail(world, smtp_sink, ingest, settings):
    from tierdesk.core.errors import NotFound

    settings.TIERDESK_TICKET_PREFIX = None
    ingest(corpus("thunderbird_plain.eml"))
    with pytest.raises(NotFound):
        mail_retry(actor=world.l1, inbound=InboundMessage.objects.get())


def test_attachments_keep_their_rfc2231_names_and_lose_any_path(world, smtp_sink, ingest):
    result = ingest(corpus("gmail_attachment_rfc2231.eml"))

    ticket = Ticket.objects.get(pk=Ticket.pk_from_reference(result.ticket_reference))
    names = sorted(ticket.attachments.values_list("filename", flat=True))
    assert names == ["Absturz über Nacht.log", "evil.bat"]
    assert ticket.subject == "Protokolle für den Absturz"


def test_html_mail_is_sanitized_and_its_inline_image_kept(world, smtp_sink, ingest):
    body_html = '<p>Hi</p><img src="cid:logo@x"><script>alert(1)</script>'
    raw = (
        b"From: acme_contact@example.test\r\nTo: support@northwind.test\r\nSubject: html only\r\n"
        b"Message-ID: <html-only@x>\r\nMIME-Version: 1.0\r\n"
        b'Content-Type: multipart/related; boundary="b"\r\n\r\n--b\r\n'
        b"Content-Type: text/html; charset=utf-8\r\n\r\n" + body_html.encode() + b"\r\n--b\r\n"
        b"Content-Type: image/png\r\nContent-ID: <logo@x>\r\nContent-Transfer-Encoding: base64"
        b"\r\n\r\niVBORw0KGgo=\r\n--b--\r\n"
    )

    result = ingest(raw)

    ticket = Ticket.objects.get(pk=Ticket.pk_from_reference(result.ticket_reference))
    message = ticket.messages.get()
    assert message.body_format == "html"
    assert "<script>" not in message.body_html and 'src="cid:logo@x"' in message.body_html
    assert ticket.attachments.get().content_type == "image/png"


def test_a_customer_reply_to_a_closed_ticket_opens_a_follow_up(
    world, smtp_sink, ingest, opened, committed
):
    committed(services.ticket_resolve, actor=world.l1, ticket=opened, summary="Fixed.")
    services.ticket_close(actor=world.acme_contact, ticket=opened)

    result = ingest(corpus("tagged_reply_no_headers.eml", reference=opened.reference))

    assert result.action == "created" and opened.reference in result.reason
    assert (
        Ticket.objects.get(pk=Ticket.pk_from_reference(result.ticket_reference)).follow_up_of
        == opened
    )


@pytest.mark.parametrize(
    "name",
    ["raw_8bit_headers_latin1.eml", "no_headers_at_all.eml", "missing_from_date_messageid.eml",
     "broken_mime_unknown_charset.eml", "shift_jis.eml", "outlook_html_inline_image.eml"],
)  # fmt: skip
def test_malformed_and_foreign_mail_never_fails_and_is_never_lost(world, smtp_sink, ingest, name):
    raw = corpus(name)

    result = ingest(raw)

    assert result.action != "failed", result.reason
    assert bytes(InboundMessage.objects.get().raw) == raw


def test_a_megabyte_long_line_is_taken_whole(world, smtp_sink, ingest):
    raw = corpus("thunderbird_plain.eml") + b"y" * 2_000_000 + b"\n"

    result = ingest(raw)

    ticket = Ticket.objects.get(pk=Ticket.pk_from_reference(result.ticket_reference))
    assert len(ticket.messages.get().body) > 2_000_000


def test_raw_8bit_headers_are_read_as_the_sender_meant(world, smtp_sink, ingest):
    result = ingest(corpus("raw_8bit_headers_latin1.eml"))

    ticket = Ticket.objects.get(pk=Ticket.pk_from_reference(result.ticket_reference))
    assert ticket.subject == "Grüße: Drucker druckt nicht"
    assert "\x00" not in ticket.messages.get().body


def test_a_new_agent_writes_as_the_agent_at_once_though_who_is_an_agent_is_cached(world):
    from tierdesk.accounts.models import Agent, User
    from tierdesk.mail.senders import sender_resolve

    contact = Contact.objects.create(organization=world.acme, name="Dual", email="dual@acme.test")
    assert sender_resolve("dual@acme.test").contact == contact  # the agents' set is loaded now

    user = User.objects.create(username="dual", email="Dual@acme.test")
    Agent.objects.create(user=user, organization=world.vendor, support_level=1)

    assert sender_resolve("dual@acme.test").agent_user == user
